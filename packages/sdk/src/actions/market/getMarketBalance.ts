import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { computeMarketAbi } from "../../generated/abis.js";

export type GetMarketBalanceParameters = {
  /** ComputeMarket address. */
  address: Address;
  account: Address;
  /** Payment token. */
  token: Address;
};
export type GetMarketBalanceReturnType = bigint;

/**
 * `account`'s balance of `token` in the market, in wei: what `withdrawBalance` would pay out and
 * what the next order draws on first. A service lease's pay is credited when it is settled.
 */
export function getMarketBalance(
  client: NoosReadClient,
  params: GetMarketBalanceParameters,
): Promise<GetMarketBalanceReturnType> {
  return readContract(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "balanceOf",
    args: [params.account, params.token],
  });
}
