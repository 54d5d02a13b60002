import type { Address } from "viem";
import { describe, expect, test } from "vitest";
import { type CreateOrderParameters, toOrderParams } from "../actions/market/createOrder.js";
import { InvalidParameterError } from "../errors.js";
import { manifestHash } from "./canonical.js";
import { ManifestError } from "./errors.js";
import { manifestQuantities, manifestToOrderParameters } from "./order.js";
import { parseJobManifest } from "./parse.js";
import { manifestRefs, resolveManifestRefs } from "./resolve.js";

const NOOS = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;
const OTHER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as Address;
const AUDITOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as Address;
const CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

const text = `version: "1"
kind: inference
model: ./model.onnx
input: ./batch.csv
resources: { cpu: 500m, memory: 1Gi, gpu: 1, storage: 2G }
placement:
  attributes: { zone: b, region: eu }
  signedBy: { allOf: ["${AUDITOR}"], anyOf: [] }
pricing: { maxPricePerSecond: "0.001", deposit: "0.6" }
verification: { mode: redundant, replicas: 3 }
deadline: 10m
bidWindow: 1m
`;

describe("manifestQuantities", () => {
  test("converts the manifest's units", () => {
    expect(manifestQuantities(parseJobManifest(text))).toEqual({
      cpuMillis: 500,
      memoryBytes: 1_073_741_824n,
      storageBytes: 2_000_000_000n,
      gpus: 1,
      deadline: 600,
      bidWindow: 60,
      maxPricePerSecond: 10n ** 15n,
      deposit: 6n * 10n ** 17n,
    });
  });
});

describe("manifestToOrderParameters", () => {
  test("maps every field onto CreateOrderParameters", () => {
    const manifest = parseJobManifest(text);
    const params = manifestToOrderParameters(manifest, { manifestCid: CID, token: NOOS });
    expect(params).toEqual({
      manifestCid: CID,
      manifestHash: manifestHash(manifest),
      resources: {
        cpuMillis: 500,
        memoryBytes: 1_073_741_824n,
        storageBytes: 2_000_000_000n,
        gpus: 1,
      },
      placement: {
        attributes: [
          { key: "region", value: "eu" },
          { key: "zone", value: "b" },
        ],
        allOf: [AUDITOR],
        anyOf: [],
      },
      token: NOOS,
      maxPricePerSecond: 10n ** 15n,
      deposit: 6n * 10n ** 17n,
      bidWindow: 60,
      jobTimeout: 600,
    });
    // What createOrder sends to the contract: the same values, and no validation error.
    const order: CreateOrderParameters = { address: OTHER, ...params };
    const sent = toOrderParams(order);
    expect(sent).toMatchObject({ jobTimeout: 600, bidWindow: 60 });
    // The contract's OrderParams has no maxBids any more: nothing of the kind is sent.
    expect(Object.keys(sent)).toEqual([
      "manifestCid",
      "manifestHash",
      "resources",
      "placement",
      "token",
      "maxPricePerSecond",
      "deposit",
      "bidWindow",
      "jobTimeout",
    ]);
  });

  test("defaults: bidWindow 30 s, no storage or GPU", () => {
    const manifest = parseJobManifest(
      text.replace("bidWindow: 1m\n", "").replace(", gpu: 1, storage: 2G", ""),
    );
    const params = manifestToOrderParameters(manifest, { manifestCid: CID, token: NOOS });
    expect(params.bidWindow).toBe(30);
    expect(params.resources).toEqual({
      cpuMillis: 500,
      memoryBytes: 1_073_741_824n,
      storageBytes: 0n,
      gpus: 0,
    });
    expect(toOrderParams({ address: OTHER, ...params }).bidWindow).toBe(30);
  });

  test("the manifest's token wins over the option; one of them is required", () => {
    const own = parseJobManifest(
      text.replace('deposit: "0.6"', `deposit: "0.6", token: "${OTHER}"`),
    );
    expect(manifestToOrderParameters(own, { manifestCid: CID, token: NOOS }).token).toBe(OTHER);
    expect(manifestToOrderParameters(own, { manifestCid: CID }).token).toBe(OTHER);
    const none = parseJobManifest(text);
    expect(() => manifestToOrderParameters(none, { manifestCid: CID })).toThrow(
      InvalidParameterError,
    );
  });

  test("a given manifestHash must be the manifest's", () => {
    const manifest = parseJobManifest(text);
    const hash = manifestHash(manifest);
    expect(
      manifestToOrderParameters(manifest, { manifestCid: CID, manifestHash: hash, token: NOOS })
        .manifestHash,
    ).toBe(hash);
    try {
      manifestToOrderParameters(manifest, {
        manifestCid: CID,
        manifestHash: `0x${"11".repeat(32)}`,
        token: NOOS,
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect((err as InvalidParameterError).field).toBe("manifestHash");
    }
  });

  test("deposit below maxPricePerSecond x deadline is a manifest error on pricing.deposit", () => {
    const manifest = parseJobManifest(text);
    const short = {
      ...manifest,
      pricing: { ...manifest.pricing, deposit: "0.599999999999999999" },
    };
    try {
      manifestToOrderParameters(short, { manifestCid: CID, token: NOOS });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ManifestError);
      const [issue] = (err as ManifestError).issues;
      expect(issue?.field).toBe("pricing.deposit");
      expect(issue?.message).toBe(
        'pricing.deposit: got "0.599999999999999999" NOOS; expected at least "0.6" NOOS = maxPricePerSecond 0.001 NOOS/s x deadline 600 s',
      );
    }
    // Exactly enough is enough (the contract's rule is deposit >= price x timeout).
    expect(manifestToOrderParameters(manifest, { manifestCid: CID, token: NOOS }).deposit).toBe(
      6n * 10n ** 17n,
    );
  });
});

describe("resolveManifestRefs", () => {
  test("replaces paths with the resolver's CIDs and leaves CIDs alone", async () => {
    const training = parseJobManifest(`version: "1"
kind: training
input: ./train.csv
training:
  initialModel: ./init.onnx
  optimizer: { name: sgd, learningRate: 0.1 }
  epochs: 1
  batchSize: 16
  seed: 7
  labelsColumn: label
resources: { cpu: 1, memory: 1Gi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: none }
deadline: 10m
`);
    expect(manifestRefs(training).map((r) => [r.field, r.ref])).toEqual([
      ["training.initialModel", { path: "./init.onnx" }],
      ["input", { path: "./train.csv", format: "csv" }],
    ]);
    const seen: string[] = [];
    const resolved = await resolveManifestRefs(training, (path, field) => {
      seen.push(`${field}=${path}`);
      return CID;
    });
    expect(seen).toEqual(["input=./train.csv", "training.initialModel=./init.onnx"]);
    expect(manifestRefs(resolved).every((r) => "cid" in r.ref)).toBe(true);
    expect(resolved.input).toEqual({ cid: CID, format: "csv" });
    expect(training.input).toEqual({ path: "./train.csv", format: "csv" });

    const again = await resolveManifestRefs(resolved, () => {
      throw new Error("not called for CIDs");
    });
    expect(again).toEqual(resolved);
  });

  test("refuses a resolver answer that is not a CID", async () => {
    await expect(
      resolveManifestRefs(parseJobManifest(text), () => "/tmp/model.onnx"),
    ).rejects.toThrow(InvalidParameterError);
  });
});
