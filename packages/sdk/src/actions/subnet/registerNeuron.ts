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
import { checkNetuid } from "./types.js";

export type RegisterNeuronParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  /** Most NOOS wei the caller accepts to burn. Default: the subnet's current registration fee. */
  maxFee?: bigint;
};
export type RegisterNeuronReturnType = Hash;
export type RegisterNeuronErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Registers the caller's account as a hotkey of the subnet, burning the registration fee
 * (approve the registry first). When the subnet is full the non-immune uid with the lowest last
 * emission is replaced.
 */
export async function registerNeuron(
  client: NoosWalletClient,
  params: RegisterNeuronParameters,
): Promise<RegisterNeuronReturnType> {
  checkNetuid(params.netuid);
  const maxFee =
    params.maxFee ??
    (
      await readContract(client, {
        address: params.address,
        abi: subnetRegistryAbi,
        functionName: "getSubnet",
        args: [params.netuid],
      })
    ).hyperparams.registrationFee;
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "registerNeuron",
    args: [params.netuid, maxFee],
  });
}

export type RegisterNeuronAndWaitReturnType = WaitResult & {
  uid: number;
  event: EventArgs<typeof subnetRegistryAbi, "NeuronRegistered">;
};

/** `registerNeuron`, then waits and returns the uid with its `NeuronRegistered` event. */
export async function registerNeuronAndWait(
  client: NoosWalletClient,
  params: RegisterNeuronParameters,
): Promise<RegisterNeuronAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await registerNeuron(client, params),
    subnetRegistryAbi,
  );
  const event = eventArgs(result, subnetRegistryAbi, "NeuronRegistered");
  return { ...result, uid: event.uid, event };
}
