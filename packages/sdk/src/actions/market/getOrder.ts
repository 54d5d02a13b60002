import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import { type OrderStateName, orderStateName } from "./types.js";

export type GetOrderParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
};
export type Order = ContractFunctionReturnType<typeof computeMarketAbi, "view", "getOrder"> & {
  id: bigint;
  stateName: OrderStateName;
};
export type GetOrderReturnType = Order;

/** An order by id; throws `MarketUnknownOrder` if there is none. */
export async function getOrder(
  client: NoosReadClient,
  params: GetOrderParameters,
): Promise<GetOrderReturnType> {
  try {
    const order = await readContract(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "getOrder",
      args: [params.orderId],
    });
    return { ...order, id: params.orderId, stateName: orderStateName(order.state) };
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
}
