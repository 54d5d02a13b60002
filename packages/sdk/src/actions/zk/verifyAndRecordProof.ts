import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type Groth16ProofInput, toGroth16Calldata } from "./calldata.js";
import { inferenceRecordId, toPublicSignals } from "./types.js";

export type VerifyAndRecordProofParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  /** snarkjs proof JSON ({pi_a, pi_b, pi_c}) or the 8 calldata words. */
  proof: Groth16ProofInput;
  /** The proof's public signals (snarkjs' decimal strings or bigints), in layout order. */
  publicSignals: readonly (bigint | string | number)[];
};
export type VerifyAndRecordProofReturnType = Hash;
/** Reverts decode to `ProofRegistryInvalidProof`, `ProofRegistryAlreadyRecorded`, ... */
export type VerifyAndRecordProofErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Verifies a proof with the model's registered verifier and records (model, input hash, output
 * hash). Simulates first, so an invalid proof throws a named error and costs no gas. The sender is
 * recorded as an uncommitted submitter, which anyone who saw the proof could be: to hold a claim a
 * copier cannot take, use `commitAndRecordProof` (commit, then submit).
 */
export function verifyAndRecordProof(
  client: NoosWalletClient,
  params: VerifyAndRecordProofParameters,
): Promise<VerifyAndRecordProofReturnType> {
  const proof = toGroth16Calldata(params.proof);
  const signals = toPublicSignals(params.publicSignals);
  return simulateAndWrite(client, {
    address: params.address,
    abi: proofRegistryAbi,
    functionName: "verifyAndRecord",
    args: [params.modelId, proof, signals],
  });
}

export type VerifyAndRecordProofAndWaitReturnType = WaitResult & {
  /** keccak256(abi.encode(modelId, inputHash, outputHash)). */
  recordId: Hex;
  event: EventArgs<typeof proofRegistryAbi, "InferenceVerified">;
};

/** `verifyAndRecordProof`, then waits and returns the `InferenceVerified` event and the record id. */
export async function verifyAndRecordProofAndWait(
  client: NoosWalletClient,
  params: VerifyAndRecordProofParameters,
): Promise<VerifyAndRecordProofAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await verifyAndRecordProof(client, params),
    proofRegistryAbi,
  );
  const event = eventArgs(result, proofRegistryAbi, "InferenceVerified");
  return {
    ...result,
    recordId: inferenceRecordId(event.modelId, event.inputHash, event.outputHash),
    event,
  };
}
