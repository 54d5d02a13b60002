import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { noosTokenAbi } from "../../generated/abis.js";

export type GetBalanceParameters = {
  /** Token address (any ERC-20). */
  address: Address;
  account: Address;
};
export type GetBalanceReturnType = bigint;

/** ERC-20 balance of `account`, in wei. */
export function getBalance(
  client: NoosReadClient,
  params: GetBalanceParameters,
): Promise<GetBalanceReturnType> {
  return readContract(client, {
    address: params.address,
    abi: noosTokenAbi,
    functionName: "balanceOf",
    args: [params.account],
  });
}
