// The bid engine: for each new order, decide whether this provider can serve it and at what
// price, then bid. Like Akash's provider, it filters on placement and capacity first.
import {
  getBids,
  getOrder,
  type NoosphereAddresses,
  type NoosphereClient,
  type NoosReadClient,
  providerRegistryAbi,
} from "@noosphere/sdk";
import { readContract } from "viem/actions";
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
};

/** Whether to bid on `orderId`, and at what price. Reads the order and checks placement on chain. */
export async function decideBid(params: BidderParameters, orderId: bigint): Promise<BidDecision> {
  const { client, contracts } = params;
  // Independent reads go out together: each one waited for alone is a round trip on the bid path.
  const [order, block] = await Promise.all([
    getOrder(client as NoosReadClient, { address: contracts.market, orderId }),
    client.getBlock(),
  ]);
  if (order.stateName !== "Open") return { bid: false, reason: `order is ${order.stateName}` };
  if (block.timestamp >= order.bidDeadline) {
    return { bid: false, reason: "bid window closed" };
  }
  if (order.token.toLowerCase() !== contracts.token.toLowerCase()) {
    return { bid: false, reason: `payment token ${order.token} not accepted` };
  }
  if (order.jobTimeout === 0 && !params.servesServices) {
    return { bid: false, reason: "service leases are not hosted here (no service host)" };
  }
  const { resources } = order;
  const { capacity } = params;
  if (resources.cpuMillis > capacity.cpuMillis) return { bid: false, reason: "not enough CPU" };
  if (resources.memoryBytes > capacity.memoryBytes)
    return { bid: false, reason: "not enough memory" };
  if (resources.gpus > capacity.gpus) return { bid: false, reason: "not enough GPUs" };
  if (params.runningJobs() >= capacity.maxJobs) return { bid: false, reason: "at capacity" };
  const [matches, bids] = await Promise.all([
    readContract(client, {
      address: contracts.registry,
      abi: providerRegistryAbi,
      functionName: "matchesPlacement",
      args: [client.account.address, order.placement],
    }),
    getBids(client as NoosReadClient, { address: contracts.market, orderId }),
  ]);
  if (!matches) return { bid: false, reason: "placement requirements not met" };
  if (bids.some((b) => b.provider.toLowerCase() === client.account.address.toLowerCase())) {
    return { bid: false, reason: "already bid" };
  }
  if (order.bidCount >= order.maxBids)
    return { bid: false, reason: "order has its maximum of bids" };
  const price = bidPrice(params.pricing, resources, order.maxPricePerSecond);
  if (price === null) return { bid: false, reason: "our price is above the order's max" };
  return { bid: true, pricePerSecond: price };
}

/** Decides and, if worth it, bids. Returns the bid index, or null when it did not bid. */
export async function bidOnOrder(common: Common, params: BidderParameters, orderId: bigint) {
  const { client, contracts } = params;
  // The allowance is read beside the decision rather than after it (one round trip less).
  const [decision, allowance] = await Promise.all([
    decideBid(params, orderId),
    client.getAllowance({ owner: client.account.address, spender: contracts.market }),
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
      // Approve many deposits at once: one approval instead of one per bid.
      const amount = params.bidDeposit * 100n;
      await client.approveAndWait({ spender: contracts.market, amount });
    }
    return client.createBidAndWait({
      orderId,
      pricePerSecond: decision.pricePerSecond,
      deposit: params.bidDeposit,
    });
  });
  count(common, "bids");
  common.logger.info(
    { orderId, pricePerSecond: decision.pricePerSecond, bidIndex: event.bidIndex },
    "bid placed",
  );
  return event.bidIndex;
}
