// The bid engine: for each new order, decide whether this provider can serve it and at what
// price, then bid. Like Akash's provider, it filters on placement and capacity first.
// The market keeps one running best bid per order (a reverse auction): a bid is sent only when
// this provider's price is strictly below the order's best so far, and a bid that lost the race
// to a cheaper one (MarketBidNotLower) is simply skipped. Bids take no deposit and no approval:
// the market checks that the provider has `minProviderStake` free for each lease it may win.
import {
  computeMarketAbi,
  type EventArgs,
  getOrder,
  type NoosphereAddresses,
  type NoosphereClient,
  type NoosReadClient,
  type OrderPlacement,
  type OrderResources,
  orderStateName,
  PROVIDER_ROLE,
  protocolParamsAbi,
  providerRegistryAbi,
  stakingAbi,
} from "@noosphere/sdk";
import { type Address, createPublicClient, http, keccak256, zeroAddress } from "viem";
import { getBlock, readContract } from "viem/actions";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { bidPrice, type ScalePricing } from "./pricing.js";

export type Capacity = { cpuMillis: number; memoryBytes: bigint; gpus: number; maxJobs: number };

export type BidDecision = { bid: true; pricePerSecond: bigint } | { bid: false; reason: string };

/**
 * The reason of a decision not to bid for want of a job slot: the jobs running and the bids out
 * (each may become a lease at once) fill them. The daemon bids again when a slot frees.
 */
export const AT_CAPACITY = "at capacity";

/** The `OrderCreated` event of an order, as the daemon's follower decoded it. */
export type OrderCreatedArgs = EventArgs<typeof computeMarketAbi, "OrderCreated">;
/** The `BidCreated` event of a bid this provider placed. */
export type PlacedBid = EventArgs<typeof computeMarketAbi, "BidCreated">;

export type BidderParameters = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  pricing: ScalePricing;
  capacity: Capacity;
  /** Whether this provider hosts service leases (orders with jobTimeout 0); default false. */
  servesServices?: boolean | undefined;
  /** Jobs this provider runs now (for the capacity check). */
  runningJobs: () => number;
  /**
   * Sends the bid's transactions (the daemon queues them when its account has no nonce manager,
   * so bids decided at the same time do not take the same nonce). Default: send at once.
   */
  send?: (<T>(transaction: () => Promise<T>) => Promise<T>) | undefined;
  /** Told every decision, so the daemon can say on /status why it did not bid. */
  onDecision?: ((orderId: bigint, decision: BidDecision) => void) | undefined;
  /**
   * This provider's bids that may still be accepted (see createOpenBids). With it, a bid is made
   * only if the free stake would still cover one lease more after every one of them became a
   * lease; without it, only the stake free now is checked.
   */
  openBids?: OpenBids | undefined;
  /** Client for the decision's reads (see batchedReads); default `client`. */
  reads?: NoosReadClient | undefined;
};

/**
 * A read client on `client`'s HTTP endpoint that sends the reads issued together (a bid decision
 * makes seven at once) as one JSON-RPC batch: one HTTP request instead of seven, which is most of
 * what a read costs the daemon. Other transports: `client` itself.
 */
export function batchedReads(client: NoosphereClient): NoosReadClient {
  const { type, url } = client.transport as { type?: string; url?: string };
  if (type !== "http" || !url) return client as NoosReadClient;
  return createPublicClient({
    chain: client.chain,
    transport: http(url, { batch: true }),
    pollingInterval: client.pollingInterval,
  }) as NoosReadClient;
}

/** How long the protocol's stake parameters are reused before they are read again, ms. */
const STAKE_PARAMS_TTL_MS = 30_000;
/**
 * How long after its bid window a bid still counts as open. A tenant may accept a bid after the
 * window, but it nearly always accepts (or anyone closes the auction) right away; a bid forgotten
 * too early only costs a failed acceptBid, which the tenant then cancels.
 */
const OPEN_BID_GRACE_S = 60n;

