import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { computeMarketAbi } from "../../generated/abis.js";

export type GetProviderStakeParameters = {
  /** ComputeMarket address. */
  address: Address;
  provider: Address;
};
export type GetProviderStakeReturnType = {
  /** The provider's open leases (each needs `minProviderStake`). */
  openLeases: bigint;
  /** Stake the market holds locked for it in Staking (`releaseStake` frees what exceeds the need). */
  locked: bigint;
};

/** A provider's open leases and the stake the market holds locked for it. */
export async function getProviderStake(
  client: NoosReadClient,
  params: GetProviderStakeParameters,
): Promise<GetProviderStakeReturnType> {
  const [openLeases, locked] = await readContract(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "providerStake",
    args: [params.provider],
  });
  return { openLeases, locked };
}
