import type { Address, ContractFunctionReturnType, Hex } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import type { EventArgs } from "../../internal/write.js";
import { type OrderStateName, orderStateName } from "./types.js";

export type GetOrderParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
};
type OrderCreatedArgs = EventArgs<typeof computeMarketAbi, "OrderCreated">;
/** Resources an order asks for (from its `OrderCreated` event). */
export type OrderResources = OrderCreatedArgs["resources"];
/** Placement requirements of an order (from its `OrderCreated` event; bound by `placementHash`). */
export type OrderPlacement = OrderCreatedArgs["placement"];
export type Order = ContractFunctionReturnType<typeof computeMarketAbi, "view", "getOrder"> & {
  id: bigint;
  stateName: OrderStateName;
  /** What the market keeps off storage, read from the order's `OrderCreated` event. */
  manifestCid: string;
  manifestHash: Hex;
  resources: OrderResources;
  placement: OrderPlacement;
};
export type GetOrderReturnType = Order;

/**
 * An order by id; throws `MarketUnknownOrder` if there is none. The contract stores only what it
 * checks later; the manifest, resources and placement come from the order's `OrderCreated` event
 * (in block `createdBlock`).
 */
export async function getOrder(
  client: NoosReadClient,
  params: GetOrderParameters,
): Promise<GetOrderReturnType> {
  let order: ContractFunctionReturnType<typeof computeMarketAbi, "view", "getOrder">;
  try {
    order = await readContract(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "getOrder",
      args: [params.orderId],
    });
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
  const created = await orderCreatedEvent(
    client,
    params.address,
    params.orderId,
    order.createdBlock,
  );
  return {
    ...order,
    id: params.orderId,
    stateName: orderStateName(order.state),
    manifestCid: created.manifestCid,
    manifestHash: created.manifestHash,
    resources: created.resources,
    placement: created.placement,
  };
}

/** The `OrderCreated` event of `orderId`, emitted in block `block`. */
export async function orderCreatedEvent(
  client: NoosReadClient,
  address: Address,
  orderId: bigint,
  block: bigint,
): Promise<OrderCreatedArgs> {
  const logs = await getContractEvents(client, {
    address,
    abi: computeMarketAbi,
    eventName: "OrderCreated",
    args: { orderId },
    fromBlock: block,
    toBlock: block,
    strict: true,
  });
  const args = logs[0]?.args;
  if (!args) throw new Error(`OrderCreated of order ${orderId} not found in block ${block}`);
  return args;
}
