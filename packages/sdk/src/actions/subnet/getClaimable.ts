import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { subnetRegistryAbi } from "../../generated/abis.js";

export type GetClaimableParameters = {
  /** SubnetRegistry address. */
  address: Address;
  account: Address;
};
export type GetClaimableReturnType = bigint;

/** NOOS wei of subnet emission credited to `account` and not yet claimed (all subnets). */
export function getClaimable(
  client: NoosReadClient,
  params: GetClaimableParameters,
): Promise<GetClaimableReturnType> {
  return readContract(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "claimable",
    args: [params.account],
  });
}
