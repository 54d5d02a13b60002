import { keccak256, toHex } from "viem";
import { describe, expect, test } from "vitest";
import {
  canonicalJson,
  canonicalManifestBytes,
  manifestHash,
  verifyJobManifest,
} from "./canonical.js";
import { ManifestError, ManifestHashMismatchError } from "./errors.js";
import { parseJobManifest } from "./parse.js";
import { resolveManifestRefs } from "./resolve.js";

const MODEL_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const INPUT_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

const block = `# a comment
version: "1"
kind: inference
model: ./model.onnx
input: ./input.json
resources:
  cpu: 1
  memory: 512Mi
placement:
  attributes:
    region: eu
    zone: a
  signedBy:
    anyOf: []
pricing:
  maxPricePerSecond: "0.001"
  deposit: "5"
verification:
  mode: none
deadline: 10m
`;

// The same manifest: keys in another order, flow style, no comment, defaults written out,
// the address-free lists left out, the version unquoted.
const shuffled = `deadline: 10m
bidWindow: 30s
verification: { mode: none }
pricing: { deposit: "5", maxPricePerSecond: 0.001 }
placement: { attributes: { zone: a, region: eu } }
resources: { memory: 512Mi, cpu: 1 }
input: { path: ./input.json }
model: { path: ./model.onnx }
kind: inference
version: 1
`;

describe("canonicalJson", () => {
  test("sorts keys at every depth, no whitespace, drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" }, e: undefined })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  test("numbers and strings as JSON.stringify writes them (RFC 8785)", () => {
    expect(canonicalJson([0.1, 1e21, -0, 1.5e-7, "é\n\u2028"])).toBe(
      '[0.1,1e+21,0,1.5e-7,"é\\n\u2028"]',
    );
  });

  test("sorts by UTF-16 code units", () => {
    expect(canonicalJson({ "\u00e9": 1, z: 2, "\ud83d\ude00": 3, Z: 4 })).toBe(
      '{"Z":4,"z":2,"\u00e9":1,"\ud83d\ude00":3}',
    );
  });

  test("refuses values JSON cannot carry", () => {
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson(Number.NaN)).toThrow(/NaN/);
  });
});

describe("manifestHash", () => {
  test("is keccak256 of the canonical bytes, pinned for a known manifest", () => {
    const manifest = parseJobManifest(block);
    const json =
      '{"bidWindow":"30s","deadline":"10m","input":{"format":"json","path":"./input.json"},"kind":"inference",' +
      '"model":{"path":"./model.onnx"},"placement":{"attributes":{"region":"eu","zone":"a"},' +
      '"signedBy":{"allOf":[],"anyOf":[]}},"pricing":{"deposit":"5","maxPricePerSecond":"0.001"},' +
      '"resources":{"cpu":1,"memory":"512Mi"},"verification":{"mode":"none"},"version":"1"}';
    expect(new TextDecoder().decode(canonicalManifestBytes(manifest))).toBe(json);
    expect(manifestHash(manifest)).toBe(keccak256(toHex(json)));
    // Changing the canonical form changes every order's hash: do it on purpose, with a new version.
    expect(manifestHash(manifest)).toBe(
      "0x066e35d04198b5b4fa9dc48a9a05a8f0d50e6a4febac46cad58cbc82ffd21b9a",
    );
  });

  test("does not depend on key order, layout, comments or written-out defaults", () => {
    expect(manifestHash(parseJobManifest(shuffled))).toBe(manifestHash(parseJobManifest(block)));
  });

  test("changes with any value", () => {
    const base = manifestHash(parseJobManifest(block));
    for (const [from, to] of [
      ['deposit: "5"', 'deposit: "5.0"'],
      ["region: eu", "region: us"],
      ["deadline: 10m", "deadline: 600"],
      ["mode: none", "mode: receipt"],
    ] as const) {
      expect(manifestHash(parseJobManifest(block.replace(from, to)))).not.toBe(base);
    }
  });

  test("round trip: canonical bytes parse back to the same manifest and hash", () => {
    const manifest = parseJobManifest(block);
    const again = parseJobManifest(new TextDecoder().decode(canonicalManifestBytes(manifest)));
    expect(again).toEqual(manifest);
    expect(manifestHash(again)).toBe(manifestHash(manifest));
  });
});

describe("verifyJobManifest (what a provider does with the manifest it fetched)", () => {
  const published = async () => {
    const manifest = await resolveManifestRefs(parseJobManifest(block), (path) =>
      path.endsWith(".onnx") ? MODEL_CID : INPUT_CID,
    );
    return { manifest, bytes: canonicalManifestBytes(manifest), hash: manifestHash(manifest) };
  };

  test("accepts the published bytes under the on-chain hash", async () => {
    const { manifest, bytes, hash } = await published();
    expect(manifest.input).toEqual({ cid: INPUT_CID, format: "json" });
    expect(verifyJobManifest(bytes, { manifestHash: hash })).toEqual(manifest);
    expect(keccak256(bytes)).toBe(hash);
  });

  test("accepts the same manifest in another layout (the hash is over the parsed manifest)", async () => {
    const { hash } = await published();
    const yaml = block
      .replace("./model.onnx", MODEL_CID)
      .replace("./input.json", `{ cid: ${INPUT_CID}, format: json }`);
    expect(verifyJobManifest(yaml, { manifestHash: hash }).kind).toBe("inference");
  });

  test("rejects other bytes", async () => {
    const { manifest, hash } = await published();
    const tampered = canonicalManifestBytes({ ...manifest, deadline: "1h" });
    expect(() =>
      verifyJobManifest(tampered, { manifestHash: hash, source: `ipfs://${MODEL_CID}` }),
    ).toThrow(ManifestHashMismatchError);
  });

  test("rejects a manifest that still names local files", () => {
    const manifest = parseJobManifest(block);
    try {
      verifyJobManifest(canonicalManifestBytes(manifest), { manifestHash: manifestHash(manifest) });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ManifestError);
      expect((err as ManifestError).issues.map((i) => i.message)).toEqual([
        'model: got the local path "./model.onnx"; expected a CID (a provider cannot read the tenant\'s files)',
        'input: got the local path "./input.json"; expected a CID (a provider cannot read the tenant\'s files)',
      ]);
    }
  });

  test("reports a malformed manifest as a ManifestError", () => {
    expect(() => verifyJobManifest("kind: nope", { manifestHash: `0x${"00".repeat(32)}` })).toThrow(
      ManifestError,
    );
  });
});
