import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { computeMarketAbi } from "../../generated/abis.js";

export type GetEarningsParameters = {
  /** ComputeMarket address. */
  address: Address;
  provider: Address;
  /** Payment token. */
  token: Address;
};
export type GetEarningsReturnType = bigint;

/** A provider's withdrawable earnings in `token` (settled leases only; settle first for the latest). */
export function getEarnings(
  client: NoosReadClient,
  params: GetEarningsParameters,
): Promise<GetEarningsReturnType> {
  return readContract(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "earnings",
    args: [params.provider, params.token],
  });
}
