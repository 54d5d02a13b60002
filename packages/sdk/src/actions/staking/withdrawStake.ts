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

export type WithdrawStakeParameters = {
  /** Staking address. */
  address: Address;
  role: Hex;
};
export type WithdrawStakeReturnType = Hash;
export type WithdrawStakeErrorType = ContractRevertError | BaseError;

/** Withdraws the caller's matured unbondings in `role`. */
export function withdrawStake(
  client: NoosWalletClient,
  params: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: stakingAbi,
    functionName: "withdraw",
    args: [params.role],
  });
}

export type WithdrawStakeAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof stakingAbi, "Withdrawn">;
};

/** `withdrawStake`, then waits for the receipt and returns the decoded `Withdrawn` event. */
export async function withdrawStakeAndWait(
  client: NoosWalletClient,
  params: WithdrawStakeParameters,
): Promise<WithdrawStakeAndWaitReturnType> {
  const result = await waitForEvents(client, await withdrawStake(client, params), stakingAbi);
  return { ...result, event: eventArgs(result, stakingAbi, "Withdrawn") };
}
