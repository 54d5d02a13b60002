import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { stakingAbi } from "../../generated/abis.js";

export type GetStakeParameters = {
  /** Staking address. */
  address: Address;
  account: Address;
  role: Hex;
};
export type GetStakeReturnType = {
  /** Active stake, in wei. */
  staked: bigint;
  /**
   * Part of the active stake locked by the markets (cannot be unstaked). The ComputeMarket locks
   * `minProviderStake` per open lease and keeps it after the lease ends until the provider calls
   * `releaseStake` (see `getProviderStake` for its open leases).
   */
  locked: bigint;
  /** Sum of pending unbondings, in wei. */
  unbonding: bigint;
  /** Pending unbondings with their release time (unix seconds). */
  unbondings: { amount: bigint; releaseAt: bigint }[];
};

/** Active stake (and its locked part) and pending unbondings of `account` in `role`. */
export async function getStake(
  client: NoosReadClient,
  params: GetStakeParameters,
): Promise<GetStakeReturnType> {
  const args = [params.account, params.role] as const;
  const [staked, locked, entries] = await Promise.all([
    readContract(client, {
      address: params.address,
      abi: stakingAbi,
      functionName: "stakeOf",
      args,
    }),
    readContract(client, {
      address: params.address,
      abi: stakingAbi,
      functionName: "lockedOf",
      args,
    }),
    readContract(client, {
      address: params.address,
      abi: stakingAbi,
      functionName: "unbondingsOf",
      args,
    }),
  ]);
  const unbondings = entries.map((e) => ({ amount: e.amount, releaseAt: BigInt(e.releaseAt) }));
  return {
    staked,
    locked,
    unbonding: unbondings.reduce((sum, e) => sum + e.amount, 0n),
    unbondings,
  };
}
