import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";

export type GetClaimOfLeaseParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  leaseId: bigint;
};
/** The claim id, or 0n when the lease has no claim. */
export type GetClaimOfLeaseReturnType = bigint;
export type GetClaimOfLeaseErrorType = Error;

/** The claim posted for a market lease (0n if none). */
export async function getClaimOfLease(
  client: NoosReadClient,
  params: GetClaimOfLeaseParameters,
): Promise<GetClaimOfLeaseReturnType> {
  try {
    return await readContract(client, {
      address: params.address,
      abi: optimisticVerifierAbi,
      functionName: "claimOfLease",
      args: [params.leaseId],
    });
  } catch (err) {
    throw decodeContractError(err, optimisticVerifierAbi);
  }
}
