// The tenant's check on a real anvil with real provider daemons: a result that fails the check
// (its bytes do not hash to what the provider bound on chain, or its CID cannot be fetched) is
// disputed on chain and not paid, also when the tenant's process stops between the result and its
// check. The providers here run test-only job runners: a provider that lies is the point.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { computeMarketAbi } from "@noosphere/sdk";
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
  const token = () => net.deployment.contracts.token;
  const balanceOf = (account: number) =>
    tenant().getMarketBalance({ account: net.client(account).account.address, token: token() });
  const walletOf = () => tenant().getTokenBalance({ account: tenant().account.address });
  /** What the lease of a deployed job paid: its price for the whole job timeout (10 minutes). */
  const jobPrice = async (orderId: bigint) =>
    (await tenant().getLease({ leaseId: orderId })).pricePerSecond * 600n;

  it("a returning tenant pays from its market balance, and its refunds stay there for the next order", async () => {
    const t = tenant();
    const market = net.deployment.contracts.market;
    await t.fundAccountAndWait({ token: token(), amount: parseEther("2") });
    const wallet = await walletOf();
    const before = await t.getTransactionCount({ address: t.account.address });
    const first = await withProvider(4, honest, () => deploy());
    expect(first.outcome).toBe("completed");
    // createOrder (from the balance), acceptBid, acceptResult: no approval, no permit, and no
    // token moved to or from the wallet.
    expect(await t.getTransactionCount({ address: t.account.address })).toBe(before + 3);
    expect(await walletOf()).toBe(wallet);
    expect(await t.getAllowance({ owner: t.account.address, spender: market })).toBe(0n);
    // The escrow left (deposit 1 - the job's price) went back to the balance: it is reported.
    const firstPrice = await jobPrice(first.replicas[0]?.orderId as bigint);
    expect(firstPrice).toBeGreaterThan(0n);
    expect(first.balance).toBe(parseEther("2") - firstPrice);
    expect(await balanceOf(1)).toBe(first.balance);
    // The next order draws on it (1.94 covers the deposit of 1): still nothing from the wallet.
    const second = await withProvider(4, honest, () => deploy());
    expect(second.outcome).toBe("completed");
    expect(second.balance).toBe(
      first.balance - (await jobPrice(second.replicas[0]?.orderId as bigint)),
    );
    expect(await walletOf()).toBe(wallet);
  }, 90_000);

  it("pays a deposit the balance and allowance do not cover with a permit: no approve transaction", async () => {
    const t = tenant();
    const market = net.deployment.contracts.market;
    await t.withdrawBalanceAndWait({ token: token() }); // what the test before left, paid out
    expect(await balanceOf(1)).toBe(0n);
    const wallet = await walletOf();
    const before = await t.getTransactionCount({ address: t.account.address });
    const result = await withProvider(4, honest, () => deploy());
    expect(result.outcome).toBe("completed");
    // createOrderWithPermit, acceptBid, acceptResult.
    expect(await t.getTransactionCount({ address: t.account.address })).toBe(before + 3);
    expect(await t.getAllowance({ owner: t.account.address, spender: market })).toBe(0n);
    // The whole deposit came from the wallet; what the job did not cost waits in the balance.
    expect(await walletOf()).toBe(wallet - parseEther("1"));
    expect(result.balance).toBe(
      parseEther("1") - (await jobPrice(result.replicas[0]?.orderId as bigint)),
    );
  }, 60_000);

  it("cancels the order when its best bid cannot be leased (its provider's stake went to another lease): the escrow goes back to the balance", async () => {
    const contracts = net.deployment.contracts;
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    // Provider X (no daemon) holds exactly the minimum stake and bids lowest on the tenant's
    // order (1 wei/s: the daemon asks more, so it cannot outbid X); then X wins a lease
    // elsewhere, which needs its whole stake: X's best bid can no longer be leased.
    const x = net.client(2);
    await ensureRegistered(common, {
      client: x,
      contracts,
      hostUri: "http://127.0.0.1:9",
      // tier x: the side order below asks for it, so the daemon does not bid there.
      attributes: [
        { key: "region", value: "eu" },
        { key: "tier", value: "x" },
      ],
      stake: parseEther("100"),
    });
    const side = net.client(3);
    let sideWork: Promise<void> | undefined;
    const bidders = new Set<string>();
    // The tenant waits out a 20 s bid window: X's bid and its other lease (a few transactions)
    // land well before the window ends.
    const slowPick = path.join(dir, "job-20s.yaml");
    await writeFile(
      slowPick,
      (await readFile(manifestPath, "utf8")).replace("bidWindow: 10s", "bidWindow: 20s"),
    );
    const balance = await balanceOf(1);
    let orderId = 0n;
    const failed = await withProvider(4, honest, () =>
      deploy({
        manifestPath: slowPick,
        acceptFirstBid: false,
        onProgress: (e) => {
          if (e.step === "bid") bidders.add(e.provider.toLowerCase());
          if (e.step !== "ordered") return;
          orderId = e.orderId;
          sideWork = (async () => {
            await x.createBidAndWait({ orderId: e.orderId, pricePerSecond: 1n });
            const { orderId: sideOrder } = await side.createOrderAndWait({
              manifestCid: "bafy-side-job",
              manifestHash: keccak256(toHex("side job")),
              token: contracts.token,
              maxPricePerSecond: parseEther("0.001"),
              deposit: parseEther("5"),
              placement: { attributes: { tier: "x" } },
              jobTimeout: 600,
            });
            await x.createBidAndWait({ orderId: sideOrder, pricePerSecond: 1n });
            await side.acceptBidAndWait({ orderId: sideOrder });
          })();
        },
      }),
    ).then(
      () => undefined,
      (err: unknown) => err as { name: string; shortMessage: string },
    );
    await sideWork;
    expect(bidders.has(x.account.address.toLowerCase())).toBe(true);
    expect(failed?.name).toBe("BidsRefusedError");
    expect(failed?.shortMessage).toMatch(/credited back to your market balance/);
    expect((await tenant().getOrder({ orderId })).stateName).toBe("Closed");
    expect(await balanceOf(1)).toBe(balance + parseEther("1"));
  }, 60_000);
});