/**
 * The bids a provider has out: from the decision to bid until its order is leased (to it or to
 * another), canceled, outbid, or the bid window is long over. Each lease needs `minProviderStake`
 * free when it starts, so a provider that bids beyond what its stake can lease makes tenants'
 * acceptBid calls fail (and, with the best bid being the only one, blocks the order).
 */
export type OpenBids = {
  /** Holds a place for a bid being decided or sent; false when one is already held for the order. */
  hold(orderId: bigint): boolean;
  /** The bid was placed (or not: `bidDeadline` undefined frees the place). */
  settle(orderId: bigint, bidDeadline: bigint | undefined): void;
  /** The order left the auction (LeaseCreated, OrderCanceled) or our bid was outbid: no longer open. */
  close(orderId: bigint): void;
  /** Bids held or open at chain time `now` (seconds), but those on orders `except` names. */
  count(now: bigint, except?: (orderId: bigint) => boolean): number;
  /** Bids held or open at the chain time last given to `count`. */
  pending(): number;
  /** The protocol's minimum stake, cached for a while. */
  stakeParams(read: () => Promise<StakeParams>): Promise<StakeParams>;
};

export type StakeParams = { minStake: bigint };

export function createOpenBids(): OpenBids {
  /** Order id -> bid window end (undefined while the bid is being decided or sent). */
  const bids = new Map<bigint, bigint | undefined>();
  let cached: { at: number; value: Promise<StakeParams> } | undefined;
  let lastNow = 0n;
  return {
    hold(orderId) {
      if (bids.has(orderId)) return false;
      bids.set(orderId, undefined);
      return true;
    },
    settle(orderId, bidDeadline) {
      if (bidDeadline === undefined) bids.delete(orderId);
      else if (bids.has(orderId)) bids.set(orderId, bidDeadline);
    },
    close(orderId) {
      bids.delete(orderId);
    },
    count(now, except) {
      if (now > lastNow) lastNow = now;
      let n = 0;
      for (const [orderId, deadline] of bids) {
        if (deadline !== undefined && now > deadline + OPEN_BID_GRACE_S) bids.delete(orderId);
        else if (!except?.(orderId)) n++;
      }
      return n;
    },
    pending() {
      return this.count(lastNow);
    },
    stakeParams(read) {
      if (!cached || Date.now() - cached.at > STAKE_PARAMS_TTL_MS) {
        const value = read();
        cached = { at: Date.now(), value };
        value.catch(() => {
          if (cached?.value === value) cached = undefined;
        });
      }
      return cached.value;
    },
  };
}

/**
 * Whether a lease could still start for a new bid if `others` bids out now became leases first:
 * the market needs `minStake` free for each open lease (it locks it lazily at the lease's start).
 */
export function stakeAllowsBid(p: { free: bigint; minStake: bigint; others: number }): boolean {
  return p.free >= p.minStake * BigInt(p.others + 1);
}

/**
 * Stake free for one more lease, as the market counts it: Staking's unlocked stake plus what the
 * market already holds locked beyond its open leases' needs (kept from earlier leases until
 * `releaseStake`).
 */
export function freeStake(p: {
  staked: bigint;
  lockedInStaking: bigint;
  marketLocked: bigint;
  openLeases: bigint;
  minStake: bigint;
}): bigint {
  const unlocked = p.staked > p.lockedInStaking ? p.staked - p.lockedInStaking : 0n;
  const need = p.openLeases * p.minStake;
  // The market's record of its lock can exceed what Staking still holds locked after a slash
  // (Staking clamps its lock to the stake left): count only what is really there.
  const held = p.marketLocked < p.lockedInStaking ? p.marketLocked : p.lockedInStaking;
  return unlocked + (held > need ? held - need : 0n);
}

async function readStakeParams(
  client: NoosReadClient,
  contracts: NoosphereAddresses,
): Promise<StakeParams> {
  const minStake = await readContract(client, {
    address: contracts.params,
    abi: protocolParamsAbi,
    functionName: "minProviderStake",
  });
  return { minStake };
}

