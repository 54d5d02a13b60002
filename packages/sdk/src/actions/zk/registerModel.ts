import { type Address, type Hash, type Hex, isAddress, isHex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { modelRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type ModelLayout, toContractLayout, toFieldElement, validateLayout } from "./types.js";

export type RegisterModelParameters = {
  /** ModelRegistry address. */
  address: Address;
  /** sha256 of the ONNX bytes (0x + 64 hex). */
  onnxHash: Hex;
  /** Hash of settings.json (the CLI uses sha256 of its bytes). */
  settingsHash: Hex;
  /** Deployed Groth16 verifier of the model's circuit. */
  verifier: Address;
  /** Public-signal layout; must match the verifier's signal count. */
  layout: ModelLayout;
  /** Poseidon commitment to the weights: required iff `layout.hasParamHash`. */
  paramCommitment?: bigint | string | undefined;
  /** Model card / artifacts URI or CID. Default "". */
  metadataURI?: string | undefined;
};
export type RegisterModelReturnType = Hash;
export type RegisterModelErrorType = InvalidParameterError | ContractRevertError | BaseError;

/** Checks a 32-byte non-zero hash. */
export function checkHash32(value: Hex, field: string): Hex {
  if (!isHex(value, { strict: true }) || value.length !== 66 || /^0x0+$/.test(value)) {
    throw new InvalidParameterError({
      field,
      expected: "a non-zero 32-byte hex hash (0x + 64 hex digits)",
      received: value,
    });
  }
  return value;
}

/** The commitment for a layout: a non-zero field element iff hashed params, else 0. */
export function checkParamCommitment(
  layout: ModelLayout,
  commitment: bigint | string | undefined,
): bigint {
  const value = commitment === undefined ? 0n : toFieldElement(commitment, "paramCommitment");
  if (layout.hasParamHash !== (value !== 0n)) {
    throw new InvalidParameterError({
      field: "paramCommitment",
      expected: layout.hasParamHash
        ? "the non-zero Poseidon commitment to the weights (hashed params)"
        : "none (0) when params are fixed",
      received: commitment,
    });
  }
  return value;
}

/** Registers a zkML model owned by the caller. The id is in the `ModelRegistered` event. */
export function registerModel(
  client: NoosWalletClient,
  params: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  validateLayout(params.layout);
  if (!isAddress(params.verifier)) {
    throw new InvalidParameterError({
      field: "verifier",
      expected: "a contract address",
      received: params.verifier,
    });
  }
  const registration = {
    onnxHash: checkHash32(params.onnxHash, "onnxHash"),
    settingsHash: checkHash32(params.settingsHash, "settingsHash"),
    verifier: params.verifier,
    paramCommitment: checkParamCommitment(params.layout, params.paramCommitment),
    layout: toContractLayout(params.layout),
    metadataURI: params.metadataURI ?? "",
  };
  return simulateAndWrite(client, {
    address: params.address,
    abi: modelRegistryAbi,
    functionName: "registerModel",
    args: [registration],
  });
}

export type RegisterModelAndWaitReturnType = WaitResult & {
  modelId: bigint;
  event: EventArgs<typeof modelRegistryAbi, "ModelRegistered">;
};

/** `registerModel`, then waits and returns the new model id and its `ModelRegistered` event. */
export async function registerModelAndWait(
  client: NoosWalletClient,
  params: RegisterModelParameters,
): Promise<RegisterModelAndWaitReturnType> {
  const result = await waitForEvents(client, await registerModel(client, params), modelRegistryAbi);
  const event = eventArgs(result, modelRegistryAbi, "ModelRegistered");
  return { ...result, modelId: event.modelId, event };
}
