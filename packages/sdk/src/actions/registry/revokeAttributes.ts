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

export type RevokeAttributesParameters = {
  /** ProviderRegistry address. */
  address: Address;
  provider: Address;
};
export type RevokeAttributesReturnType = Hash;
export type RevokeAttributesErrorType = ContractRevertError | BaseError;

/** The caller, as auditor, withdraws its attribute set for `provider`. */
export function revokeAttributes(
  client: NoosWalletClient,
  params: RevokeAttributesParameters,
): Promise<RevokeAttributesReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: providerRegistryAbi,
    functionName: "revokeAttributes",
    args: [params.provider],
  });
}

export type RevokeAttributesAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof providerRegistryAbi, "AttributesRevoked">;
};

/** `revokeAttributes`, then waits for the receipt and returns the decoded `AttributesRevoked` event. */
export async function revokeAttributesAndWait(
  client: NoosWalletClient,
  params: RevokeAttributesParameters,
): Promise<RevokeAttributesAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await revokeAttributes(client, params),
    providerRegistryAbi,
  );
  return { ...result, event: eventArgs(result, providerRegistryAbi, "AttributesRevoked") };
}
