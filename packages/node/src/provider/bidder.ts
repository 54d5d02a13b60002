// The bid engine: for each new order, decide whether this provider can serve it and at what
// price, then bid. Like Akash's provider, it filters on placement and capacity first.
import {
  getAllowance,
  getBids,
  getOrder,
  type NoosphereAddresses,
  type NoosphereClient,
  type NoosReadClient,
  PROVIDER_ROLE,
  protocolParamsAbi,
  providerRegistryAbi,
  stakingAbi,
} from "@noosphere/sdk";
import { createPublicClient, http } from "viem";
import { getBlock, readContract } from "viem/actions";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { bidPrice, type ScalePricing } from "./pricing.js";

export type Capacity = { cpuMillis: number; memoryBytes: bigint; gpus: number; maxJobs: number };

export type BidDecision = { bid: true; pricePerSecond: bigint } | { bid: false; reason: string };

export type BidderParameters = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  pricing: ScalePricing;
  capacity: Capacity;
  bidDeposit: bigint;
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
   * only if the stake left unlocked would still meet the minimum after every one of them became a
   * lease; without it, only the stake unlocked now is checked.
   */
  openBids?: OpenBids | undefined;
  /** Client for the decision's reads (see batchedReads); default `client`. */
  reads?: NoosReadClient | undefined;
};

/**
 * A read client on `client`'s HTTP endpoint that sends the reads issued together (a bid decision
 * makes six at once) as one JSON-RPC batch: one HTTP request instead of six, which is most of
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

const BPS = 10_000n;
/** How long the protocol's stake parameters are reused before they are read again, ms. */
const STAKE_PARAMS_TTL_MS = 30_000;
/**
 * How long after its bid window a bid still counts as open. A tenant may accept a bid after the
 * window, but it nearly always accepts (or anyone closes the auction) right away; a bid forgotten
 * too early only costs a failed acceptBid, which the tenant passes over.
 */
const OPEN_BID_GRACE_S = 60n;

/**
 * The bids a provider has out: from the decision to bid until its order is leased (to it or to
 * another), canceled, or the bid window is long over. Each lease locks a share of the unlocked
 * stake (missedDeadlineSlashBps) and a lease starts only while the minimum is unlocked, so a
 * provider that bids beyond what its stake can lease makes tenants' acceptBid calls fail.
 */
export type OpenBids = {
  /** Holds a place for a bid being decided or sent; false when one is already held for the order. */
  hold(orderId: bigint): boolean;
  /** The bid was placed (or not: `bidDeadline` undefined frees the place). */
  settle(orderId: bigint, bidDeadline: bigint | undefined): void;
  /** The order left the auction (LeaseCreated, OrderCanceled, BidClosed): its bid is no longer open. */
  close(orderId: bigint): void;
  /** Bids held or open at chain time `now` (seconds). */
  count(now: bigint): number;
  /** The protocol's minimum stake and lock share, cached for a while. */
  stakeParams(read: () => Promise<StakeParams>): Promise<StakeParams>;
};

export type StakeParams = { minStake: bigint; slashBps: bigint };