/** What a decision needs of an order. */
type OrderView = {
  stateName: string;
  token: Address;
  bidDeadline: bigint;
  jobTimeout: number;
  maxPricePerSecond: bigint;
  group: bigint;
  bestBidder: Address;
  bestPricePerSecond: bigint;
  resources: OrderResources;
  placement: OrderPlacement;
};

/** The market's view of an order (no event read). */
function readOrderView(read: NoosReadClient, contracts: NoosphereAddresses, orderId: bigint) {
  return readContract(read, {
    address: contracts.market,
    abi: computeMarketAbi,
    functionName: "getOrder",
    args: [orderId],
  });
}

/**
 * Whether to bid on `orderId`, and at what price. Reads the order and checks placement and free
 * stake on chain. `held`: whether `params.openBids` holds a place for this order. `created`: the
 * order's OrderCreated event when the caller has it (saves reading it: one round trip less).
 */
export async function decideBid(
  params: BidderParameters,
  orderId: bigint,
  held = false,
  created?: OrderCreatedArgs,
): Promise<BidDecision> {
  return (await decide(params, orderId, held, created)).decision;
}

type Decided = {
  decision: BidDecision;
  order?: OrderView;
  /** Chain time of the decision, and the stake free then (for a replica group's own check). */
  now?: bigint;
  stake?: { free: bigint; minStake: bigint };
};

async function decide(
  params: BidderParameters,
  orderId: bigint,
  held: boolean,
  created: OrderCreatedArgs | undefined,
): Promise<Decided> {
  const { client, contracts } = params;
  const me = client.account.address;
  const read = params.reads ?? (client as NoosReadClient);
  const stakeOf = (functionName: "stakeOf" | "lockedOf") =>
    readContract(read, {
      address: contracts.staking,
      abi: stakingAbi,
      functionName,
      args: [me, PROVIDER_ROLE],
    });
  const matches = (placement: OrderPlacement) =>
    readContract(read, {
      address: contracts.registry,
      abi: providerRegistryAbi,
      functionName: "matchesPlacement",
      args: [me, placement],
    });
  // Independent reads go out together (one JSON-RPC batch): each one waited for alone is a round
  // trip on the bid path. With the OrderCreated event at hand, the placement check goes too.
  const [order, block, staked, lockedInStaking, market, stake, placementOk] = await Promise.all([
    created
      ? readOrderView(read, contracts, orderId).then(
          (o): OrderView => ({
            ...o,
            stateName: orderStateName(o.state),
            resources: created.resources,
            placement: created.placement,
          }),
        )
      : getOrder(read, { address: contracts.market, orderId }),
    getBlock(read),
    stakeOf("stakeOf"),
    stakeOf("lockedOf"),
    readContract(read, {
      address: contracts.market,
      abi: computeMarketAbi,
      functionName: "providerStake",
      args: [me],
    }),
    params.openBids
      ? params.openBids.stakeParams(() => readStakeParams(read, contracts))
      : readStakeParams(read, contracts),
    created ? matches(created.placement) : undefined,
  ]);
  const decision = (d: BidDecision, stake?: Decided["stake"]): Decided => ({
    decision: d,
    order,
    now: block.timestamp,
    ...(stake ? { stake } : {}),
  });
  if (order.stateName !== "Open")
    return decision({ bid: false, reason: `order is ${order.stateName}` });
  if (block.timestamp >= order.bidDeadline) {
    return decision({ bid: false, reason: "bid window closed" });
  }
  if (order.token.toLowerCase() !== contracts.token.toLowerCase()) {
    return decision({ bid: false, reason: `payment token ${order.token} not accepted` });
  }
  if (order.jobTimeout === 0 && !params.servesServices) {
    return decision({ bid: false, reason: "service leases are not hosted here (no service host)" });
  }
  const { resources } = order;
  const { capacity } = params;
  if (resources.cpuMillis > capacity.cpuMillis)
    return decision({ bid: false, reason: "not enough CPU" });
  if (resources.memoryBytes > capacity.memoryBytes)
    return decision({ bid: false, reason: "not enough memory" });
  if (resources.gpus > capacity.gpus) return decision({ bid: false, reason: "not enough GPUs" });
  // A replica group's orders come together and this provider bids on one of them: bidInGroup
  // counts the bids out but the group's.
  const others =
    params.openBids && order.group === 0n
      ? params.openBids.count(block.timestamp) - (held ? 1 : 0)
      : 0;
  // Every bid out may become a lease at once (a tenant accepts the best bid when it likes): a
  // job slot is kept for each, as Akash's provider reserves its capacity for its bids.
  if (params.runningJobs() + others >= capacity.maxJobs)
    return decision({ bid: false, reason: AT_CAPACITY });
  if (order.bestBidder.toLowerCase() === me.toLowerCase()) {
    return decision({ bid: false, reason: "already the best bid" });
  }
  const [openLeases, marketLocked] = market;
  const free = freeStake({
    staked,
    lockedInStaking,
    marketLocked,
    openLeases,
    minStake: stake.minStake,
  });
  if (!stakeAllowsBid({ free, minStake: stake.minStake, others })) {
    return decision({
      bid: false,
      reason:
        others > 0
          ? `free stake ${free} wei does not cover the minimum ${stake.minStake} for each of the ${others} bid(s) out now and this one`
          : `free stake ${free} wei is below the minimum ${stake.minStake}`,
    });
  }
  const price = bidPrice(params.pricing, resources, order.maxPricePerSecond);
  if (price === null) return decision({ bid: false, reason: "our price is above the order's max" });
  // A replica group's orders are alike: which one to bid on is chosen in bidOnGroup.
  if (order.group === 0n && order.bestBidder !== zeroAddress && price >= order.bestPricePerSecond) {
    return decision({
      bid: false,
      reason: `a bid at or below our price is there (best ${order.bestPricePerSecond}, ours ${price} wei/s)`,
    });
  }
  if (!(placementOk ?? (await matches(order.placement)))) {
    return decision({ bid: false, reason: "placement requirements not met" });
  }
  return decision({ bid: true, pricePerSecond: price }, { free, minStake: stake.minStake });
}

