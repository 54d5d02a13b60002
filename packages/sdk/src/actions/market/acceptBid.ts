import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type AcceptBidParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
};
export type AcceptBidReturnType = Hash;
export type AcceptBidErrorType = ContractRevertError | BaseError;

/**
 * The tenant leases the order to its best bid (`getOrder().bestBidder`), at any time while the
 * order is open; the lease id equals the order id. `MarketNoBids` without a bid,
 * `MarketInsufficientUnlockedStake` if the bidder no longer has `minProviderStake` free.
 */
export function acceptBid(
  client: NoosWalletClient,
  params: AcceptBidParameters,
): Promise<AcceptBidReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "acceptBid",
    args: [params.orderId],
  });
}

export type AcceptBidAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseCreated">;
};

/** `acceptBid`, then waits for the receipt and returns the decoded `LeaseCreated` event. */
export async function acceptBidAndWait(
  client: NoosWalletClient,
  params: AcceptBidParameters,
): Promise<AcceptBidAndWaitReturnType> {
  const result = await waitForEvents(client, await acceptBid(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "LeaseCreated") };
}
