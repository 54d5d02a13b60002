import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import { modelRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { checkHash32 } from "./registerModel.js";
import { toFieldElement } from "./types.js";

export type RegisterModelVersionParameters = {
  /** ModelRegistry address. */
  address: Address;
  /** A version of the model (any of its ids); it must have hashed params and be owned by the caller. */
  modelId: bigint;
  /** sha256 of the new ONNX bytes. */
  onnxHash: Hex;
  /** Hash of the new settings.json. */
  settingsHash: Hex;
  /** Poseidon commitment to the new weights (the param-hash signal of its proofs). */
  paramCommitment: bigint | string;
  metadataURI?: string | undefined;
};
export type RegisterModelVersionReturnType = Hash;
export type RegisterModelVersionErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Registers new weights for a hashed-params model: a new model id on the same verifier, whose
 * proofs must carry the new commitment as their param hash.
 */
export function registerModelVersion(
  client: NoosWalletClient,
  params: RegisterModelVersionParameters,
): Promise<RegisterModelVersionReturnType> {
  const commitment = toFieldElement(params.paramCommitment, "paramCommitment");
  return simulateAndWrite(client, {
    address: params.address,
    abi: modelRegistryAbi,
    functionName: "registerVersion",
    args: [
      params.modelId,
      checkHash32(params.onnxHash, "onnxHash"),
      checkHash32(params.settingsHash, "settingsHash"),
      commitment,
      params.metadataURI ?? "",
    ],
  });
}

export type RegisterModelVersionAndWaitReturnType = WaitResult & {
  modelId: bigint;
  version: number;
  event: EventArgs<typeof modelRegistryAbi, "ModelVersionRegistered">;
};

/** `registerModelVersion`, then waits and returns the new version's model id. */
export async function registerModelVersionAndWait(
  client: NoosWalletClient,
  params: RegisterModelVersionParameters,
): Promise<RegisterModelVersionAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await registerModelVersion(client, params),
    modelRegistryAbi,
  );
  const event = eventArgs(result, modelRegistryAbi, "ModelVersionRegistered");
  return { ...result, modelId: event.modelId, version: event.version, event };
}
