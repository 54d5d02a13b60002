import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type ReleaseStakeParameters = {
  /** ComputeMarket address. */
  address: Address;
};
export type ReleaseStakeReturnType = Hash;
export type ReleaseStakeErrorType = ContractRevertError | BaseError;

/**
 * Unlocks the stake the market holds locked in Staking for the caller beyond what its open leases
 * need. The market locks `minProviderStake` per open lease lazily and keeps it after the lease
 * ends; a provider calls this before unstaking.
 */
export function releaseStake(
  client: NoosWalletClient,
  params: ReleaseStakeParameters,
): Promise<ReleaseStakeReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "releaseStake",
    args: [],
  });
}

export type ReleaseStakeAndWaitReturnType = WaitResult & {
  /** Stake unlocked, in wei (0 when there was nothing to release). */
  amount: bigint;
};

/** `releaseStake`, then waits and returns the amount unlocked (its `StakeReleased` event). */
export async function releaseStakeAndWait(
  client: NoosWalletClient,
  params: ReleaseStakeParameters,
): Promise<ReleaseStakeAndWaitReturnType> {
  const result = await waitForEvents(client, await releaseStake(client, params), computeMarketAbi);
  const event = findEventArgs(result, computeMarketAbi, "StakeReleased");
  return { ...result, amount: event?.amount ?? 0n };
}
