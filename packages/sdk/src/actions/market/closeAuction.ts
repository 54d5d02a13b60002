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

export type CloseAuctionParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
};
export type CloseAuctionReturnType = Hash;
export type CloseAuctionErrorType = ContractRevertError | BaseError;

/**
 * After the bid window, leases the order to its best (lowest) bid. Anyone may call. A grouped
 * order with no usable bid is closed instead (its escrow credited back to the tenant's balance,
 * `OrderCanceled`); an ungrouped one reverts (`MarketNoBids`).
 */
export function closeAuction(
  client: NoosWalletClient,
  params: CloseAuctionParameters,
): Promise<CloseAuctionReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "closeAuction",
    args: [params.orderId],
  });
}

export type CloseAuctionAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseCreated">;
};

/** `closeAuction`, then waits for the receipt and returns the decoded `LeaseCreated` event. */
export async function closeAuctionAndWait(
  client: NoosWalletClient,
  params: CloseAuctionParameters,
): Promise<CloseAuctionAndWaitReturnType> {
  const result = await waitForEvents(client, await closeAuction(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "LeaseCreated") };
}