/** What a failed bid says about the auction (a custom error's name, see the SDK's errors). */
const errorName = (err: unknown) => (err as { name?: string }).name ?? "";
/** A cheaper bid landed first: not an error, someone else serves the order for less. */
const isNotLower = (err: unknown) => errorName(err) === "MarketBidNotLower";

/**
 * Whether a failed bid lost the race to another one: MarketBidNotLower, or a bid whose
 * simulation passed but whose transaction reverted because another bid landed in between (the
 * receipt gives no reason: the order's best bid, now another provider's at or below ours, does).
 */
async function lostRace(
  params: BidderParameters,
  orderId: bigint,
  pricePerSecond: bigint,
  err: unknown,
): Promise<boolean> {
  if (isNotLower(err)) return true;
  if (errorName(err) !== "TransactionRevertedError") return false;
  const read = params.reads ?? (params.client as NoosReadClient);
  const order = await readOrderView(read, params.contracts, orderId);
  return (
    order.bestBidder !== zeroAddress &&
    order.bestBidder.toLowerCase() !== params.client.account.address.toLowerCase() &&
    order.bestPricePerSecond <= pricePerSecond
  );
}

/**
 * Decides and, if worth it, bids. Returns the BidCreated event of the bid placed (its `orderId`
 * may be another order of the same replica group), or null when it did not bid.
 * `created`: the order's OrderCreated event when the caller has it (one read less).
 */
