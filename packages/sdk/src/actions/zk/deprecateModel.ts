import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { modelRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type DeprecateModelParameters = {
  /** ModelRegistry address. */
  address: Address;
  modelId: bigint;
};
export type DeprecateModelReturnType = Hash;
export type DeprecateModelErrorType = ContractRevertError | BaseError;

/** Stops the model from taking proofs, for good (owner only); its records stay. */
export function deprecateModel(
  client: NoosWalletClient,
  params: DeprecateModelParameters,
): Promise<DeprecateModelReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: modelRegistryAbi,
    functionName: "deprecateModel",
    args: [params.modelId],
  });
}

export type DeprecateModelAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof modelRegistryAbi, "ModelDeprecated">;
};

/** `deprecateModel`, then waits for the receipt and returns the decoded `ModelDeprecated` event. */
export async function deprecateModelAndWait(
  client: NoosWalletClient,
  params: DeprecateModelParameters,
): Promise<DeprecateModelAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await deprecateModel(client, params),
    modelRegistryAbi,
  );
  return { ...result, event: eventArgs(result, modelRegistryAbi, "ModelDeprecated") };
}
