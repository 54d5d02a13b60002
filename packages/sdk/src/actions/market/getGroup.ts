import type { Address, ContractFunctionReturnType } from "viem";
import { getBlock, readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";

export type GetGroupParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** The group's id (its first order id; `Order.group` of each of its orders). */
  groupId: bigint;
};
export type Group = ContractFunctionReturnType<typeof computeMarketAbi, "view", "getGroup"> & {
  id: bigint;
  /** Ids of the group's orders. */
  orderIds: bigint[];
  /** Whether reveals are accepted at the latest block (every order committed or ended, window not over). */
  revealOpen: boolean;
};
export type GetGroupReturnType = Group;

/** A replica group: size, how many orders committed or ended, and the reveal deadline. */
export async function getGroup(
  client: NoosReadClient,
  params: GetGroupParameters,
): Promise<GetGroupReturnType> {
  try {
    const [group, block] = await Promise.all([
      readContract(client, {
        address: params.address,
        abi: computeMarketAbi,
        functionName: "getGroup",
        args: [params.groupId],
      }),
      getBlock(client),
    ]);
    const now = block.timestamp;
    return {
      ...group,
      id: params.groupId,
      orderIds: Array.from({ length: group.size }, (_, i) => params.groupId + BigInt(i)),
      revealOpen: group.revealEndsAt !== 0n && now <= group.revealEndsAt,
    };
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
}