export async function bidOnOrder(
  common: Common,
  params: BidderParameters,
  orderId: bigint,
  created?: OrderCreatedArgs,
): Promise<PlacedBid | null> {
  const { openBids } = params;
  // A place among the open bids is held from the decision on, so bids decided side by side
  // count each other against the stake.
  if (openBids && !openBids.hold(orderId)) {
    common.logger.debug({ orderId }, "not bidding: a bid on this order is already out");
    return null;
  }
  let placed: { orderId: bigint; bidDeadline: bigint } | undefined;
  try {
    const decided = await decide(params, orderId, openBids !== undefined, created);
    const { decision, order } = decided;
    if (decision.bid && order && order.group !== 0n) {
      const { event, first } = await bidInGroup(
        common,
        params,
        orderId,
        decided,
        decision.pricePerSecond,
      );
      // Every event of the group leaves the place of the order bid on held (and only that one).
      if (event) placed = { orderId: event.orderId, bidDeadline: order.bidDeadline };
      return first ? (event ?? null) : null;
    }
    params.onDecision?.(orderId, decision);
    if (!decision.bid || !order) {
      common.logger.debug({ orderId, reason: decision.bid ? "" : decision.reason }, "not bidding");
      count(common, "ordersSkipped");
      return null;
    }
    const event = await sendBid(params, orderId, decision.pricePerSecond, order.placement).catch(
      async (err: unknown) => {
        if (!(await lostRace(params, orderId, decision.pricePerSecond, err))) throw err;
        skipped(common, params, orderId, "a lower bid came first");
        return null;
      },
    );
    if (!event) return null;
    placed = { orderId, bidDeadline: order.bidDeadline };
    bidPlaced(common, event);
    return event;
  } finally {
    if (openBids) {
      if (placed && placed.orderId !== orderId) {
        // A replica group's bid went to another of its orders: that one is held now.
        openBids.settle(orderId, undefined);
        openBids.hold(placed.orderId);
        openBids.settle(placed.orderId, placed.bidDeadline);
      } else openBids.settle(orderId, placed?.bidDeadline);
    }
  }
}

function sendBid(
  params: BidderParameters,
  orderId: bigint,
  pricePerSecond: bigint,
  placement: OrderPlacement,
): Promise<PlacedBid> {
  const send = params.send ?? (<T>(transaction: () => Promise<T>) => transaction());
  // The placement is passed along: the SDK would otherwise read the order and its event again.
  return send(() => params.client.createBidAndWait({ orderId, pricePerSecond, placement })).then(
    (r) => r.event,
  );
}

function bidPlaced(common: Common, event: PlacedBid) {
  count(common, "bids");
  common.logger.info(
    { orderId: event.orderId, pricePerSecond: event.pricePerSecond, outbid: event.outbid },
    "bid placed",
  );
}

function skipped(common: Common, params: BidderParameters, orderId: bigint, reason: string) {
  params.onDecision?.(orderId, { bid: false, reason });
  common.logger.debug({ orderId, reason }, "not bidding");
  count(common, "ordersSkipped");
}

/**
 * Replica groups this provider took part in, by client: the group id -> the bid placed in it (or
 * null when none could be). The market lets a provider bid on one order of a group only (its
 * first bid picks it), so the first of the group's OrderCreated events decides for all of them.
 */
const groupPicks = new WeakMap<NoosphereClient, Map<bigint, Promise<PlacedBid | string>>>();
/** Groups remembered per client (the oldest are forgotten first; their bid windows are long over). */
const MAX_GROUPS = 1_000;

/**
 * Bids on one order of `order`'s replica group. An order with no bid comes first, starting at an
 * offset given by this provider's address (so providers spread over the group), and the first
 * bid on it is at the order's max price: it can only land on an order nobody bid on yet (a bid
 * must be strictly lower), so this provider never takes from another provider the one order of
 * the group it may bid on. Once there, it lowers the bid to its own price. When every order has
 * a bid already, it outbids the dearest one its price is below.
 */
