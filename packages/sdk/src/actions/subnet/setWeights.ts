import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { checkNetuid, checkWeights } from "./types.js";

export type SetWeightsParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  /** Target uids, distinct. */
  uids: readonly number[];
  /** Relative u16 weights, one per uid; stored max-upscaled (the largest becomes 65535). */
  values: readonly number[];
  /** Must be >= the subnet's `weightsVersionKey` (when that is non-zero). Default 0. */
  versionKey?: bigint;
};
export type SetWeightsReturnType = Hash;
export type SetWeightsErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Sets the caller's weights on a subnet with commit-reveal off (with it on, use `commitWeights`
 * and `revealWeights`). Needs a validator permit unless it is a single self-weight or the caller
 * owns the subnet.
 */
export async function setWeights(
  client: NoosWalletClient,
  params: SetWeightsParameters,
): Promise<SetWeightsReturnType> {
  checkNetuid(params.netuid);
  checkWeights(params.uids, params.values);
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "setWeights",
    args: [params.netuid, [...params.uids], [...params.values], params.versionKey ?? 0n],
  });
}

export type SetWeightsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof subnetRegistryAbi, "WeightsSet">;
};

/** `setWeights`, then waits for the `WeightsSet` event. */
export async function setWeightsAndWait(
  client: NoosWalletClient,
  params: SetWeightsParameters,
): Promise<SetWeightsAndWaitReturnType> {
  const result = await waitForEvents(client, await setWeights(client, params), subnetRegistryAbi);
  return { ...result, event: eventArgs(result, subnetRegistryAbi, "WeightsSet") };
}
