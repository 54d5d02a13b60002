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

export type UpdateModelMetadataParameters = {
  /** ModelRegistry address. */
  address: Address;
  modelId: bigint;
  metadataURI: string;
};
export type UpdateModelMetadataReturnType = Hash;
export type UpdateModelMetadataErrorType = ContractRevertError | BaseError;

/** Replaces the model's metadata URI (owner only). */
export function updateModelMetadata(
  client: NoosWalletClient,
  params: UpdateModelMetadataParameters,
): Promise<UpdateModelMetadataReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: modelRegistryAbi,
    functionName: "updateMetadata",
    args: [params.modelId, params.metadataURI],
  });
}

export type UpdateModelMetadataAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof modelRegistryAbi, "ModelMetadataUpdated">;
};

/** `updateModelMetadata`, then waits for the receipt and returns the decoded `ModelMetadataUpdated` event. */
export async function updateModelMetadataAndWait(
  client: NoosWalletClient,
  params: UpdateModelMetadataParameters,
): Promise<UpdateModelMetadataAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await updateModelMetadata(client, params),
    modelRegistryAbi,
  );
  return { ...result, event: eventArgs(result, modelRegistryAbi, "ModelMetadataUpdated") };
}
