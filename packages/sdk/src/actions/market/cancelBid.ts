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

export type CancelBidParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
  bidIndex: bigint;
};
export type CancelBidReturnType = Hash;
export type CancelBidErrorType = ContractRevertError | BaseError;

/**
 * The bidder withdraws an open bid: its slot is freed, 5% of the deposit goes to the order's escrow
 * (the tenant's), the rest is credited to the bidder's earnings (take it with withdrawEarnings).
 * The bidder cannot bid on that order again.
 */
export function cancelBid(
  client: NoosWalletClient,
  params: CancelBidParameters,
): Promise<CancelBidReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "cancelBid",
    args: [params.orderId, params.bidIndex],
  });
}

export type CancelBidAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "BidClosed">;
};

/** `cancelBid`, then waits for the receipt and returns the decoded `BidClosed` event. */
export async function cancelBidAndWait(
  client: NoosWalletClient,
  params: CancelBidParameters,
): Promise<CancelBidAndWaitReturnType> {
  const result = await waitForEvents(client, await cancelBid(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "BidClosed") };
}
