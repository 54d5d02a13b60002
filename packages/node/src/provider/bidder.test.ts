// Registration and the bid engine against a real anvil with the real contracts.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import {
  type BidderParameters,
  bidOnOrder,
  createOpenBids,
  decideBid,
  stakeAllowsBid,
} from "./bidder.js";
import type { ScalePricing } from "./pricing.js";
import { ensureRegistered } from "./registration.js";

let net: TestDeployment;
beforeAll(async () => {
  net = await startTestDeployment();
});
afterAll(async () => {
  await net?.stop();
});
withSnapshot(() => net.testClient, { beforeEach, afterEach });

const common = createCommon({ handleSignals: false, logLevel: "silent" });
const pricing: ScalePricing = {
  cpuPerCore: parseEther("0.0001"),
  memoryPerGiB: parseEther("0.0001"),
  gpuPerUnit: 0n,
  base: 0n,
  marginBps: 0,
  minPricePerSecond: 1n,
};

async function setupProvider(attributes: Record<string, string>): Promise<BidderParameters> {
  const client = net.client(4);
  await ensureRegistered(common, {
    client,
    contracts: net.deployment.contracts,
    hostUri: "http://127.0.0.1:9101",
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
    stake: parseEther("150"),
  });
  return {
    client,
    contracts: net.deployment.contracts,
    pricing,
    capacity: { cpuMillis: 2000, memoryBytes: 4n * 1024n ** 3n, gpus: 0, maxJobs: 2 },
    bidDeposit: parseEther("0.5"),
    runningJobs: () => 0,
  };
}

async function openOrder(placement: Record<string, string>, cpuMillis = 1000, jobTimeout = 600) {
  const tenant = net.client(1);
  await tenant.approveAndWait({
    spender: net.deployment.contracts.market,
    amount: parseEther("5"),
  });
  const { orderId } = await tenant.createOrderAndWait({
    manifestCid: "bafy-job",
    manifestHash: keccak256(toHex("job")),
    token: net.deployment.contracts.token,
    maxPricePerSecond: parseEther("0.001"),
    deposit: parseEther("5"),
    resources: { cpuMillis, memoryBytes: 1024n ** 3n },
    placement: { attributes: placement },
    jobTimeout,
  });
  return orderId;
}

describe("provider bid engine", () => {
  it("registers once, prices by resources and bids once", async () => {
    const params = await setupProvider({ region: "eu" });
    await setupProvider({ region: "eu" }); // idempotent on restart
    const orderId = await openOrder({ region: "eu" });
    // 1 core x 0.0001 + 1 GiB x 0.0001
    expect(await decideBid(params, orderId)).toEqual({
      bid: true,
      pricePerSecond: parseEther("0.0002"),
    });
    expect(await bidOnOrder(common, params, orderId)).toBe(0n);
    expect(await decideBid(params, orderId)).toEqual({ bid: false, reason: "already bid" });
  });

  it("skips orders it cannot serve, saying why", async () => {
    const params = await setupProvider({ region: "eu" });
    expect(await decideBid(params, await openOrder({ region: "us" }))).toEqual({
      bid: false,
      reason: "placement requirements not met",
    });
    expect(await decideBid(params, await openOrder({ region: "eu" }, 4000))).toEqual({
      bid: false,
      reason: "not enough CPU",
    });
    // A service lease (jobTimeout 0) needs a service host (ProviderConfig.services).
    expect(await decideBid(params, await openOrder({ region: "eu" }, 1000, 0))).toEqual({
      bid: false,
      reason: "service leases are not hosted here (no service host)",
    });
    expect(
      await decideBid(
        { ...params, servesServices: true },
        await openOrder({ region: "eu" }, 1000, 0),
      ),
    ).toMatchObject({ bid: true });
    const expensive = { ...params, pricing: { ...pricing, cpuPerCore: parseEther("1") } };
    expect(await decideBid(expensive, await openOrder({ region: "eu" }))).toEqual({
      bid: false,
      reason: "our price is above the order's max",
    });
  });
});

describe("bids and stake", () => {
  it("counts each lease's lock of the free stake", () => {
    const e = (n: string) => parseEther(n);
    const p = { minStake: e("100"), slashBps: 1_000n };
    // 150 -> 135 -> 121.5 -> 109.35 -> 98.415: three bids out leave room for a fourth, not a fifth.
    expect(stakeAllowsBid({ free: e("150"), ...p, others: 3 })).toBe(true);
    expect(stakeAllowsBid({ free: e("150"), ...p, others: 4 })).toBe(false);
    expect(stakeAllowsBid({ free: e("99"), ...p, others: 0 })).toBe(false);
    expect(stakeAllowsBid({ free: e("100"), ...p, others: 0 })).toBe(true);
  });

  it("bids no more than its unlocked stake can lease, and every bid it made can be accepted", async () => {
    // 150 staked, 100 minimum, each lease locks 10% of what is free (the devnet's parameters).
    const params = { ...(await setupProvider({ region: "eu" })), openBids: createOpenBids() };
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push(await openOrder({ region: "eu" }));
    const placed = [];
    for (const orderId of orders.slice(0, 4))
      placed.push(await bidOnOrder(common, params, orderId));
    expect(placed).toEqual([0n, 0n, 0n, 0n]);
    const refused = await decideBid(params, orders[4] as bigint);
    expect(refused).toMatchObject({ bid: false });
    expect((refused as { reason: string }).reason).toMatch(/4 bid\(s\) out now became leases/);
    expect(await bidOnOrder(common, params, orders[4] as bigint)).toBeNull();

    // The tenant accepts every bid out: none fails for want of unlocked stake.
    const tenant = net.client(1);
    for (const orderId of orders.slice(0, 4)) {
      await tenant.acceptBidAndWait({ orderId, bidIndex: 0n });
      params.openBids.close(orderId); // what the daemon does on LeaseCreated
    }
    // The four leases locked 150 - 98.415; what is free is below the minimum: still no bid.
    expect(await decideBid(params, orders[4] as bigint)).toEqual({
      bid: false,
      reason: "unlocked stake 98415000000000000000 wei is below the minimum 100000000000000000000",
    });
  });
});
