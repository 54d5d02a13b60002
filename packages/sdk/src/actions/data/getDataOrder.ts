import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { datatokenAbi } from "../../generated/abis.js";

export type GetDataOrderParameters = {
  /** Datatoken address. */
  address: Address;
  orderId: bigint;
};
export type DataOrder = {
  orderId: bigint;
  consumer: Address;
  payer: Address;
  provider: Address;
  serviceIndex: number;
  startedAt: number;
  /** Unix seconds; 2^64-1: never expires. */
  validUntil: bigint;
};
export type GetDataOrderReturnType = DataOrder;

/** One order of a datatoken. */
export async function getDataOrder(
  client: NoosReadClient,
  params: GetDataOrderParameters,
): Promise<GetDataOrderReturnType> {
  try {
    const o = await readContract(client, {
      address: params.address,
      abi: datatokenAbi,
      functionName: "getOrder",
      args: [params.orderId],
    });
    return {
      orderId: params.orderId,
      consumer: o.consumer,
      payer: o.payer,
      provider: o.provider,
      serviceIndex: o.serviceIndex,
      startedAt: Number(o.startedAt),
      validUntil: o.validUntil,
    };
  } catch (err) {
    throw decodeContractError(err, datatokenAbi);
  }
}
