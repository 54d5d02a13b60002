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
  bidIndex: bigint;
};
export type AcceptBidReturnType = Hash;
export type AcceptBidErrorType = ContractRevertError | BaseError;

/** The tenant accepts an open bid; the lease starts and the other bids are refunded. */
export function acceptBid(
  client: NoosWalletClient,
  params: AcceptBidParameters,
): Promise<AcceptBidReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "acceptBid",
    args: [params.orderId, params.bidIndex],
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
