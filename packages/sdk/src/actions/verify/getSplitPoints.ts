import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";

export type GetSplitPointsParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  lo: bigint;
  hi: bigint;
};
/** The inner points of (lo, hi) whose states a bisection posts, ascending. */
export type GetSplitPointsReturnType = readonly bigint[];
export type GetSplitPointsErrorType = Error;

/** The points at which `bisectStates` of the interval [lo, hi] posts states (k = min(arity - 1, hi - lo - 1)). */
export async function getSplitPoints(
  client: NoosReadClient,
  params: GetSplitPointsParameters,
): Promise<GetSplitPointsReturnType> {
  try {
    return await readContract(client, {
      address: params.address,
      abi: optimisticVerifierAbi,
      functionName: "splitPoints",
      args: [params.lo, params.hi],
    });
  } catch (err) {
    throw decodeContractError(err, optimisticVerifierAbi);
  }
}

/** The same points computed locally (the contract's formula): lo + j * (hi - lo) / (k + 1), j = 1..k. */
export function splitPoints(lo: bigint, hi: bigint, arity: bigint): bigint[] {
  if (hi <= lo + 1n) return [];
  const inner = hi - lo - 1n;
  const k = inner < arity - 1n ? inner : arity - 1n;
  const span = hi - lo;
  const points: bigint[] = [];
  for (let j = 1n; j <= k; j++) points.push(lo + (j * span) / (k + 1n));
  return points;
}
