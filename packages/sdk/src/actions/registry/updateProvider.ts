import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { providerRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import type { Attribute } from "./types.js";

export type UpdateProviderParameters = {
  /** ProviderRegistry address. */
  address: Address;
  hostUri: string;
  attributes: readonly Attribute[];
};
export type UpdateProviderReturnType = Hash;
export type UpdateProviderErrorType = ContractRevertError | BaseError;

/** Replaces the caller's host URI and attributes. */
export function updateProvider(
  client: NoosWalletClient,
  params: UpdateProviderParameters,
): Promise<UpdateProviderReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: providerRegistryAbi,
    functionName: "update",
    args: [params.hostUri, params.attributes],
  });
}

export type UpdateProviderAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof providerRegistryAbi, "ProviderUpdated">;
};

/** `updateProvider`, then waits for the receipt and returns the decoded `ProviderUpdated` event. */
export async function updateProviderAndWait(
  client: NoosWalletClient,
  params: UpdateProviderParameters,
): Promise<UpdateProviderAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await updateProvider(client, params),
    providerRegistryAbi,
  );
  return { ...result, event: eventArgs(result, providerRegistryAbi, "ProviderUpdated") };
}
