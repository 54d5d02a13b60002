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

export type CancelOrderParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
};
export type CancelOrderReturnType = Hash;
export type CancelOrderErrorType = ContractRevertError | BaseError;

/** The tenant cancels an order without a lease; the escrow is credited to its market balance. */
export function cancelOrder(
  client: NoosWalletClient,
  params: CancelOrderParameters,
): Promise<CancelOrderReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "cancelOrder",
    args: [params.orderId],
  });
}

export type CancelOrderAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "OrderCanceled">;
};

/** `cancelOrder`, then waits for the receipt and returns the decoded `OrderCanceled` event. */
export async function cancelOrderAndWait(
  client: NoosWalletClient,
  params: CancelOrderParameters,
): Promise<CancelOrderAndWaitReturnType> {
  const result = await waitForEvents(client, await cancelOrder(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "OrderCanceled") };
}
