// Registration and the bid engine against a real anvil with the real contracts.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { erc20Abi, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import {
  AT_CAPACITY,
  type BidDecision,
  type BidderParameters,
  bidOnOrder,
  createOpenBids,
  decideBid,
  freeStake,
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
/** 1 core x 0.0001 + 1 GiB x 0.0001: what `pricing` asks for the orders below. */
const OUR_PRICE = parseEther("0.0002");
const MAX_PRICE = parseEther("0.001");

async function setupProvider(
  attributes: Record<string, string>,
  account = 4,
  stake = parseEther("150"),
): Promise<BidderParameters> {
  const client = net.client(account);
  await ensureRegistered(common, {
    client,
    contracts: net.deployment.contracts,
    hostUri: `http://127.0.0.1:91${account}`,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
    stake,
  });
  return {
    client,
    contracts: net.deployment.contracts,
    pricing,
    capacity: { cpuMillis: 2000, memoryBytes: 4n * 1024n ** 3n, gpus: 0, maxJobs: 2 },
    runningJobs: () => 0,
  };
}

const order = (placement: Record<string, string>, cpuMillis = 1000, jobTimeout = 600) => ({
  manifestCid: "bafy-job",
  manifestHash: keccak256(toHex("job")),
  token: net.deployment.contracts.token,
  maxPricePerSecond: MAX_PRICE,
  deposit: parseEther("5"),
  resources: { cpuMillis, memoryBytes: 1024n ** 3n },
  placement: { attributes: placement },
  jobTimeout,
});

/** An order from tenant account 1 (its deposit by permit or from its market balance). */
async function openOrder(placement: Record<string, string>, cpuMillis = 1000, jobTimeout = 600) {
  const { orderId } = await net
    .client(1)
    .createOrderAndWait(order(placement, cpuMillis, jobTimeout));
  return orderId;
}

const tokenOf = (account: number, functionName: "balanceOf" | "allowance") =>
  net.client(account).readContract({
    address: net.deployment.contracts.token,
    abi: erc20Abi,
    functionName,
    args:
      functionName === "balanceOf"
        ? [net.client(account).account.address]
        : [net.client(account).account.address, net.deployment.contracts.market],
  } as never) as Promise<bigint>;

