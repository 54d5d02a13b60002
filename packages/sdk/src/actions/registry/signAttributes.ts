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

export type SignAttributesParameters = {
  /** ProviderRegistry address. */
  address: Address;
  provider: Address;
  attributes: readonly Attribute[];
};
export type SignAttributesReturnType = Hash;
export type SignAttributesErrorType = ContractRevertError | BaseError;

/** The caller, as auditor, signs (replaces) its attribute set for `provider`. */
export function signAttributes(
  client: NoosWalletClient,
  params: SignAttributesParameters,
): Promise<SignAttributesReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: providerRegistryAbi,
    functionName: "signAttributes",
    args: [params.provider, params.attributes],
  });
}

export type SignAttributesAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof providerRegistryAbi, "AttributesSigned">;
};

/** `signAttributes`, then waits for the receipt and returns the decoded `AttributesSigned` event. */
export async function signAttributesAndWait(
  client: NoosWalletClient,
  params: SignAttributesParameters,
): Promise<SignAttributesAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await signAttributes(client, params),
    providerRegistryAbi,
  );
  return { ...result, event: eventArgs(result, providerRegistryAbi, "AttributesSigned") };
}
