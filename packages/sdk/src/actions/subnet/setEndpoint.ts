import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { checkNetuid } from "./types.js";

/** Longest endpoint the registry stores, in bytes. */
export const MAX_ENDPOINT_BYTES = 256;

export type SetEndpointParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  /** Where the neuron serves, e.g. `http://10.0.0.5:8091` (at most 256 bytes). */
  endpoint: string;
};
export type SetEndpointReturnType = Hash;
export type SetEndpointErrorType = InvalidParameterError | ContractRevertError | BaseError;

/** Publishes the caller's endpoint in the subnet (it must be registered there). */
export async function setEndpoint(
  client: NoosWalletClient,
  params: SetEndpointParameters,
): Promise<SetEndpointReturnType> {
  checkNetuid(params.netuid);
  const length = new TextEncoder().encode(params.endpoint).length;
  if (length > MAX_ENDPOINT_BYTES) {
    throw new InvalidParameterError({
      field: "endpoint",
      expected: `at most ${MAX_ENDPOINT_BYTES} bytes`,
      received: `${length} bytes`,
    });
  }
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "setEndpoint",
    args: [params.netuid, params.endpoint],
  });
}

export type SetEndpointAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof subnetRegistryAbi, "EndpointSet">;
};

/** `setEndpoint`, then waits for the `EndpointSet` event. */
export async function setEndpointAndWait(
  client: NoosWalletClient,
  params: SetEndpointParameters,
): Promise<SetEndpointAndWaitReturnType> {
  const result = await waitForEvents(client, await setEndpoint(client, params), subnetRegistryAbi);
  return { ...result, event: eventArgs(result, subnetRegistryAbi, "EndpointSet") };
}
