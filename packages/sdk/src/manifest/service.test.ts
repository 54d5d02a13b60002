// Service manifests (kind: service): defaults, errors naming the field and line, the service
// lease order they open (jobTimeout 0), and the provider's hash check.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { canonicalManifestBytes, manifestHash } from "./canonical.js";
import { ManifestError } from "./errors.js";
import {
  loadServiceManifest,
  manifestKindOf,
  parseJobManifest,
  parseServiceManifest,
} from "./parse.js";
import {
  resolveServiceManifestRefs,
  serviceManifestToOrderParameters,
  servicePricePerThousandSamples,
  verifyServiceManifest,
} from "./service.js";

const token = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const minimal = `
version: "1"
kind: service
model: ./mlp.onnx
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.0001", deposit: "1" }
service: { name: digits }
`;

const issuesOf = (text: string) => {
  try {
    parseServiceManifest(text);
  } catch (err) {
    if (err instanceof ManifestError) return err.issues.map((i) => `${i.line}: ${i.message}`);
    throw err;
  }
  return [];
};

describe("service manifest", () => {
  it("test_parseServiceManifest_minimal_fillsDefaults", () => {
    const m = parseServiceManifest(minimal);
    expect(m).toMatchObject({
      kind: "service",
      model: { path: "./mlp.onnx" },
      service: { name: "digits", maxBatchSize: 64, maxQueueDelayMicroseconds: 0 },
      bidWindow: "30s",
      placement: { attributes: {}, signedBy: { allOf: [], anyOf: [] } },
    });
    expect(servicePricePerThousandSamples(m)).toBeUndefined();
    expect(manifestKindOf(minimal)).toBe("service");
  });

  it("test_parseServiceManifest_example_parsesWithPerCallPrice", async () => {
    const file = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      "../../../../examples/manifests/service.yaml",
    );
    const m = await loadServiceManifest(file);
    expect(m.service).toEqual({ name: "digits", maxBatchSize: 64, maxQueueDelayMicroseconds: 500 });
    expect(servicePricePerThousandSamples(m)).toBe(10n ** 15n);
  });

  it("test_parseServiceManifest_badFields_nameFieldAndLine", () => {
    const text = minimal
      .replace(
        "service: { name: digits }",
        "service: { name: 'a b', maxBatchSize: 0, maxQueueDelayMs: 5 }",
      )
      .replace('deposit: "1"', 'deposit: "1", perThousandSamples: "-1"');
    const issues = issuesOf(text);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^7: service\.name: .*expected a model name of 1\.\.64 letters/),
        expect.stringMatching(/^7: service\.maxBatchSize: got 0; expected an integer in 1\.\.4096/),
        expect.stringMatching(
          /^7: service\.maxQueueDelayMs: unknown field; expected one of name \| maxBatchSize \| maxQueueDelayMicroseconds/,
        ),
        expect.stringMatching(/^6: pricing\.perThousandSamples: /),
      ]),
    );
  });

  it("test_parseServiceManifest_jobFields_refused", () => {
    const issues = issuesOf(`${minimal}deadline: 10m\n`);
    expect(issues).toEqual([expect.stringMatching(/^8: deadline: unknown field/)]);
    expect(issuesOf(minimal.replace("service: { name: digits }\n", ""))).toEqual([
      expect.stringMatching(/service: missing|service: .*expected a mapping/),
    ]);
  });

  it("test_parseJobManifest_kindService_pointsAtServiceParser", () => {
    expect(() => parseJobManifest(minimal)).toThrow(
      /kind: got "service" \(a service manifest: read it with parseServiceManifest\)/,
    );
  });

  it("test_serviceManifestToOrderParameters_serviceLease_jobTimeoutZero", async () => {
    const m = await resolveServiceManifestRefs(parseServiceManifest(minimal), () => cid);
    expect(m.model).toEqual({ cid });
    const order = serviceManifestToOrderParameters(m, { manifestCid: cid, token });
    expect(order).toMatchObject({
      jobTimeout: 0,
      maxPricePerSecond: 10n ** 14n,
      deposit: 10n ** 18n,
      bidWindow: 30,
      resources: { cpuMillis: 1000, memoryBytes: 512n * 1024n ** 2n, storageBytes: 0n, gpus: 0 },
      manifestHash: manifestHash(m),
    });
  });

  it("test_verifyServiceManifest_hashAndCids_checked", async () => {
    const m = await resolveServiceManifestRefs(parseServiceManifest(minimal), () => cid);
    const bytes = canonicalManifestBytes(m);
    expect(verifyServiceManifest(bytes, { manifestHash: manifestHash(m) })).toEqual(m);
    expect(() => verifyServiceManifest(bytes, { manifestHash: `0x${"00".repeat(32)}` })).toThrow(
      /hash/i,
    );
    const local = parseServiceManifest(minimal);
    expect(() =>
      verifyServiceManifest(canonicalManifestBytes(local), { manifestHash: manifestHash(local) }),
    ).toThrow(/model: got the local path/);
  });
});