async function bidInGroup(
  common: Common,
  params: BidderParameters,
  orderId: bigint,
  decided: Decided,
  price: bigint,
): Promise<{ event: PlacedBid | undefined; first: boolean }> {
  const { client } = params;
  const order = decided.order as OrderView;
  let picks = groupPicks.get(client);
  if (!picks) {
    picks = new Map();
    groupPicks.set(client, picks);
  }
  const earlier = picks.get(order.group);
  const pick = earlier ?? pickInGroup(common, params, decided, price);
  if (!earlier) {
    picks.set(order.group, pick);
    if (picks.size > MAX_GROUPS) picks.delete(picks.keys().next().value as bigint);
  }
  const bid = await pick.catch((err: unknown) => {
    // A send that failed may be tried again (a later order of the group, a restart).
    if (picks.get(order.group) === pick) picks.delete(order.group);
    throw err;
  });
  const event = typeof bid === "object" ? bid : undefined;
  if (event?.orderId === orderId) {
    params.onDecision?.(orderId, { bid: true, pricePerSecond: event.pricePerSecond });
  } else {
    skipped(
      common,
      params,
      orderId,
      event
        ? `bid on order ${event.orderId} of its replica group (one order per group)`
        : String(bid),
    );
  }
  return { event, first: !earlier };
}

/** The bid placed in the group, or why none was. */
async function pickInGroup(
  common: Common,
  params: BidderParameters,
  decided: Decided,
  price: bigint,
): Promise<PlacedBid | string> {
  const { client, contracts } = params;
  const order = decided.order as OrderView;
  const me = client.account.address.toLowerCase();
  const read = params.reads ?? (client as NoosReadClient);
  const group = await readContract(read, {
    address: contracts.market,
    abi: computeMarketAbi,
    functionName: "getGroup",
    args: [order.group],
  });
  const ids = Array.from({ length: group.size }, (_, i) => order.group + BigInt(i));
  const orders = await Promise.all(
    ids.map(async (id) => ({ id, ...(await readOrderView(read, contracts, id)) })),
  );
  if (orders.some((o) => o.bestBidder.toLowerCase() === me)) return "in its replica group already";
  const stake = decided.stake as { free: bigint; minStake: bigint };
  const inGroup = (id: bigint) => id >= order.group && id < order.group + BigInt(group.size);
  const others = params.openBids?.count(decided.now ?? 0n, inGroup) ?? 0;
  if (!stakeAllowsBid({ ...stake, others })) {
    return `free stake ${stake.free} wei does not cover the minimum ${stake.minStake} for each of the ${others} bid(s) out now and this one`;
  }
  const open = orders.filter((o) => orderStateName(o.state) === "Open");
  const offset = Number(BigInt(keccak256(client.account.address)) % BigInt(ids.length));
  const free = [...open.slice(offset), ...open.slice(0, offset)].filter(
    (o) => o.bestBidder === zeroAddress,
  );
  const tryBid = async (id: bigint, pricePerSecond: bigint) => {
    try {
      return await sendBid(params, id, pricePerSecond, order.placement);
    } catch (err) {
      // Another provider came first: try the next order.
      if (await lostRace(params, id, pricePerSecond, err)) return null;
      if (errorName(err) === "MarketProviderInGroup") return false; // bid in this group before
      throw err;
    }
  };
  for (const o of free) {
    const claimed = await tryBid(o.id, o.maxPricePerSecond);
    if (claimed === false) return "in its replica group already";
    if (!claimed) continue;
    bidPlaced(common, claimed);
    if (price >= o.maxPricePerSecond) return claimed;
    // The order is ours to bid on now: down to our own price.
    const lowered = await sendBid(params, o.id, price, order.placement).catch((err: unknown) => {
      common.logger.warn(
        { orderId: o.id, err: String(err) },
        "could not lower the bid to our price",
      );
      return null;
    });
    if (lowered) bidPlaced(common, lowered);
    return lowered ?? claimed;
  }
  // Every order has a bid: outbid the dearest one above our price.
  const dearer = open
    .filter((o) => o.bestBidder !== zeroAddress && o.bestPricePerSecond > price)
    .sort((a, b) => (a.bestPricePerSecond < b.bestPricePerSecond ? 1 : -1));
  for (const o of dearer) {
    const bid = await tryBid(o.id, price);
    if (bid === false) return "in its replica group already";
    if (bid) {
      bidPlaced(common, bid);
      return bid;
    }
  }
  return "every order of its replica group has a bid at or below our price";
}
