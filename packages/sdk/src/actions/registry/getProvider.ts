import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { providerRegistryAbi } from "../../generated/abis.js";
import type { Attribute } from "./types.js";

export type GetProviderParameters = {
  /** ProviderRegistry address. */
  address: Address;
  provider: Address;
};
export type GetProviderReturnType = {
  address: Address;
  hostUri: string;
  attributes: Attribute[];
  registeredAt: bigint;
  /** Registered and holding the minimum stake: may bid. */
  eligible: boolean;
} | null;

/** A provider's record, or null if it is not registered. */
export async function getProvider(
  client: NoosReadClient,
  params: GetProviderParameters,
): Promise<GetProviderReturnType> {
  const base = { address: params.address, abi: providerRegistryAbi } as const;
  const registered = await readContract(client, {
    ...base,
    functionName: "isRegistered",
    args: [params.provider],
  });
  if (!registered) return null;
  const [record, eligible] = await Promise.all([
    readContract(client, { ...base, functionName: "getProvider", args: [params.provider] }),
    readContract(client, { ...base, functionName: "isEligible", args: [params.provider] }),
  ]);
  return {
    address: params.provider,
    hostUri: record.hostUri,
    attributes: record.attributes.map((a) => ({ key: a.key, value: a.value })),
    registeredAt: BigInt(record.registeredAt),
    eligible,
  };
}
