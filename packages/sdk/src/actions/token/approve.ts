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

export type ApproveParameters = {
  /** NoosToken address. */
  address: Address;
  spender: Address;
  /** In wei. */
  amount: bigint;
};
export type ApproveReturnType = Hash;
export type ApproveErrorType = ContractRevertError | BaseError;

/** Lets `spender` move up to `amount` of the caller's tokens. */
export function approve(
  client: NoosWalletClient,
  params: ApproveParameters,
): Promise<ApproveReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: noosTokenAbi,
    functionName: "approve",
    args: [params.spender, params.amount],
  });
}

export type ApproveAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof noosTokenAbi, "Approval">;
};

/** `approve`, then waits for the receipt and returns the decoded `Approval` event. */
export async function approveAndWait(
  client: NoosWalletClient,
  params: ApproveParameters,
): Promise<ApproveAndWaitReturnType> {
  const result = await waitForEvents(client, await approve(client, params), noosTokenAbi);
  return { ...result, event: eventArgs(result, noosTokenAbi, "Approval") };
}
