import { type Address, bytesToHex, type Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import type { Groth16ProofInput } from "./calldata.js";
import { type CommitProofAndWaitReturnType, commitProofAndWait } from "./commitProof.js";
import { proofCommitment } from "./proofCommitment.js";
import {
  type VerifyAndRecordCommittedProofAndWaitReturnType,
  verifyAndRecordCommittedProofAndWait,
} from "./verifyAndRecordCommittedProof.js";

export type CommitAndRecordProofParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  proof: Groth16ProofInput;
  publicSignals: readonly (bigint | string | number)[];
  /** Default: 32 fresh random bytes. */
  salt?: Hex;
};
export type CommitAndRecordProofReturnType = VerifyAndRecordCommittedProofAndWaitReturnType & {
  salt: Hex;
  commitment: Hex;
  committed: CommitProofAndWaitReturnType;
};
export type CommitAndRecordProofErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Commit, then submit, in one call: commits to the proof, waits for that block, then submits it
 * (the submission always lands in a later block). The record then names this account as a
 * committed claimant that no copier of the submission can displace.
 */
export async function commitAndRecordProof(
  client: NoosWalletClient,
  params: CommitAndRecordProofParameters,
): Promise<CommitAndRecordProofReturnType> {
  const salt = params.salt ?? bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
  const commitment = proofCommitment({
    submitter: client.account.address,
    modelId: params.modelId,
    proof: params.proof,
    publicSignals: params.publicSignals,
    salt,
  });
  const committed = await commitProofAndWait(client, { address: params.address, commitment });
  const recorded = await verifyAndRecordCommittedProofAndWait(client, {
    address: params.address,
    modelId: params.modelId,
    proof: params.proof,
    publicSignals: params.publicSignals,
    salt,
  });
  return { ...recorded, salt, commitment, committed };
}
