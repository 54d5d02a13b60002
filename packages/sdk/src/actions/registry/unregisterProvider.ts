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

export type UnregisterProviderParameters = {
  /** ProviderRegistry address. */
  address: Address;
};
export type UnregisterProviderReturnType = Hash;
export type UnregisterProviderErrorType = ContractRevertError | BaseError;

/** Removes the caller from the registry. */
export function unregisterProvider(
  client: NoosWalletClient,
  params: UnregisterProviderParameters,
): Promise<UnregisterProviderReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: providerRegistryAbi,
    functionName: "unregister",
    args: [],
  });
}

export type UnregisterProviderAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof providerRegistryAbi, "ProviderUnregistered">;
};

/** `unregisterProvider`, then waits for the receipt and returns the decoded `ProviderUnregistered` event. */
export async function unregisterProviderAndWait(
  client: NoosWalletClient,
  params: UnregisterProviderParameters,
): Promise<UnregisterProviderAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await unregisterProvider(client, params),
    providerRegistryAbi,
  );
  return { ...result, event: eventArgs(result, providerRegistryAbi, "ProviderUnregistered") };
}