describe("provider bid engine", () => {
  it("registers once, prices by resources and bids once, with no deposit and no approval", async () => {
    const params = await setupProvider({ region: "eu" });
    await setupProvider({ region: "eu" }); // idempotent on restart
    const orderId = await openOrder({ region: "eu" });
    expect(await decideBid(params, orderId)).toEqual({ bid: true, pricePerSecond: OUR_PRICE });
    const tokens = await tokenOf(4, "balanceOf");
    const event = await bidOnOrder(common, params, orderId);
    expect(event).toEqual({
      orderId,
      provider: params.client.account.address,
      pricePerSecond: OUR_PRICE,
      outbid: zeroAddress,
    });
    // No deposit left the wallet and the market was not approved for anything.
    expect(await tokenOf(4, "balanceOf")).toBe(tokens);
    expect(await tokenOf(4, "allowance")).toBe(0n);
    const o = await params.client.getOrder({ orderId });
    expect([o.bestBidder, o.bestPricePerSecond]).toEqual([
      params.client.account.address,
      OUR_PRICE,
    ]);
    expect(await decideBid(params, orderId)).toEqual({
      bid: false,
      reason: "already the best bid",
    });
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

  it("uses the OrderCreated event it is given: same decision, and the placement is still checked", async () => {
    const params = await setupProvider({ region: "eu" });
    const tenant = net.client(1);
    const eu = await tenant.createOrderAndWait(order({ region: "eu" }));
    const us = await tenant.createOrderAndWait(order({ region: "us" }));
    expect(await decideBid(params, eu.orderId, false, eu.event)).toEqual({
      bid: true,
      pricePerSecond: OUR_PRICE,
    });
    expect(await decideBid(params, us.orderId, false, us.event)).toEqual({
      bid: false,
      reason: "placement requirements not met",
    });
    expect(await bidOnOrder(common, params, eu.orderId, eu.event)).toMatchObject({
      orderId: eu.orderId,
    });
  });
});

describe("the running best bid", () => {
  it("bids only below the order's best bid, and outbids a dearer one", async () => {
    const params = await setupProvider({ region: "eu" });
    const other = net.client(5);
    await setupProvider({ region: "eu" }, 5);
    // A cheaper bid is there: ours would not be lower, so none is sent.
    const cheaper = await openOrder({ region: "eu" });
    await other.createBidAndWait({ orderId: cheaper, pricePerSecond: OUR_PRICE - 1n });
    expect(await decideBid(params, cheaper)).toEqual({
      bid: false,
      reason: `a bid at or below our price is there (best ${OUR_PRICE - 1n}, ours ${OUR_PRICE} wei/s)`,
    });
    expect(await bidOnOrder(common, params, cheaper)).toBeNull();
    // The same price is not lower either (ties go to the first bid).
    const same = await openOrder({ region: "eu" });
    await other.createBidAndWait({ orderId: same, pricePerSecond: OUR_PRICE });
    expect(await decideBid(params, same)).toMatchObject({ bid: false });
    // A dearer bid is replaced by ours.
    const dearer = await openOrder({ region: "eu" });
    await other.createBidAndWait({ orderId: dearer, pricePerSecond: OUR_PRICE + 1n });
    expect(await bidOnOrder(common, params, dearer)).toMatchObject({
      pricePerSecond: OUR_PRICE,
      outbid: other.account.address,
    });
    expect((await other.getOrder({ orderId: dearer })).bestBidder).toBe(
      params.client.account.address,
    );
  });

  it("skips an order when a cheaper bid lands between its decision and its bid (MarketBidNotLower)", async () => {
    const other = net.client(5);
    await setupProvider({ region: "eu" }, 5);
    const decisions: BidDecision[] = [];
    const params: BidderParameters = {
      ...(await setupProvider({ region: "eu" })),
      openBids: createOpenBids(),
      onDecision: (_, d) => decisions.push(d),
      // The other provider's cheaper bid lands right before ours is sent.
      send: async (transaction) => {
        await other.createBidAndWait({ orderId, pricePerSecond: OUR_PRICE - 1n });
        return transaction();
      },
    };
    const orderId = await openOrder({ region: "eu" });
    expect(await bidOnOrder(common, params, orderId)).toBeNull();
    expect(decisions).toEqual([
      { bid: true, pricePerSecond: OUR_PRICE },
      { bid: false, reason: "a lower bid came first" },
    ]);
    expect((await other.getOrder({ orderId })).bestBidder).toBe(other.account.address);
    // The lost bid does not count against the stake.
    expect(params.openBids?.count(0n)).toBe(0);
  });
});

describe("bids and job slots", () => {
  it("keeps a job slot for each bid out: no more bids than it can run at once", async () => {
    const base = await setupProvider({ region: "eu" }, 4, parseEther("1000"));
    const params = {
      ...base,
      capacity: { ...base.capacity, maxJobs: 2 },
      openBids: createOpenBids(),
    };
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await openOrder({ region: "eu" }));
    expect(await bidOnOrder(common, params, orders[0] as bigint)).toMatchObject({
      orderId: orders[0],
    });
    expect(await bidOnOrder(common, params, orders[1] as bigint)).toMatchObject({
      orderId: orders[1],
    });
    expect(params.openBids.pending()).toBe(2);
    expect(await decideBid(params, orders[2] as bigint)).toEqual({
      bid: false,
      reason: AT_CAPACITY,
    });
    // One of them goes elsewhere (outbid, leased to another, canceled): its slot is free again.
    params.openBids.close(orders[0] as bigint);
    expect(await decideBid(params, orders[2] as bigint)).toEqual({
      bid: true,
      pricePerSecond: OUR_PRICE,
    });
  });
});

describe("bids and stake", () => {
  it("needs the minimum stake free for each bid out and the new one", () => {
    const e = (n: string) => parseEther(n);
    const minStake = e("100");
    expect(stakeAllowsBid({ free: e("300"), minStake, others: 2 })).toBe(true);
    expect(stakeAllowsBid({ free: e("300"), minStake, others: 3 })).toBe(false);
    expect(stakeAllowsBid({ free: e("99"), minStake, others: 0 })).toBe(false);
    expect(stakeAllowsBid({ free: e("100"), minStake, others: 0 })).toBe(true);
    // What the market holds locked beyond its open leases' needs counts as free (a returning
    // provider's earlier lock); stake locked by others does not.
    const stake = { staked: e("250"), minStake, openLeases: 1n };
    expect(freeStake({ ...stake, lockedInStaking: e("200"), marketLocked: e("200") })).toBe(
      e("150"),
    );
    expect(freeStake({ ...stake, lockedInStaking: e("100"), marketLocked: e("100") })).toBe(
      e("150"),
    );
    expect(freeStake({ ...stake, lockedInStaking: e("300"), marketLocked: e("100") })).toBe(0n);
    // Slashed to 90 with the market's record at 100: Staking's lock is clamped to 90, and so is
    // what counts as free (below the minimum of 100).
    expect(
      freeStake({
        staked: e("90"),
        lockedInStaking: e("90"),
        marketLocked: e("100"),
        openLeases: 0n,
        minStake,
      }),
    ).toBe(e("90"));
  });

  it("bids no more than its free stake can lease, and every bid it made can be accepted", async () => {
    // 250 staked, 100 minimum per open lease (the devnet's parameters): two bids out at most.
    const base = await setupProvider({ region: "eu" }, 4, parseEther("250"));
    const params = {
      ...base,
      capacity: { ...base.capacity, maxJobs: 4 }, // slots enough: the stake is what limits here
      openBids: createOpenBids(),
    };
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await openOrder({ region: "eu" }));
    const placed = [];
    for (const orderId of orders.slice(0, 2))
      placed.push((await bidOnOrder(common, params, orderId))?.orderId);
    expect(placed).toEqual(orders.slice(0, 2));
    const refused = await decideBid(params, orders[2] as bigint);
    expect(refused).toMatchObject({ bid: false });
    expect((refused as { reason: string }).reason).toMatch(
      /for each of the 2 bid\(s\) out now and this one/,
    );
    expect(await bidOnOrder(common, params, orders[2] as bigint)).toBeNull();

    // The tenant accepts every bid out: none fails for want of free stake.
    const tenant = net.client(1);
    for (const orderId of orders.slice(0, 2)) {
      await tenant.acceptBidAndWait({ orderId });
      params.openBids.close(orderId); // what the daemon does on LeaseCreated
    }
    expect(
      await params.client.getProviderStake({ provider: params.client.account.address }),
    ).toEqual({ openLeases: 2n, locked: parseEther("200") });
    // Two open leases need 200 of the 250: 50 free, below the minimum: still no bid.
    expect(await decideBid(params, orders[2] as bigint)).toEqual({
      bid: false,
      reason: `free stake ${parseEther("50")} wei is below the minimum ${parseEther("100")}`,
    });
  });
});

