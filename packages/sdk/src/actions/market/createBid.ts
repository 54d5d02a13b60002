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

export type CreateBidParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
  /**
   * In wei per second; at most the order's max price. A service lease pays it per second; a batch
   * job's price is fixed at `pricePerSecond x jobTimeout`, paid in full on acceptance whenever the
   * result comes (and pro rata if the tenant closes the job early).
   */
  pricePerSecond: bigint;
  /** Bid deposit in wei; at least the token's minimum bid deposit. */
  deposit: bigint;
};
export type CreateBidReturnType = Hash;
export type CreateBidErrorType = ContractRevertError | BaseError;

/** Bids `pricePerSecond` on an open order, escrowing `deposit` (approve the market first). */
export function createBid(
  client: NoosWalletClient,
  params: CreateBidParameters,
): Promise<CreateBidReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "createBid",
    args: [params.orderId, params.pricePerSecond, params.deposit],
  });
}

export type CreateBidAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "BidCreated">;
};

/** `createBid`, then waits for the receipt and returns the decoded `BidCreated` event. */
export async function createBidAndWait(
  client: NoosWalletClient,
  params: CreateBidParameters,
): Promise<CreateBidAndWaitReturnType> {
  const result = await waitForEvents(client, await createBid(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "BidCreated") };
}
