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

export type RegisterProviderParameters = {
  /** ProviderRegistry address. */
  address: Address;
  /** Where tenants reach the provider. */
  hostUri: string;
  /** Self-declared attributes (region, cpu, gpu, ...). */
  attributes: readonly Attribute[];
};
export type RegisterProviderReturnType = Hash;
export type RegisterProviderErrorType = ContractRevertError | BaseError;

/** Registers the caller as a provider (needs the minimum provider stake). */
export function registerProvider(
  client: NoosWalletClient,
  params: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: providerRegistryAbi,
    functionName: "register",
    args: [params.hostUri, params.attributes],
  });
}

export type RegisterProviderAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof providerRegistryAbi, "ProviderRegistered">;
};

/** `registerProvider`, then waits for the receipt and returns the decoded `ProviderRegistered` event. */
export async function registerProviderAndWait(
  client: NoosWalletClient,
  params: RegisterProviderParameters,
): Promise<RegisterProviderAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await registerProvider(client, params),
    providerRegistryAbi,
  );
  return { ...result, event: eventArgs(result, providerRegistryAbi, "ProviderRegistered") };
}