export function createOpenBids(): OpenBids {
  /** Order id -> bid window end (undefined while the bid is being decided or sent). */
  const bids = new Map<bigint, bigint | undefined>();
  let cached: { at: number; value: Promise<StakeParams> } | undefined;
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
    count(now) {
      for (const [orderId, deadline] of bids) {
        if (deadline !== undefined && now > deadline + OPEN_BID_GRACE_S) bids.delete(orderId);
      }
      return bids.size;
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
 * each one locks `slashBps` of the stake free at its start, and a lease needs `minStake` free.
 */
export function stakeAllowsBid(p: {
  free: bigint;
  minStake: bigint;
  slashBps: bigint;
  others: number;
}): boolean {
  let free = p.free;
  for (let i = 0; i < p.others && free >= p.minStake; i++) free -= (free * p.slashBps) / BPS;
  return free >= p.minStake;
}

async function readStakeParams(client: NoosReadClient, contracts: NoosphereAddresses) {
  const [minStake, slashBps] = await Promise.all([
    readContract(client, {
      address: contracts.params,
      abi: protocolParamsAbi,
      functionName: "minProviderStake",
    }),
    readContract(client, {
      address: contracts.params,
      abi: protocolParamsAbi,
      functionName: "missedDeadlineSlashBps",
    }),
  ]);
  return { minStake, slashBps: BigInt(slashBps) };
}

/**
 * Whether to bid on `orderId`, and at what price. Reads the order and checks placement and
 * unlocked stake on chain. `held`: whether `params.openBids` holds a place for this order.
 */
export async function decideBid(
  params: BidderParameters,
  orderId: bigint,
  held = false,
): Promise<BidDecision> {
  return (await decide(params, orderId, held)).decision;
}

/** decideBid, with the order's bid window end (how long the bid counts as open). */
async function decide(
  params: BidderParameters,
  orderId: bigint,
  held: boolean,
): Promise<{ decision: BidDecision; bidDeadline: bigint }> {
  const decision = (d: BidDecision) => ({ decision: d, bidDeadline: order.bidDeadline });
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
  // Independent reads go out together: each one waited for alone is a round trip on the bid path.
  const [order, block, bids, staked, locked, stake] = await Promise.all([
    getOrder(read, { address: contracts.market, orderId }),
    getBlock(read),
    getBids(read, { address: contracts.market, orderId }),
    stakeOf("stakeOf"),
    stakeOf("lockedOf"),
    params.openBids
      ? params.openBids.stakeParams(() => readStakeParams(read, contracts))
      : readStakeParams(read, contracts),
  ]);
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
  if (params.runningJobs() >= capacity.maxJobs)
    return decision({ bid: false, reason: "at capacity" });
  if (bids.some((b) => b.provider.toLowerCase() === me.toLowerCase())) {
    return decision({ bid: false, reason: "already bid" });
  }
  if (order.bidCount >= order.maxBids)
    return decision({ bid: false, reason: "order has its maximum of bids" });
  const free = staked > locked ? staked - locked : 0n;
  const others = params.openBids ? params.openBids.count(block.timestamp) - (held ? 1 : 0) : 0;
  if (!stakeAllowsBid({ free, ...stake, others })) {
    return decision({
      bid: false,
      reason:
        others > 0
          ? `unlocked stake ${free} wei would fall below the minimum ${stake.minStake} if the ${others} bid(s) out now became leases`
          : `unlocked stake ${free} wei is below the minimum ${stake.minStake}`,
    });
  }
  const matches = await readContract(read, {
    address: contracts.registry,
    abi: providerRegistryAbi,
    functionName: "matchesPlacement",
    args: [me, order.placement],
  });
  if (!matches) return decision({ bid: false, reason: "placement requirements not met" });
  const price = bidPrice(params.pricing, resources, order.maxPricePerSecond);
  if (price === null) return decision({ bid: false, reason: "our price is above the order's max" });
  return decision({ bid: true, pricePerSecond: price });
}

/** Approvals of the market for bid deposits in flight, by client. */
const approvals = new WeakMap<NoosphereClient, Promise<unknown>>();

/** Decides and, if worth it, bids. Returns the bid index, or null when it did not bid. */
export async function bidOnOrder(common: Common, params: BidderParameters, orderId: bigint) {
  const { client, contracts, openBids } = params;
  // A place among the open bids is held from the decision on, so bids decided side by side
  // count each other against the stake.
  if (openBids && !openBids.hold(orderId)) {
    common.logger.debug({ orderId }, "not bidding: a bid on this order is already out");
    return null;
  }
  let placed: bigint | undefined;
  try {
    // The allowance is read beside the decision rather than after it (one round trip less).
    const [{ decision, bidDeadline }, allowance] = await Promise.all([
      decide(params, orderId, openBids !== undefined),
      getAllowance(params.reads ?? (client as NoosReadClient), {
        address: contracts.token,
        owner: client.account.address,
        spender: contracts.market,
      }),
    ]);
    params.onDecision?.(orderId, decision);
    if (!decision.bid) {
      common.logger.debug({ orderId, reason: decision.reason }, "not bidding");
      count(common, "ordersSkipped");
      return null;
    }
    const send = params.send ?? (<T>(transaction: () => Promise<T>) => transaction());
    const { event } = await send(async () => {
      if (allowance < params.bidDeposit) {
        // Approve many deposits at once: one approval instead of one per bid, and one for the
        // bids that found the allowance short at the same time.
        let approving = approvals.get(client);
        if (!approving) {
          approving = client
            .approveAndWait({ spender: contracts.market, amount: params.bidDeposit * 100n })
            .finally(() => approvals.delete(client));
          approvals.set(client, approving);
        }
        await approving;
      }
      return client.createBidAndWait({
        orderId,
        pricePerSecond: decision.pricePerSecond,
        deposit: params.bidDeposit,
      });
    });
    placed = bidDeadline;
    count(common, "bids");
    common.logger.info(
      { orderId, pricePerSecond: decision.pricePerSecond, bidIndex: event.bidIndex },
      "bid placed",
    );
    return event.bidIndex;
  } finally {
    openBids?.settle(orderId, placed);
  }
}
