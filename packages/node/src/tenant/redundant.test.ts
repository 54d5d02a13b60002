// Finding 2 of issue 9 (redundant verification passed by copying), on a real anvil with real
// provider daemons: the replicas of a redundant job run at the same time through one replica
// group, each commits to its result before any result is revealed, and a provider that only
// copies what another replica published finds nothing to copy. The copier is a test-only job
// runner: a provider that cheats is the point.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { computeMarketAbi } from "@noosphere/sdk";
import { type ContentStore, createStore } from "@noosphere/storage";
import { type Hex, parseEther, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { createProvider, type JobRunner } from "../provider/provider.js";
import { deployJob } from "./deployJob.js";
import { resumeJobs } from "./resumeJobs.js";

let net: TestDeployment;
let dir: string;
let store: ContentStore;
let manifestPath: string;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-redundant-"));
  store = createStore({ kind: "local", dir: path.join(dir, "store") });
  await writeFile(path.join(dir, "model.onnx"), "not really a model: the runners below ignore it");
  await writeFile(path.join(dir, "input.json"), JSON.stringify({ input_data: [[1, 2, 3]] }));
  manifestPath = path.join(dir, "job.yaml");
  await writeFile(
    manifestPath,
    `version: "1"
kind: inference
model: model.onnx
input: input.json
resources: { cpu: 1, memory: 256Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: redundant, replicas: 2 }
deadline: 10m
bidWindow: 10s
`,
  );
}, 60_000);
afterAll(async () => {
  await net?.stop();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array): Hex => `0x${createHash("sha256").update(bytes).digest("hex")}`;

/** Runs the job "for real": a deterministic result every honest replica agrees on. */
const honest: JobRunner = async ({ manifestHash }) => {
  const bytes = new TextEncoder().encode(JSON.stringify({ output_data: [[manifestHash.length]] }));
  const { cid } = await store.add(bytes);
  return { resultCid: cid, resultHash: sha256(bytes) };
};

/** Runs nothing: waits for another replica's result of the same manifest on chain, and copies it. */
function copier(seen: { copied?: string; gaveUp?: boolean }, fromBlock: bigint): JobRunner {
  return async ({ leaseId, manifestHash }) => {
    const client = net.client(1);
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const events = await client.getContractEvents({
        address: net.deployment.contracts.market,
        abi: computeMarketAbi,
        eventName: "ResultSubmitted",
        fromBlock, // this job's results only, not the earlier test's
      });
      for (const e of events) {
        const other = e.args.leaseId as bigint;
        if (other === leaseId) continue;
        const order = await client.getOrder({ orderId: other });
        if (order.manifestHash === manifestHash) {
          seen.copied = e.args.resultCid as string;
          return { resultCid: e.args.resultCid as string, resultHash: e.args.resultHash as Hex };
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    seen.gaveUp = true;
    throw new Error("nothing to copy");
  };
}

/** Runs provider daemons (dev account index, price per core, runner) for the length of `body`. */
async function withProviders<T>(
  specs: [index: number, cpuPerCore: bigint, runJob: JobRunner][],
  body: () => Promise<T>,
) {
  const running = [];
  for (const [index, cpuPerCore, runJob] of specs) {
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    const provider = await createProvider(common, {
      client: net.client(index),
      contracts: net.deployment.contracts,
      startBlock: await net.client(index).getBlockNumber(),
      hostUri: "http://127.0.0.1:0",
      attributes: [{ key: "region", value: "eu" }],
      stake: parseEther("300"),
      pricing: {
        cpuPerCore,
        memoryPerGiB: 0n,
        gpuPerUnit: 0n,
        base: 0n,
        marginBps: 0,
        minPricePerSecond: 1n,
      },
      capacity: { cpuMillis: 4000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 2 },
      stateDir: path.join(dir, `provider-${index}`),
      listen: { host: "127.0.0.1", port: 0 },
      withdrawIntervalMs: 60_000,
      pollIntervalMs: 50,
      runJob,
    });
    running.push({ common, provider });
  }
  try {
    return await body();
  } finally {
    for (const { common, provider } of running) {
      common.shutdown();
      await provider.done;
    }
  }
}

const deploy = (pollIntervalMs = 50) =>
  deployJob({
    client: net.client(1),
    contracts: net.deployment.contracts,
    store,
    manifestPath,
    resultsDir: path.join(dir, "results"),
    pollIntervalMs,
    fetchRetryMs: 200,
    fetchTimeoutMs: 2000,
  });

async function blocksOf(eventName: "ResultCommitted" | "ResultSubmitted", leases: bigint[]) {
  const events = await net.client(1).getContractEvents({
    address: net.deployment.contracts.market,
    abi: computeMarketAbi,
    eventName,
    fromBlock: 0n,
  });
  return events
    .filter((e) => leases.includes((e.args as { leaseId: bigint }).leaseId))
    .map((e) => e.blockNumber);
}

describe("redundant verification (finding 2: copied replicas)", () => {
  it("test_finding2_replicasRunConcurrentlyAndCommitBeforeAnyReveal", async () => {
    const result = await withProviders(
      [
        [2, parseEther("0.0001"), honest],
        [3, parseEther("0.0002"), honest],
      ],
      () => deploy(),
    );
    expect(result.outcome).toBe("completed");
    const leases = result.replicas.map((r) => r.orderId);
    expect(leases).toHaveLength(2);
    expect(new Set(result.replicas.map((r) => r.provider)).size).toBe(2);
    expect(result.replicas.map((r) => r.state)).toEqual(["Completed", "Completed"]);
    // Each provider bid on one order of the group only (none outbid the other).
    const bids = (
      await net.client(1).getContractEvents({
        address: net.deployment.contracts.market,
        abi: computeMarketAbi,
        eventName: "BidCreated",
        fromBlock: 0n,
      })
    ).filter((e) => leases.includes(e.args.orderId as bigint));
    const ordersOf = new Map<string, Set<bigint>>();
    for (const e of bids) {
      const set = ordersOf.get(e.args.provider as string) ?? new Set();
      set.add(e.args.orderId as bigint);
      ordersOf.set(e.args.provider as string, set);
      expect(e.args.outbid === zeroAddress || e.args.outbid === e.args.provider).toBe(true);
    }
    expect([...ordersOf.values()].map((o) => o.size)).toEqual([1, 1]);
    // Both leases were running before either result was bound, and both were bound (committed)
    // before either was revealed.
    const commits = await blocksOf("ResultCommitted", leases);
    const reveals = await blocksOf("ResultSubmitted", leases);
    expect(commits).toHaveLength(2);
    expect(reveals).toHaveLength(2);
    expect(commits.reduce((a, b) => (a > b ? a : b))).toBeLessThan(
      reveals.reduce((a, b) => (a < b ? a : b)),
    );
    const started = await Promise.all(
      leases.map(async (id) => (await net.client(1).getLease({ leaseId: id })).startedAt),
    );
    const firstCommit = await net.client(1).getBlock({
      blockNumber: commits.reduce((a, b) => (a < b ? a : b)),
    });
    for (const s of started) expect(s).toBeLessThanOrEqual(firstCommit.timestamp);
  }, 120_000);

  it("test_finding2_copierFindsNothingToCopy", async () => {
    const seen: { copied?: string; gaveUp?: boolean } = {};
    const fromBlock = await net.client(1).getBlockNumber();
    // Each provider takes one replica of the group (the market lets it bid on one order only).
    const result = await withProviders(
      [
        [4, parseEther("0.0001"), honest],
        [9, parseEther("0.0002"), copier(seen, fromBlock)],
      ],
      () => deploy(),
    );
    expect(seen.copied).toBeUndefined();
    expect(seen.gaveUp).toBe(true);
    // One replica delivered: agreement is unproven, so the job is not accepted.
    expect(result.outcome).toBe("disputed");
    const copierLease = result.replicas.find(
      (r) => r.provider.toLowerCase() === net.client(9).account.address.toLowerCase(),
    );
    expect(copierLease?.state).not.toBe("Completed");
    expect(copierLease?.cost ?? 0n).toBe(0n);
  }, 120_000);

  it("test_finding2_closeAuctionByAnyoneStillGivesDistinctProviders", async () => {
    // A third party closes each auction the moment its window ends, before the (slow-polling)
    // tenant does: the contract leases each order to its best bid (each provider bid on one
    // order of the group only), and the tenant takes those leases as they are.
    const griefer = net.client(8);
    const before = (await griefer.getOrders({ limit: 1 }))[0]?.id ?? 0n;
    let closed = 0;
    const stop = new AbortController();
    const closing = (async () => {
      while (!stop.signal.aborted && closed < 2) {
        const orders = (await griefer.getOrders({ state: "Open" })).filter((o) => o.id > before);
        for (const o of orders) {
          if (o.stateName !== "Open" || Date.now() / 1000 < Number(o.bidDeadline)) continue;
          await griefer
            .closeAuctionAndWait({ orderId: o.id })
            .then(() => closed++)
            .catch(() => {});
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const result = await withProviders(
      [
        [2, parseEther("0.0001"), honest],
        [3, parseEther("0.0002"), honest],
      ],
      // The tenant polls every 6 s: the griefer (every 50 ms) closes each auction first, even on a
      // loaded machine.
      () => deploy(6000),
    ).finally(() => stop.abort());
    await closing;
    expect(closed).toBe(2);
    expect(result.outcome).toBe("completed");
    expect(new Set(result.replicas.map((r) => r.provider.toLowerCase())).size).toBe(2);
  }, 120_000);

  it("test_finding2_restartedTenantFinishesAGroupFromItsRecords", async () => {
    // The tenant's process stops once every replica is leased; a new one, from the records
    // alone, waits for the commits and reveals, checks both results and accepts them.
    const stateDir = path.join(dir, "tenant-state");
    const controller = new AbortController();
    const leased: bigint[] = [];
    const result = await withProviders(
      [
        [2, parseEther("0.0001"), honest],
        [3, parseEther("0.0002"), honest],
      ],
      async () => {
        await expect(
          deployJob({
            client: net.client(1),
            contracts: net.deployment.contracts,
            store,
            manifestPath,
            resultsDir: path.join(dir, "results"),
            pollIntervalMs: 50,
            stateDir,
            signal: controller.signal,
            onProgress: (e) => {
              if (e.step === "leased" && leased.push(e.orderId) === 2) controller.abort();
            },
          }),
        ).rejects.toThrow();
        return resumeJobs({
          client: net.client(1),
          market: net.deployment.contracts.market,
          store,
          stateDir,
          pollIntervalMs: 50,
        });
      },
    );
    expect(result).toHaveLength(1);
    const [job] = result;
    expect(job?.settled && job.outcome).toBe("completed");
    for (const id of leased) {
      expect((await net.client(1).getLease({ leaseId: id })).stateName).toBe("Completed");
    }
  }, 120_000);
});
