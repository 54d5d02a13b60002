import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { computeMarketAbi } from "../../generated/abis.js";
import { getOrder, type Order } from "./getOrder.js";
import type { OrderStateName } from "./types.js";

export type GetOrdersParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** Only orders in this state. */
  state?: OrderStateName | undefined;
  /** Only orders of this tenant. */
  tenant?: Address | undefined;
  /** Newest first, at most this many (after filtering). Default 100. */
  limit?: number | undefined;
};
export type GetOrdersReturnType = Order[];

/** Orders, newest first, optionally filtered by state and tenant. */
export async function getOrders(
  client: NoosReadClient,
  params: GetOrdersParameters,
): Promise<GetOrdersReturnType> {
  const count = await readContract(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "orderCount",
  });
  const limit = params.limit ?? 100;
  const orders: Order[] = [];
  // Read in pages of 25 so a long history does not open hundreds of requests at once.
  for (let next = count; next >= 1n && orders.length < limit; next -= 25n) {
    const ids: bigint[] = [];
    for (let id = next; id >= 1n && id > next - 25n; id--) ids.push(id);
    const page = await Promise.all(
      ids.map((orderId) => getOrder(client, { address: params.address, orderId })),
    );
    for (const order of page) {
      if (params.state && order.stateName !== params.state) continue;
      if (params.tenant && order.tenant.toLowerCase() !== params.tenant.toLowerCase()) continue;
      if (orders.length < limit) orders.push(order);
    }
  }
  return orders;
}
