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

export type WithdrawCoprocessorEscrowParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  token: Address;
  /** In wei, at most the available (unlocked) escrow. */
  amount: bigint;
};
export type WithdrawCoprocessorEscrowReturnType = Hash;
export type WithdrawCoprocessorEscrowErrorType = ContractRevertError | BaseError;

/** Withdraws the caller's available coprocessor escrow. */
export function withdrawCoprocessorEscrow(
  client: NoosWalletClient,
  params: WithdrawCoprocessorEscrowParameters,
): Promise<WithdrawCoprocessorEscrowReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "withdrawEscrow",
    args: [params.token, params.amount],
  });
}

export type WithdrawCoprocessorEscrowAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "EscrowWithdrawn">;
};

/** `withdrawCoprocessorEscrow`, then waits for the receipt and returns the decoded `EscrowWithdrawn` event. */
export async function withdrawCoprocessorEscrowAndWait(
  client: NoosWalletClient,
  params: WithdrawCoprocessorEscrowParameters,
): Promise<WithdrawCoprocessorEscrowAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await withdrawCoprocessorEscrow(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "EscrowWithdrawn") };
}
