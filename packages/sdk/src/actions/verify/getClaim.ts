import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";
import { type ClaimStatusName, claimStatusName } from "./types.js";

export type GetClaimParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  claimId: bigint;
};
export type Claim = ContractFunctionReturnType<typeof optimisticVerifierAbi, "view", "getClaim"> & {
  id: bigint;
  statusName: ClaimStatusName;
};
export type GetClaimReturnType = Claim;
export type GetClaimErrorType = Error;

/** A claim (reverts with VerifierUnknownClaim if there is none). */
export async function getClaim(
  client: NoosReadClient,
  params: GetClaimParameters,
): Promise<GetClaimReturnType> {
  try {
    const claim = await readContract(client, {
      address: params.address,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [params.claimId],
    });
    return { ...claim, id: params.claimId, statusName: claimStatusName(claim.status) };
  } catch (err) {
    throw decodeContractError(err, optimisticVerifierAbi);
  }
}
