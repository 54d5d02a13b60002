import { type Address, type Hash, type Hex, isHex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type CommitProofParameters = {
  /** ProofRegistry address. */
  address: Address;
  /** `proofCommitment({ submitter: <this account>, modelId, proof, publicSignals, salt })`. */
  commitment: Hex;
};
export type CommitProofReturnType = Hash;
/** Reverts decode to `ProofRegistryCommitmentExists`. */
export type CommitProofErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Commits to a proof before submitting it (commit, then submit): the record's claim then dates
 * from this block, so no one who copies the proof from the submission can take it. Submit with
 * `verifyAndRecordCommittedProof` in a later block.
 */
export function commitProof(
  client: NoosWalletClient,
  params: CommitProofParameters,
): Promise<CommitProofReturnType> {
  if (!isHex(params.commitment, { strict: true }) || params.commitment.length !== 66) {
    throw new InvalidParameterError({
      field: "commitment",
      expected: "a 32-byte hex value (0x + 64 hex digits)",
      received: params.commitment,
    });
  }
  return simulateAndWrite(client, {
    address: params.address,
    abi: proofRegistryAbi,
    functionName: "commitProof",
    args: [params.commitment],
  });
}

export type CommitProofAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof proofRegistryAbi, "ProofCommitted">;
};

/** `commitProof`, then waits and returns the `ProofCommitted` event (its block is the claim's). */
export async function commitProofAndWait(
  client: NoosWalletClient,
  params: CommitProofParameters,
): Promise<CommitProofAndWaitReturnType> {
  const result = await waitForEvents(client, await commitProof(client, params), proofRegistryAbi);
  return { ...result, event: eventArgs(result, proofRegistryAbi, "ProofCommitted") };
}
