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
    expect([again.resultCid, again.resultHash]).toEqual([result.resultCid, result.resultHash]);
    await runner.close();
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
    await runner.close();

    const slow = createJobRunner({
      store,
      workDir: path.join(dir, "work"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 50,
    });
    await expect(
      slow({ leaseId: 5n, ...(await publish(trainingYaml(200))), signal }),
    ).rejects.toThrow(/timed out/);
    await slow.close();
  });
});

/** A training job that takes long enough to run past a short timeout. */
function trainingYaml(epochs: number) {
  return `version: "1"
kind: training
input: { cid: ${trainCid}, format: csv }
training:
  architecture: { layers: [64, 16, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: ${epochs}
  batchSize: 32
  seed: 1
  labelsColumn: label
${tail}`;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 20_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("worker pool", () => {
  /** One inference job on the digits MLP: the model trained by a job of this runner. */
  async function inferenceJob(runner: ReturnType<typeof createJobRunner>, leaseId: bigint) {
    const signal = new AbortController().signal;
    const trained = await runner({ leaseId, ...(await publish(trainingYaml(1))), signal });
    const doc = JSON.parse(new TextDecoder().decode(await store.get(trained.resultCid))) as {
      model: { cid: string };
    };
    const input = await store.add(
      new TextEncoder().encode(JSON.stringify({ input_data: [Array(64).fill(3)] })),
    );
    return publish(`version: "1"
kind: inference
model: { cid: ${doc.model.cid} }
input: { cid: ${input.cid}, format: json }
${tail}`);
  }

  it("test_workerPool_reusesWarmWorkersAndCachedModel", async () => {
    const runner = createJobRunner({
      store,
      workDir: path.join(dir, "work-warm"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 60_000,
      workers: 2,
    });
    const signal = new AbortController().signal;
    const job = await inferenceJob(runner, 10n);
    const first = await runner({ leaseId: 11n, ...job, signal });
    const results = [];
    for (let i = 12n; i < 18n; i++) results.push(await runner({ leaseId: i, ...job, signal }));
    // Every job ran in one of the two workers forked ahead: none was forked per job.
    expect(runner.pool.stats()).toMatchObject({ alive: 2, started: 2, retired: 0 });
    // The model and input were fetched once (plus the training job's input and manifest-less
    // fetches), then read from the cache; the worker reused the parsed session.
    expect(runner.cache.stats().misses).toBe(3); // training input, model, inference input
    expect(results.every((r) => r.timings?.sessionReused === 1)).toBe(true);
    expect(results.every((r) => r.resultCid === first.resultCid)).toBe(true);
    const pids = runner.pool.stats().pids;
    await runner.close();
    expect(pids.some(isAlive)).toBe(false);
  });

  it("test_workerPool_recyclesWorkerAfterJobsPerWorker", async () => {
    const runner = createJobRunner({
      store,
      workDir: path.join(dir, "work-recycle"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 60_000,
      workers: 1,
      jobsPerWorker: 2,
    });
    const signal = new AbortController().signal;
    const job = await inferenceJob(runner, 20n); // job 1 of worker 1
    const before = runner.pool.stats().pids;
    await runner({ leaseId: 21n, ...job, signal }); // job 2: worker 1 retires
    expect(runner.pool.stats()).toMatchObject({ retired: 1, started: 2 });
    await waitFor(() => !isAlive(before[0] as number));
    const result = await runner({ leaseId: 22n, ...job, signal }); // a fresh worker runs it
    expect(result.timings?.sessionReused).toBe(0);
    expect(runner.pool.stats().pids).not.toEqual(before);
    await runner.close();
  });

  it("test_workerPool_replacesTimedOutAndDeadWorkers", async () => {
    const runner = createJobRunner({
      store,
      workDir: path.join(dir, "work-replace"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 3_000,
      workers: 1,
    });
    const signal = new AbortController().signal;
    const job = await inferenceJob(runner, 30n);
    const [first] = runner.pool.stats().pids;
    // A job past its time: its worker is killed and a fresh one forked.
    await expect(
      runner({ leaseId: 31n, ...(await publish(trainingYaml(500))), signal }),
    ).rejects.toThrow(/timed out after 3 s/);
    await waitFor(() => !isAlive(first as number));
    expect(runner.pool.stats()).toMatchObject({ alive: 1, retired: 1, started: 2 });
    await expect(runner({ leaseId: 32n, ...job, signal })).resolves.toMatchObject({
      resultCid: expect.any(String),
    });
    // A worker that dies while idle (killed from outside) is replaced too.
    const [second] = runner.pool.stats().pids;
    process.kill(second as number, "SIGKILL");
    await waitFor(() => runner.pool.stats().started === 3 && runner.pool.stats().alive === 1);
    await expect(runner({ leaseId: 33n, ...job, signal })).resolves.toMatchObject({
      resultCid: expect.any(String),
    });
    await runner.close();
  });

  it("test_workerPool_abortKillsBusyWorker", async () => {
    const runner = createJobRunner({
      store,
      workDir: path.join(dir, "work-abort"),
      memoryBytes: 512n * 1024n ** 2n,
      timeoutMs: 60_000,
      workers: 1,
    });
    await inferenceJob(runner, 39n); // the worker is up
    const controller = new AbortController();
    const running = runner({
      leaseId: 40n,
      ...(await publish(trainingYaml(500))),
      signal: controller.signal,
    });
    await waitFor(() => runner.pool.stats().idle === 0);
    const [busy] = runner.pool.stats().pids;
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    await expect(running).rejects.toThrow(/aborted/);
    await waitFor(() => !isAlive(busy as number));
    await runner.close();
  });
});
