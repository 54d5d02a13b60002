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
  /** Jobs this provider runs now (for the capacity check). */
  runningJobs: () => number;
  /** Told every decision, so the daemon can say on /status why it did not bid. */
  onDecision?: ((orderId: bigint, decision: BidDecision) => void) | undefined;
};

/** Whether to bid on `orderId`, and at what price. Reads the order and checks placement on chain. */
export async function decideBid(params: BidderParameters, orderId: bigint): Promise<BidDecision> {
  const { client, contracts } = params;
  const order = await getOrder(client as NoosReadClient, { address: contracts.market, orderId });
  if (order.stateName !== "Open") return { bid: false, reason: `order is ${order.stateName}` };
  const block = await client.getBlock();
  if (block.timestamp >= order.bidDeadline) {
    return { bid: false, reason: "bid window closed" };
  }
  if (order.token.toLowerCase() !== contracts.token.toLowerCase()) {
    return { bid: false, reason: `payment token ${order.token} not accepted` };
  }
  const { resources } = order;
  const { capacity } = params;
  if (resources.cpuMillis > capacity.cpuMillis) return { bid: false, reason: "not enough CPU" };
  if (resources.memoryBytes > capacity.memoryBytes)
    return { bid: false, reason: "not enough memory" };
  if (resources.gpus > capacity.gpus) return { bid: false, reason: "not enough GPUs" };
  if (params.runningJobs() >= capacity.maxJobs) return { bid: false, reason: "at capacity" };
  const matches = await readContract(client, {
    address: contracts.registry,
    abi: providerRegistryAbi,
    functionName: "matchesPlacement",
    args: [client.account.address, order.placement],
  });
  if (!matches) return { bid: false, reason: "placement requirements not met" };
  const bids = await getBids(client as NoosReadClient, { address: contracts.market, orderId });
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
  const decision = await decideBid(params, orderId);
  params.onDecision?.(orderId, decision);
  if (!decision.bid) {
    common.logger.debug({ orderId, reason: decision.reason }, "not bidding");
    count(common, "ordersSkipped");
    return null;
  }
  const { client, contracts } = params;
  const allowance = await client.getAllowance({
    owner: client.account.address,
    spender: contracts.market,
  });
  if (allowance < params.bidDeposit) {
    // Approve many deposits at once: one approval instead of one per bid.
    await client.approveAndWait({ spender: contracts.market, amount: params.bidDeposit * 100n });
  }
  const { event } = await client.createBidAndWait({
    orderId,
    pricePerSecond: decision.pricePerSecond,
    deposit: params.bidDeposit,
  });
  count(common, "bids");
  common.logger.info(
    { orderId, pricePerSecond: decision.pricePerSecond, bidIndex: event.bidIndex },
    "bid placed",
  );
  return event.bidIndex;
}
