import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { noosTokenAbi } from "../../generated/abis.js";

export type GetTokenBalanceParameters = {
  /** Token address (any ERC-20). */
  address: Address;
  account: Address;
};
export type GetTokenBalanceReturnType = bigint;

/** ERC-20 balance of `account`, in wei. */
export function getTokenBalance(
  client: NoosReadClient,
  params: GetTokenBalanceParameters,
): Promise<GetTokenBalanceReturnType> {
  return readContract(client, {
    address: params.address,
    abi: noosTokenAbi,
    functionName: "balanceOf",
    args: [params.account],
  });
}
