// The provider daemon on a real anvil: it bids, wins, runs the job, submits a signed result,
// serves /status, withdraws its pay from its market balance, survives a restart without bidding
// twice, and gives up a job it cannot run so that the tenant is refunded (to its market balance). The job runner here is a small test double (the real one,
// with ONNX and the content store, has its own end-to-end tests).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { computeMarketAbi } from "@noosphere/sdk";
import { type Hex, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Common, createCommon } from "../common.js";
import { createProvider, type JobRunner, type ProviderConfig } from "./provider.js";
import { ensureRegistered } from "./registration.js";

let net: TestDeployment;
let stateDir: string;
beforeAll(async () => {
  net = await startTestDeployment();
  stateDir = await mkdtemp(path.join(tmpdir(), "noos-provider-"));
});
afterAll(async () => {
  await net?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const echoRunner: JobRunner = async ({ manifestCid }) => ({
  resultCid: `result-of-${manifestCid}`,
  resultHash: keccak256(toHex(`result-of-${manifestCid}`)),
});

function config(runJob: JobRunner): ProviderConfig {
  return {
    client: net.client(5),
    contracts: net.deployment.contracts,
    startBlock: BigInt(net.deployment.startBlock),
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
    stateDir,
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 200,
    pollIntervalMs: 50,
    runJob,
  };
}

/** A batch order of tenant account 1 (its market balance first, then a permit: no approve). */
async function openBatchOrder(tag: string) {
  const tenant = net.client(1);
  const { orderId } = await tenant.createOrderAndWait({
    manifestCid: tag,
    manifestHash: keccak256(toHex(tag)),
    token: net.deployment.contracts.token,
    maxPricePerSecond: parseEther("0.001"),
    deposit: parseEther("5"),
    resources: { cpuMillis: 1000 },
    placement: { attributes: { region: "eu" } },
    bidWindow: 10,
    jobTimeout: 600,
  });
  return orderId;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function leaseOnceBid(orderId: bigint) {
  const tenant = net.client(1);
  await until("the provider's bid", async () =>
    (await tenant.getOrder({ orderId })).bestBidder !== zeroAddress ? true : undefined,
  );
  await tenant.acceptBidAndWait({ orderId });
}

/** The provider's bids on `orderId` (BidCreated events). */
async function bidsOn(orderId: bigint) {
  return net.client(1).getContractEvents({
    address: net.deployment.contracts.market,
    abi: computeMarketAbi,
    eventName: "BidCreated",
    args: { orderId },
    fromBlock: 0n,
  });
}

/** What tenant account 1 holds: its wallet plus its market balance. */
async function tenantHoldings() {
  const tenant = net.client(1);
  const [wallet, balance] = await Promise.all([
    tenant.getTokenBalance({ account: tenant.account.address }),
    tenant.getMarketBalance({
      account: tenant.account.address,
      token: net.deployment.contracts.token,
    }),
  ]);
  return wallet + balance;
}

describe("provider daemon", () => {
  it("bids, runs the leased job, submits a signed result and reports on /status", async () => {
    const common: Common = createCommon({ handleSignals: false, logLevel: "silent" });
    const provider = await createProvider(common, config(echoRunner));
    const tenant = net.client(1);
    const orderId = await openBatchOrder("job-a");
    await leaseOnceBid(orderId);
    const lease = await until("the result", async () => {
      const l = await tenant.getLease({ leaseId: orderId });
      return l.stateName === "ResultSubmitted" ? l : undefined;
    });
    expect(lease.resultCid).toBe("result-of-job-a");
    await tenant.acceptResultAndWait({ leaseId: orderId });

    // The provider records "submitted" once its transaction's receipt is back, which can be after
    // the chain already shows the result.
    const status = await until("the provider's record of its submission", async () => {
      const s = (await (await fetch(provider.statusUrl)).json()) as {
        jobs: Record<string, { state: string }>;
        version: string;
      };
      return s.jobs[orderId.toString()]?.state === "submitted" ? s : undefined;
    });
    expect(status.version).toBe("0.1.0");
    // The pay is credited to the provider's market balance, which it withdraws periodically.
    const provider5 = net.client(5).account.address;
    const withdrawn = await until("the withdrawal", async () => {
      const events = await tenant.getContractEvents({
        address: net.deployment.contracts.market,
        abi: computeMarketAbi,
        eventName: "Withdrawn",
        args: { account: provider5 },
        fromBlock: 0n,
      });
      return events.length ? events : undefined;
    });
    expect(withdrawn[0]?.args.amount).toBeGreaterThan(0n);
    expect(
      await tenant.getMarketBalance({ account: provider5, token: net.deployment.contracts.token }),
    ).toBe(0n);
    common.shutdown();
    await provider.done;

    // A restart replays nothing twice: the same order gets no second bid.
    const again = createCommon({ handleSignals: false, logLevel: "silent" });
    const restarted = await createProvider(again, config(echoRunner));
    await new Promise((r) => setTimeout(r, 500));
    expect(await bidsOn(orderId)).toHaveLength(1);
    again.shutdown();
    await restarted.done;
  });

  it("gives up a job it cannot run, so the tenant gets the whole escrow back", async () => {
    // Back to the tenant's market balance (the next order draws on it); the provider pays with
    // elapsed / jobTimeout of its slashable stake instead.
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    const failing: JobRunner = async () => {
      throw new Error("model could not be loaded");
    };
    const provider = await createProvider(common, config(failing));
    const tenant = net.client(1);
    const before = await tenantHoldings();
    const orderId = await openBatchOrder("job-b");
    await leaseOnceBid(orderId);
    await until("the lease to close", async () => {
      const l = await tenant.getLease({ leaseId: orderId });
      return l.stateName === "Closed" ? l : undefined;
    });
    const [closed] = await tenant.getContractEvents({
      address: net.deployment.contracts.market,
      abi: computeMarketAbi,
      eventName: "LeaseClosed",
      args: { leaseId: orderId },
      fromBlock: 0n,
    });
    expect(closed?.args.refund).toBe(parseEther("5"));
    expect(await tenantHoldings()).toBe(before);
    common.shutdown();
    await provider.done;
  });
});

describe("provider daemon, the running best bid", () => {
  it("a bid outbid by a cheaper one no longer holds stake: the daemon bids on the next order", async () => {
    // 150 staked, 100 per lease: one bid out at a time. Outbid on the first order (BidCreated
    // names it as `outbid`), the daemon counts that bid as gone and bids on the second.
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    const provider = await createProvider(common, config(echoRunner));
    const tenant = net.client(1);
    const me = net.client(5).account.address;
    const bestOf = async (orderId: bigint) => (await tenant.getOrder({ orderId })).bestBidder;
    const first = await openBatchOrder("job-c");
    await until("the daemon's bid", async () => ((await bestOf(first)) === me ? true : undefined));
    const cheaper = net.client(6);
    await ensureRegistered(common, {
      client: cheaper,
      contracts: net.deployment.contracts,
      hostUri: "http://127.0.0.1:9",
      attributes: [{ key: "region", value: "eu" }],
      stake: parseEther("150"),
    });
    await cheaper.createBidAndWait({ orderId: first, pricePerSecond: 1n });
    const second = await openBatchOrder("job-d");
    await until("the daemon's bid on the next order", async () =>
      (await bestOf(second)) === me ? true : undefined,
    );
    expect(await bestOf(first)).toBe(cheaper.account.address);
    common.shutdown();
    await provider.done;
    for (const orderId of [first, second]) await tenant.cancelOrderAndWait({ orderId });
  });
});

describe("provider daemon, replica groups (finding 2: copied replicas)", () => {
  it("test_finding2_groupedLeaseCommitsThenRevealsAfterRestart", async () => {
    const tenant = net.client(1);
    // A replica group has no permit form: the tenant funds its market account first.
    await tenant.fundAccountAndWait({
      token: net.deployment.contracts.token,
      amount: parseEther("10"),
    });
    const tag = "job-group";
    const { groupId } = await tenant.createOrderGroupAndWait({
      manifestCid: tag,
      manifestHash: keccak256(toHex(tag)),
      token: net.deployment.contracts.token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: parseEther("5"),
      resources: { cpuMillis: 1000 },
      placement: { attributes: { region: "eu" } },
      bidWindow: 10,
      jobTimeout: 600,
      replicas: 2,
    });
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    const provider = await createProvider(common, config(echoRunner));
    // The provider bids on one order of the group (which one depends on its address).
    const leaseId = await until("the provider's bid in the group", async () => {
      for (const orderId of [groupId, groupId + 1n]) {
        if ((await tenant.getOrder({ orderId })).bestBidder !== zeroAddress) return orderId;
      }
      return undefined;
    });
    const other = leaseId === groupId ? groupId + 1n : groupId;
    await tenant.acceptBidAndWait({ orderId: leaseId });
    // Bound, not revealed: the other replica has neither committed nor ended.
    const committed = await until(
      "the commitment",
      async () => {
        const l = await tenant.getLease({ leaseId });
        return l.stateName === "Committed" ? l : undefined;
      },
      60_000, // a loaded CI machine (other test files' anvils and provers) took over 20 s
    );
    expect(committed.resultCid).toBe("");
    // The salt is on disk before the provider stops; the commitment is the contract's own.
    // (The provider records "committed" right after its transaction: wait for its own record.)
    const job = await until("the provider's record of its commitment", async () => {
      const file = JSON.parse(await readFile(path.join(stateDir, "provider.json"), "utf8")) as {
        state: { jobs: Record<string, { state: string; salt: Hex }> };
      };
      const saved = file.state.jobs[leaseId.toString()];
      return saved?.state === "committed" ? saved : undefined;
    });
    const provider5 = net.client(5).account.address;
    expect(
      await tenant.readContract({
        address: net.deployment.contracts.market,
        abi: computeMarketAbi,
        functionName: "resultCommitment",
        args: [
          leaseId,
          keccak256(toHex(`result-of-${tag}`)),
          `result-of-${tag}`,
          job?.salt as Hex,
          provider5,
        ],
      }),
    ).toBe(committed.commitment);
    common.shutdown();
    await provider.done;

    // The second replica gets no lease (the tenant cancels it): the group's reveal phase opens
    // while the provider is down. Restarted, it reveals from its saved salt.
    await tenant.cancelOrderAndWait({ orderId: other });
    const again = createCommon({ handleSignals: false, logLevel: "silent" });
    const restarted = await createProvider(again, config(echoRunner));
    const lease = await until("the reveal", async () => {
      const l = await tenant.getLease({ leaseId });
      return l.stateName === "ResultSubmitted" ? l : undefined;
    });
    expect(lease.resultCid).toBe(`result-of-${tag}`);
    expect(lease.resultHash).toBe(keccak256(toHex(`result-of-${tag}`)));
    again.shutdown();
    await restarted.done;
  });
});