describe("a chosen provider", () => {
  it("leases to it as soon as it holds the best bid; when another does at the window's end, cancels the order", async () => {
    const me = net.client(4).account.address;
    const chosen = await withProvider(4, honest, () => deploy({ provider: me }));
    expect(chosen.outcome).toBe("completed");
    expect(chosen.replicas[0]?.provider).toBe(me);
    // Provider 9 never bids: the daemon's best bid is not the chosen one's.
    const balance = await tenant().getMarketBalance({
      account: tenant().account.address,
      token: net.deployment.contracts.token,
    });
    let orderId = 0n;
    const failed = await withProvider(4, honest, () =>
      deploy({
        provider: net.client(9).account.address,
        onProgress: (e) => {
          if (e.step === "ordered") orderId = e.orderId;
        },
      }),
    ).then(
      () => undefined,
      (err: unknown) => err as { name: string },
    );
    expect(failed?.name).toBe("ProviderNotChosenError");
    expect((await tenant().getOrder({ orderId })).stateName).toBe("Closed");
    // The deposit came from the market balance (it covered it) and went back there.
    const [canceled] = await tenant().getContractEvents({
      address: net.deployment.contracts.market,
      abi: computeMarketAbi,
      eventName: "OrderCanceled",
      args: { orderId },
      fromBlock: 0n,
    });
    expect(canceled?.args.refund).toBe(parseEther("1"));
    expect(
      await tenant().getMarketBalance({
        account: tenant().account.address,
        token: net.deployment.contracts.token,
      }),
    ).toBe(balance);
  }, 60_000);
});

describe("tenant check (finding 1: a wrong result gets paid)", () => {
  /** A provider's market balance: where its pay would be credited (none withdrawn here). */
  const providerBalance = (account: number) =>
    tenant().getMarketBalance({
      account: net.client(account).account.address,
      token: net.deployment.contracts.token,
    });

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
    expect(await providerBalance(6)).toBe(0n);
  }, 60_000);

  it("test_finding1_unfetchableResultIsDisputedNotPaid", async () => {
    const started = Date.now();
    const result = await withProvider(7, unfetchable, () => deploy({ fetchTimeoutMs: 1500 }));
    expect(result.outcome).toBe("disputed");
    expect(result.replicas[0]?.state).toBe("Disputed");
    expect(result.replicas[0]?.check?.reason).toBe("unfetchable");
    // The fetch was retried for the whole allowance before the dispute.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await providerBalance(7)).toBe(0n);
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
    expect(await providerBalance(8)).toBe(0n);
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
