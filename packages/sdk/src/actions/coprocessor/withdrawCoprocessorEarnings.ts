import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type WithdrawCoprocessorEarningsParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  token: Address;
};
export type WithdrawCoprocessorEarningsReturnType = Hash;
export type WithdrawCoprocessorEarningsErrorType = ContractRevertError | BaseError;

/** Withdraws the calling node's coprocessor earnings in `token`. */
export function withdrawCoprocessorEarnings(
  client: NoosWalletClient,
  params: WithdrawCoprocessorEarningsParameters,
): Promise<WithdrawCoprocessorEarningsReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "withdrawEarnings",
    args: [params.token],
  });
}

export type WithdrawCoprocessorEarningsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "EarningsWithdrawn">;
};

/** `withdrawCoprocessorEarnings`, then waits for the receipt and returns the decoded `EarningsWithdrawn` event. */
export async function withdrawCoprocessorEarningsAndWait(
  client: NoosWalletClient,
  params: WithdrawCoprocessorEarningsParameters,
): Promise<WithdrawCoprocessorEarningsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await withdrawCoprocessorEarnings(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "EarningsWithdrawn") };
}
