import type { Address, Hash } from "viem";
import { readContract } from "viem/actions";
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
import { checkNetuid, type SubnetHyperparams } from "./types.js";

export type SetHyperparamsParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  /** The fields to change; the others keep their current values. */
  hyperparams: Partial<SubnetHyperparams>;
};
export type SetHyperparamsReturnType = Hash;
export type SetHyperparamsErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Changes a subnet's owner-settable hyperparameters (subnet owner or registry admin). Reads the
 * current set and writes it back with `hyperparams` merged in; a value out of its bounds fails
 * with `SubnetParamOutOfRange(netuid, field, value, min, max)`.
 */
export async function setHyperparams(
  client: NoosWalletClient,
  params: SetHyperparamsParameters,
): Promise<SetHyperparamsReturnType> {
  checkNetuid(params.netuid);
  const current = await readContract(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "getSubnet",
    args: [params.netuid],
  });
  const merged: SubnetHyperparams = { ...current.hyperparams, ...params.hyperparams };
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "setHyperparams",
    args: [params.netuid, merged],
  });
}

export type SetHyperparamsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof subnetRegistryAbi, "HyperparamsUpdated">;
};

/** `setHyperparams`, then waits for the `HyperparamsUpdated` event (it carries the full set). */
export async function setHyperparamsAndWait(
  client: NoosWalletClient,
  params: SetHyperparamsParameters,
): Promise<SetHyperparamsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await setHyperparams(client, params),
    subnetRegistryAbi,
  );
  return { ...result, event: eventArgs(result, subnetRegistryAbi, "HyperparamsUpdated") };
}
