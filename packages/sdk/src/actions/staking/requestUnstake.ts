import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { stakingAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type RequestUnstakeParameters = {
  /** Staking address. */
  address: Address;
  role: Hex;
  /** In wei. */
  amount: bigint;
};
export type RequestUnstakeReturnType = Hash;
export type RequestUnstakeErrorType = ContractRevertError | BaseError;

/** Moves `amount` of the caller's stake in `role` to unbonding. */
export function requestUnstake(
  client: NoosWalletClient,
  params: RequestUnstakeParameters,
): Promise<RequestUnstakeReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: stakingAbi,
    functionName: "requestUnstake",
    args: [params.role, params.amount],
  });
}

export type RequestUnstakeAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof stakingAbi, "UnstakeRequested">;
};

/** `requestUnstake`, then waits for the receipt and returns the decoded `UnstakeRequested` event. */
export async function requestUnstakeAndWait(
  client: NoosWalletClient,
  params: RequestUnstakeParameters,
): Promise<RequestUnstakeAndWaitReturnType> {
  const result = await waitForEvents(client, await requestUnstake(client, params), stakingAbi);
  return { ...result, event: eventArgs(result, stakingAbi, "UnstakeRequested") };
}
