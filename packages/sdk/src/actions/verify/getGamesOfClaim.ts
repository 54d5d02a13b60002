import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";

export type GetGamesOfClaimParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  claimId: bigint;
};
export type GetGamesOfClaimReturnType = readonly bigint[];
export type GetGamesOfClaimErrorType = Error;

/** The ids of a claim's games, in challenge order. */
export async function getGamesOfClaim(
  client: NoosReadClient,
  params: GetGamesOfClaimParameters,
): Promise<GetGamesOfClaimReturnType> {
  try {
    return await readContract(client, {
      address: params.address,
      abi: optimisticVerifierAbi,
      functionName: "gamesOf",
      args: [params.claimId],
    });
  } catch (err) {
    throw decodeContractError(err, optimisticVerifierAbi);
  }
}
