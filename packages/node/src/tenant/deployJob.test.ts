// The tenant's check on a real anvil with real provider daemons: a result that fails the check
// (its bytes do not hash to what the provider bound on chain, or its CID cannot be fetched) is
// disputed on chain and not paid, also when the tenant's process stops between the result and its
// check. The providers here run test-only job runners: a provider that lies is the point.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { type ContentStore, createStore } from "@noosphere/storage";
import { type Hex, keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { createProvider, type JobRunner } from "../provider/provider.js";
import { ensureRegistered } from "../provider/registration.js";
import { deployJob } from "./deployJob.js";
import { resumeJobs } from "./resumeJobs.js";

let net: TestDeployment;
let dir: string;
let store: ContentStore;
let manifestPath: string;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-tenant-"));
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
verification: { mode: receipt }
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
const resultBytes = (n: number) => new TextEncoder().encode(JSON.stringify({ output_data: [[n]] }));

/** Stores a real result and binds its true hash. */
const honest: JobRunner = async () => {
  const bytes = resultBytes(1);
  const { cid } = await store.add(bytes);
  return { resultCid: cid, resultHash: sha256(bytes) };
};
/** Stores one result and binds the hash of another. */
const wrongHash: JobRunner = async () => {
  const { cid } = await store.add(resultBytes(1));
  return { resultCid: cid, resultHash: sha256(resultBytes(2)) };
};
/** Binds a CID nobody can fetch (its bytes were only ever in a private store). */
const unfetchable: JobRunner = async () => {
  const hidden = createStore({ kind: "local", dir: path.join(dir, "private") });
  const bytes = resultBytes(3);
  const { cid } = await hidden.add(bytes);
  return { resultCid: cid, resultHash: sha256(bytes) };
};

/** Runs a provider daemon (dev account `index`) with `runJob` for the length of `body`. */
async function withProvider<T>(index: number, runJob: JobRunner, body: () => Promise<T>) {
  const common = createCommon({ handleSignals: false, logLevel: "silent" });
  const provider = await createProvider(common, {
    client: net.client(index),
    contracts: net.deployment.contracts,
    startBlock: await net.client(index).getBlockNumber(),
    hostUri: "http://127.0.0.1:0",
    attributes: [{ key: "region", value: "eu" }],
    stake: parseEther("150"),
    pricing: {
      cpuPerCore: parseEther("0.0001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 2 },
    bidDeposit: parseEther("0.5"),
    stateDir: path.join(dir, `provider-${index}`),
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 60_000,
    pollIntervalMs: 50,
    runJob,
  });
  try {
    return await body();
  } finally {
    common.shutdown();
    await provider.done;
  }
}

const tenant = () => net.client(1);
const deploy = (extra: Partial<Parameters<typeof deployJob>[0]> = {}) =>
  deployJob({
    client: tenant(),
    contracts: net.deployment.contracts,
    store,
    manifestPath,
    resultsDir: path.join(dir, "results"),
    acceptFirstBid: true,
    pollIntervalMs: 50,
    fetchRetryMs: 200,
    ...extra,
  });

// First in the file: these wait out a bid window by the local clock, which the later tests' time
// jumps would put hours behind the chain's.
describe("tenant transactions", () => {
  it("sends no approval per order while the market may take the deposit", async () => {
    const t = tenant();
    const market = net.deployment.contracts.market;
    await t.approveAndWait({ spender: market, amount: parseEther("10") });
    const before = await t.getTransactionCount({ address: t.account.address });
    const result = await withProvider(4, honest, () => deploy());
    expect(result.outcome).toBe("completed");
    // createOrder, acceptBid, acceptResult: no approval.
    expect(await t.getTransactionCount({ address: t.account.address })).toBe(before + 3);
    expect(await t.getAllowance({ owner: t.account.address, spender: market })).toBe(
      parseEther("9"),
    );
  }, 60_000);

  it("pays a deposit the allowance does not cover with a permit: no approve transaction", async () => {
    const t = tenant();
    const market = net.deployment.contracts.market;
    await t.approveAndWait({ spender: market, amount: 0n }); // what the test before left, taken back
    const before = await t.getTransactionCount({ address: t.account.address });
    const result = await withProvider(4, honest, () => deploy());
    expect(result.outcome).toBe("completed");
    // createOrderWithPermit, acceptBid, acceptResult.
    expect(await t.getTransactionCount({ address: t.account.address })).toBe(before + 3);
    expect(await t.getAllowance({ owner: t.account.address, spender: market })).toBe(0n);
  }, 60_000);

  it("passes over a bid whose provider can no longer lease, for the next best one", async () => {
    const contracts = net.deployment.contracts;
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    // Provider X (no daemon) holds exactly the minimum stake and bids lowest on the tenant's order;
    // then it wins a lease elsewhere, which locks part of its stake: it cannot lease again.
    const x = net.client(2);
    await ensureRegistered(common, {
      client: x,
      contracts,
      hostUri: "http://127.0.0.1:9",
      attributes: [{ key: "region", value: "eu" }],
      stake: parseEther("100"),
    });
    await x.approveAndWait({ spender: contracts.market, amount: parseEther("5") });
    const side = net.client(3);
    let sideWork: Promise<void> | undefined;
    const bidders = new Set<string>();
    // The tenant waits out a 20 s bid window: X's bid and lock (a few transactions) land well
    // before it picks, and the daemon's bid too.
    const slowPick = path.join(dir, "job-20s.yaml");
    await writeFile(
      slowPick,
      (await readFile(manifestPath, "utf8")).replace("bidWindow: 10s", "bidWindow: 20s"),
    );
    const result = await withProvider(4, honest, () =>
      deploy({
        manifestPath: slowPick,
        acceptFirstBid: false,
        onProgress: (e) => {
          if (e.step === "bid") bidders.add(e.provider.toLowerCase());
          if (e.step !== "ordered") return;
          sideWork = (async () => {
            await x.createBidAndWait({
              orderId: e.orderId,
              pricePerSecond: 1n,
              deposit: parseEther("0.5"),
            });
            await side.approveAndWait({ spender: contracts.market, amount: parseEther("5") });
            const { orderId } = await side.createOrderAndWait({
              manifestCid: "bafy-side-job",
              manifestHash: keccak256(toHex("side job")),
              token: contracts.token,
              maxPricePerSecond: parseEther("0.001"),
              deposit: parseEther("5"),
              jobTimeout: 600,
            });
            const { event } = await x.createBidAndWait({
              orderId,
              pricePerSecond: 1n,
              deposit: parseEther("0.5"),
            });
            await side.acceptBidAndWait({ orderId, bidIndex: event.bidIndex });
          })();
        },
      }),
    );
    await sideWork;
    expect(bidders.has(x.account.address.toLowerCase())).toBe(true);
    // X's bid was the lowest, but its acceptance failed (unlocked stake below the minimum): the
    // tenant took the daemon's bid instead of failing the job.
    expect(result.outcome).toBe("completed");
    expect(result.replicas[0]?.provider.toLowerCase()).toBe(
      net.client(4).account.address.toLowerCase(),
    );
  }, 60_000);
});

describe("tenant check (finding 1: a wrong result gets paid)", () => {
  it("test_finding1_rightResultIsAccepted", async () => {
    const result = await withProvider(5, honest, () => deploy());
    expect(result.outcome).toBe("completed");
    expect(result.replicas[0]?.state).toBe("Completed");
    expect(JSON.parse(await readFile(result.files.output ?? "", "utf8"))).toEqual({
      output_data: [[1]],
    });
  }, 60_000);

  it("test_finding1_hashMismatchIsDisputedNotPaid", async () => {
    const result = await withProvider(6, wrongHash, () => deploy());
    expect(result.outcome).toBe("disputed");
    const [replica] = result.replicas;
    expect(replica?.state).toBe("Disputed");
    expect(replica?.check?.reason).toBe("hash-mismatch");
    expect(result.reason).toMatch(/hashes to 0x[0-9a-f]{64}, not to the hash bound on chain/);
    const lease = await tenant().getLease({ leaseId: replica?.orderId ?? 0n });
    expect(lease.paid).toBe(0n);
  }, 60_000);

  it("test_finding1_unfetchableResultIsDisputedNotPaid", async () => {
    const started = Date.now();
    const result = await withProvider(7, unfetchable, () => deploy({ fetchTimeoutMs: 1500 }));
    expect(result.outcome).toBe("disputed");
    expect(result.replicas[0]?.state).toBe("Disputed");
    expect(result.replicas[0]?.check?.reason).toBe("unfetchable");
    // The fetch was retried for the whole allowance before the dispute.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect((await tenant().getLease({ leaseId: result.replicas[0]?.orderId ?? 0n })).paid).toBe(0n);
  }, 60_000);

  it("test_finding1_restartedTenantStillDisputes", async () => {
    const stateDir = path.join(dir, "tenant-state");
    // The tenant's process "dies" right after seeing the result, before checking it.
    const controller = new AbortController();
    let orderId = 0n;
    await withProvider(8, wrongHash, async () => {
      await expect(
        deploy({
          stateDir,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.step === "result") {
              orderId = e.orderId;
              controller.abort();
            }
          },
        }),
      ).rejects.toThrow();
    });
    expect((await tenant().getLease({ leaseId: orderId })).stateName).toBe("ResultSubmitted");

    // A new process, with nothing but the records on disk, finishes the check.
    const [resumed] = await resumeJobs({
      client: tenant(),
      market: net.deployment.contracts.market,
      store,
      stateDir,
      fetchRetryMs: 200,
    });
    expect(resumed?.settled).toBe(true);
    expect(resumed?.settled && resumed.outcome).toBe("disputed");
    expect((await tenant().getLease({ leaseId: orderId })).stateName).toBe("Disputed");
    // Past the dispute window, the provider cannot accept its own result any more.
    await net.testClient.increaseTime({ seconds: 2 * 3600 });
    await net.testClient.mine({ blocks: 1 });
    await expect(net.client(8).acceptResultAndWait({ leaseId: orderId })).rejects.toThrow(
      /MarketNoResult/,
    );
    expect((await tenant().getLease({ leaseId: orderId })).paid).toBe(0n);
    // Nothing is left pending: a second resume has nothing to do.
    expect(
      await resumeJobs({
        client: tenant(),
        market: net.deployment.contracts.market,
        store,
        stateDir,
      }),
    ).toEqual([]);
  }, 90_000);

  it("test_finding1_tenantBackAfterTheWindowIsToldItCanNoLongerDispute", async () => {
    // The honest limit of a tenant-side check: a tenant away for longer than the dispute window
    // cannot dispute any more. It is told so plainly, instead of "disputed" or "completed".
    const stateDir = path.join(dir, "tenant-late");
    const controller = new AbortController();
    let orderId = 0n;
    await withProvider(9, wrongHash, async () => {
      await expect(
        deploy({
          stateDir,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.step === "result") {
              orderId = e.orderId;
              controller.abort();
            }
          },
        }),
      ).rejects.toThrow();
    });
    await net.testClient.increaseTime({ seconds: 2 * 3600 });
    await net.testClient.mine({ blocks: 1 });
    const [resumed] = await resumeJobs({
      client: tenant(),
      market: net.deployment.contracts.market,
      store,
      stateDir,
      fetchRetryMs: 200,
    });
    expect(resumed?.settled && resumed.outcome).toBe("missed");
    expect(resumed?.settled && resumed.reason).toMatch(/dispute window closed/);
    expect((await tenant().getLease({ leaseId: orderId })).stateName).toBe("ResultSubmitted");
  }, 90_000);
});
