import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type Groth16ProofInput, toGroth16Calldata } from "./calldata.js";
import { checkSalt } from "./proofCommitment.js";
import { toPublicSignals } from "./types.js";

export type VerifyAndRecordCommittedProofParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  /** The proof committed to (exactly these bytes). */
  proof: Groth16ProofInput;
  publicSignals: readonly (bigint | string | number)[];
  /** The salt of the commitment. */
  salt: Hex;
};
export type VerifyAndRecordCommittedProofReturnType = Hash;
/**
 * Reverts decode to `ProofRegistryNoCommitment`, `ProofRegistryCommitmentTooRecent`,
 * `ProofRegistryClaimNotEarlier`, `ProofRegistryInvalidProof`, ...
 */
export type VerifyAndRecordCommittedProofErrorType =
  | InvalidParameterError
  | ContractRevertError
  | BaseError;

/**
 * Submits a proof the sender committed to in an earlier block (`commitProof`): verifies it and
 * gives the sender the statement's claim from the commitment's block, recording the statement if
 * it is new or taking the claim over from a later one (e.g. a copier that sent the proof first).
 */
export function verifyAndRecordCommittedProof(
  client: NoosWalletClient,
  params: VerifyAndRecordCommittedProofParameters,
): Promise<VerifyAndRecordCommittedProofReturnType> {
  checkSalt(params.salt);
  const proof = toGroth16Calldata(params.proof);
  const signals = toPublicSignals(params.publicSignals);
  return simulateAndWrite(client, {
    address: params.address,
    abi: proofRegistryAbi,
    functionName: "verifyAndRecordCommitted",
    args: [params.modelId, proof, signals, params.salt],
  });
}

export type VerifyAndRecordCommittedProofAndWaitReturnType = WaitResult & {
  recordId: Hex;
  /** The claim: submitter, its previous holder (zero address for a new record), claim block. */
  claim: EventArgs<typeof proofRegistryAbi, "InferenceClaimed">;
  /** The `InferenceVerified` event when the statement was new; undefined for a claim takeover. */
  verified: EventArgs<typeof proofRegistryAbi, "InferenceVerified"> | undefined;
};

/** `verifyAndRecordCommittedProof`, then waits and returns the claim and (if new) the record. */
export async function verifyAndRecordCommittedProofAndWait(
  client: NoosWalletClient,
  params: VerifyAndRecordCommittedProofParameters,
): Promise<VerifyAndRecordCommittedProofAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await verifyAndRecordCommittedProof(client, params),
    proofRegistryAbi,
  );
  const claim = eventArgs(result, proofRegistryAbi, "InferenceClaimed");
  return {
    ...result,
    recordId: claim.recordId,
    claim,
    verified: findEventArgs(result, proofRegistryAbi, "InferenceVerified"),
  };
}
