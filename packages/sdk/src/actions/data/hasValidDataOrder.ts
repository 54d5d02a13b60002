import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { datatokenAbi } from "../../generated/abis.js";

export type HasValidDataOrderParameters = {
  /** Datatoken address. */
  address: Address;
  consumer: Address;
  serviceIndex?: number | undefined;
};
export type HasValidDataOrderReturnType = { valid: boolean; orderId: bigint };

/** Whether `consumer`'s latest order for the service is still valid (what a provider checks before serving). */
export async function hasValidDataOrder(
  client: NoosReadClient,
  params: HasValidDataOrderParameters,
): Promise<HasValidDataOrderReturnType> {
  const service = params.serviceIndex ?? 0;
  try {
    const [valid, orderId] = await Promise.all([
      readContract(client, {
        address: params.address,
        abi: datatokenAbi,
        functionName: "hasValidOrder",
        args: [params.consumer, service],
      }),
      readContract(client, {
        address: params.address,
        abi: datatokenAbi,
        functionName: "latestOrder",
        args: [params.consumer, service],
      }),
    ]);
    return { valid, orderId };
  } catch (err) {
    throw decodeContractError(err, datatokenAbi);
  }
}
