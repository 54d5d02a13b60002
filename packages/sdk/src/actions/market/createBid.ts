import { type Address, type Hash, type Hex, zeroHash } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient, NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type OrderPlacement, orderCreatedEvent } from "./getOrder.js";

export type CreateBidParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
  /**
   * In wei per second; at most the order's max price and strictly below the order's best bid so
   * far (`getOrder().bestPricePerSecond`; else `MarketBidNotLower`). A service lease pays it per
   * second; a batch job's price is fixed at `pricePerSecond x jobTimeout`, paid in full on
   * acceptance whenever the result comes (and pro rata if the tenant closes the job early).
   */
  pricePerSecond: bigint;
  /**
   * The order's placement requirements (as `getOrder` returns them). The market stores only their
   * hash; when omitted, they are read from the order's `OrderCreated` event.
   */
  placement?: OrderPlacement | undefined;
};
export type CreateBidReturnType = Hash;
export type CreateBidErrorType = ContractRevertError | BaseError;

/**
 * Bids `pricePerSecond` on an open order inside its bid window. No deposit and no approve: the
 * caller needs `minProviderStake` free in Staking. The bid replaces the order's best bid, so it
 * must be strictly lower (`MarketBidNotLower(orderId, bid, best)` otherwise: someone cheaper is
 * there). In a replica group a provider bids on one order only (`MarketProviderInGroup`).
 */
export async function createBid(
  client: NoosWalletClient,
  params: CreateBidParameters,
): Promise<CreateBidReturnType> {
  const placement = params.placement ?? (await orderPlacement(client, params));
  const args = [params.orderId, params.pricePerSecond] as const;
  if (placement === undefined || isEmptyPlacement(placement)) {
    return simulateAndWrite(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "createBid",
      args,
    });
  }
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "createBid",
    args: [...args, placement],
  });
}

const isEmptyPlacement = (p: OrderPlacement) =>
  p.attributes.length === 0 && p.allOf.length === 0 && p.anyOf.length === 0;

/** The order's placement from its OrderCreated event, or undefined if it has none. */
async function orderPlacement(
  client: NoosWalletClient,
  params: CreateBidParameters,
): Promise<OrderPlacement | undefined> {
  const reader = client as unknown as NoosReadClient;
  let order: { placementHash: Hex; createdBlock: bigint };
  try {
    order = await readContract(reader, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "getOrder",
      args: [params.orderId],
    });
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
  if (order.placementHash === zeroHash) return undefined;
  const created = await orderCreatedEvent(
    reader,
    params.address,
    params.orderId,
    order.createdBlock,
  );
  return created.placement;
}

export type CreateBidAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "BidCreated">;
};

/**
 * `createBid`, then waits for the receipt and returns the decoded `BidCreated` event
 * (`{ orderId, provider, pricePerSecond, outbid }`; `outbid` is the previous best bidder, or the
 * zero address).
 */
export async function createBidAndWait(
  client: NoosWalletClient,
  params: CreateBidParameters,
): Promise<CreateBidAndWaitReturnType> {
  const result = await waitForEvents(client, await createBid(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "BidCreated") };
}
