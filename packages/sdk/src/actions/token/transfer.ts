import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { noosTokenAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type TransferParameters = {
  /** NoosToken address. */
  address: Address;
  to: Address;
  /** In wei. */
  amount: bigint;
};
export type TransferReturnType = Hash;
export type TransferErrorType = ContractRevertError | BaseError;

/** Sends `amount` tokens to `to`. */
export function transfer(
  client: NoosWalletClient,
  params: TransferParameters,
): Promise<TransferReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: noosTokenAbi,
    functionName: "transfer",
    args: [params.to, params.amount],
  });
}

export type TransferAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof noosTokenAbi, "Transfer">;
};

/** `transfer`, then waits for the receipt and returns the decoded `Transfer` event. */
export async function transferAndWait(
  client: NoosWalletClient,
  params: TransferParameters,
): Promise<TransferAndWaitReturnType> {
  const result = await waitForEvents(client, await transfer(client, params), noosTokenAbi);
  return { ...result, event: eventArgs(result, noosTokenAbi, "Transfer") };
}
