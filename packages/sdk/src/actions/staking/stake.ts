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

export type StakeParameters = {
  /** Staking address. */
  address: Address;
  /** Staking role, e.g. PROVIDER_ROLE. */
  role: Hex;
  /** In wei. */
  amount: bigint;
};
export type StakeReturnType = Hash;
export type StakeErrorType = ContractRevertError | BaseError;

/** Stakes `amount` NOOS from the caller in `role` (approve the staking contract first). */
export function stake(client: NoosWalletClient, params: StakeParameters): Promise<StakeReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: stakingAbi,
    functionName: "stake",
    args: [params.role, params.amount],
  });
}

export type StakeAndWaitReturnType = WaitResult & { event: EventArgs<typeof stakingAbi, "Staked"> };

/** `stake`, then waits for the receipt and returns the decoded `Staked` event. */
export async function stakeAndWait(
  client: NoosWalletClient,
  params: StakeParameters,
): Promise<StakeAndWaitReturnType> {
  const result = await waitForEvents(client, await stake(client, params), stakingAbi);
  return { ...result, event: eventArgs(result, stakingAbi, "Staked") };
}