describe("replica groups", () => {
  it("each provider bids on one order of a group: an order nobody bid on, never outbidding another", async () => {
    const tenant = net.client(1);
    await tenant.fundAccountAndWait({
      token: net.deployment.contracts.token,
      amount: parseEther("10"),
    });
    const { orderIds, event } = await tenant.createOrderGroupAndWait({
      ...order({ region: "eu" }),
      replicas: 2,
    });
    expect(event.replicas).toBe(2n);
    const cheap = { ...(await setupProvider({ region: "eu" }, 4)), openBids: createOpenBids() };
    const dear = {
      ...(await setupProvider({ region: "eu" }, 5)),
      pricing: { ...pricing, cpuPerCore: parseEther("0.0002") },
      openBids: createOpenBids(),
    };
    // The dear provider comes first, on both orders' events at once; then the cheap one.
    const dearBids = await Promise.all(orderIds.map((id) => bidOnOrder(common, dear, id)));
    const cheapBids = await Promise.all(orderIds.map((id) => bidOnOrder(common, cheap, id)));
    expect(dearBids.filter(Boolean)).toHaveLength(1);
    expect(cheapBids.filter(Boolean)).toHaveLength(1);
    const orders = await Promise.all(orderIds.map((orderId) => tenant.getOrder({ orderId })));
    // Each order has its own provider, each at its own price (the claim at the max price was
    // lowered at once): the cheap one did not take the dear one's order.
    expect(new Set(orders.map((o) => o.bestBidder)).size).toBe(2);
    const byProvider = Object.fromEntries(orders.map((o) => [o.bestBidder, o.bestPricePerSecond]));
    expect(byProvider).toEqual({
      [cheap.client.account.address]: OUR_PRICE,
      [dear.client.account.address]: parseEther("0.0003"),
    });
    // A bid on another order of the group is refused: the provider is in it already.
    expect(await bidOnOrder(common, cheap, orderIds[0] as bigint)).toBeNull();
  });

  it("a provider whose first choice in a group is taken between its decision and its bid goes to another order, never outbidding the one there", async () => {
    const tenant = net.client(1);
    await tenant.fundAccountAndWait({
      token: net.deployment.contracts.token,
      amount: parseEther("10"),
    });
    const { orderIds } = await tenant.createOrderGroupAndWait({
      ...order({ region: "eu" }),
      replicas: 2,
    });
    await setupProvider({ region: "eu" }, 5);
    const dear = net.client(5);
    const cheap: BidderParameters = {
      ...(await setupProvider({ region: "eu" }, 4)),
      // The order this provider tries first (its address picks it) gets the dear provider's bid
      // right before this provider's first transaction: a bid this provider could undercut.
      send: async (transaction) => {
        if (!raced) {
          raced = true;
          const me = net.client(4).account.address;
          const first = orderIds[Number(BigInt(keccak256(me)) % 2n)] as bigint;
          await dear.createBidAndWait({ orderId: first, pricePerSecond: parseEther("0.0003") });
        }
        return transaction();
      },
    };
    let raced = false;
    const bid = await bidOnOrder(common, cheap, orderIds[0] as bigint);
    expect(raced).toBe(true);
    const orders = await Promise.all(orderIds.map((orderId) => tenant.getOrder({ orderId })));
    expect(new Set(orders.map((o) => o.bestBidder)).size).toBe(2);
    expect(bid?.pricePerSecond).toBe(OUR_PRICE);
    expect(orders.find((o) => o.bestBidder === dear.account.address)?.bestPricePerSecond).toBe(
      parseEther("0.0003"),
    );
  });
});
