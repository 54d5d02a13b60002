import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { noosTokenAbi } from "../../generated/abis.js";

export type GetAllowanceParameters = {
  /** Token address (any ERC-20). */
  address: Address;
  owner: Address;
  spender: Address;
};
export type GetAllowanceReturnType = bigint;

/** How much `spender` may still move from `owner`, in wei. */
export function getAllowance(
  client: NoosReadClient,
  params: GetAllowanceParameters,
): Promise<GetAllowanceReturnType> {
  return readContract(client, {
    address: params.address,
    abi: noosTokenAbi,
    functionName: "allowance",
    args: [params.owner, params.spender],
  });
}
