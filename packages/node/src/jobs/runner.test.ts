// The job runner with a real content store and a real worker process.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTable, splitTrainTest, writeTable } from "@noosphere/ml";
import { canonicalManifestBytes, manifestHash, parseJobManifest } from "@noosphere/sdk";
import { type ContentStore, createStore } from "@noosphere/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobRunner } from "./runner.js";

const digits = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../examples/data/digits.csv",
);
let dir: string;
let store: ContentStore;
let trainCid: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-runner-"));
  store = createStore({ kind: "local", dir: path.join(dir, "store") });
  const table = await loadTable(digits);
  const { train } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
  const trainCsv = path.join(dir, "train.csv");
  await writeTable(trainCsv, { columns: table.columns, rows: train });
  trainCid = (await store.add(trainCsv)).cid;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function publish(yaml: string) {
  const manifest = parseJobManifest(yaml);
  const { cid } = await store.add(canonicalManifestBytes(manifest));
  return { manifestCid: cid, manifestHash: manifestHash(manifest) };
}

const tail = `
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1", token: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }
verification: { mode: none }
deadline: 10m
`;

describe("job runner", () => {
  it("trains in a worker process and stores a result that names the model by CID", async () => {
    const runner = createJobRunner({
      store,
      workDir: path.join(dir, "work"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 60_000,
    });
    const job = await publish(`version: "1"
kind: training
input: { cid: ${trainCid}, format: csv }
training:
  architecture: { layers: [64, 16, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: 3
  batchSize: 32
  seed: 1
  labelsColumn: label
${tail}`);
    const result = await runner({ leaseId: 1n, ...job, signal: new AbortController().signal });
    const doc = JSON.parse(new TextDecoder().decode(await store.get(result.resultCid))) as {
      kind: string;
      model: { cid: string; size: number };
    };
    expect(doc.kind).toBe("training");
    expect((await store.stat(doc.model.cid)).size).toBe(doc.model.size);
    // Same job again: same result, bit for bit.
    const again = await runner({ leaseId: 2n, ...job, signal: new AbortController().signal });
    expect(again).toEqual(result);
  });

  it("fails cleanly on a manifest whose hash does not match, a model that cannot load, and a timeout", async () => {
    const runner = createJobRunner({
      store,
      workDir: path.join(dir, "work"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 60_000,
    });
    const signal = new AbortController().signal;
    const notAModel = (await store.add(new TextEncoder().encode("not an onnx model"))).cid;
    const job = await publish(`version: "1"
kind: inference
model: { cid: ${notAModel} }
input: { cid: ${trainCid}, format: csv }
${tail}`);
    await expect(
      runner({ leaseId: 3n, ...job, manifestHash: `0x${"00".repeat(32)}`, signal }),
    ).rejects.toThrow(/hash/i);
    await expect(runner({ leaseId: 4n, ...job, signal })).rejects.toThrow(
      /Job of lease 4 failed: ModelLoadError/,
    );

    const slow = createJobRunner({
      store,
      workDir: path.join(dir, "work"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 50,
    });
    await expect(slow({ leaseId: 5n, ...job, signal })).rejects.toThrow(/timed out/);
  });
});
