import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { providerRegistryAbi } from "../../generated/abis.js";

export type GetProvidersParameters = {
  /** ProviderRegistry address. */
  address: Address;
};
export type GetProvidersReturnType = readonly Address[];

/** Every registered provider. */
export function getProviders(
  client: NoosReadClient,
  params: GetProvidersParameters,
): Promise<GetProvidersReturnType> {
  return readContract(client, {
    address: params.address,
    abi: providerRegistryAbi,
    functionName: "providers",
  });
}
