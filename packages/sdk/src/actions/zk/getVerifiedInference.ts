import { type Address, type Hex, isHex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError, InvalidParameterError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";

export type GetVerifiedInferenceParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  /** The statement's input hash (hashed-input signal, keccak of public inputs, or 0x00..00 for private input). */
  inputHash: Hex;
};
export type VerifiedInference = {
  recordId: Hex;
  modelId: bigint;
  inputHash: Hex;
  /** Hashed-output signal, or keccak256 of the public outputs packed as 32-byte words. */
  outputHash: Hex;
  /**
   * Who holds the claim to this statement. Only meaningful when `committed`: then it committed to
   * the proof before anyone else who submitted it here (commit, then submit). Otherwise it is just
   * the first sender, possibly a copier of someone else's proof: never pay or credit by it.
   */
  submitter: Address;
  /** Whether `submitter` is a committed claim (see `submitter`). */
  committed: boolean;
  verifiedAt: bigint;
};
export type GetVerifiedInferenceReturnType = VerifiedInference | null;

/** The latest verified output for (model, input hash), or null if none was recorded. */
export async function getVerifiedInference(
  client: NoosReadClient,
  params: GetVerifiedInferenceParameters,
): Promise<GetVerifiedInferenceReturnType> {
  if (!isHex(params.inputHash, { strict: true }) || params.inputHash.length !== 66) {
    throw new InvalidParameterError({
      field: "inputHash",
      expected: "a 32-byte hex value (0x + 64 hex digits)",
      received: params.inputHash,
    });
  }
  try {
    const inference = await readContract(client, {
      address: params.address,
      abi: proofRegistryAbi,
      functionName: "latestInference",
      args: [params.modelId, params.inputHash],
    });
    if (inference.verifiedAt === 0n) return null;
    return {
      recordId: inference.recordId,
      modelId: params.modelId,
      inputHash: params.inputHash,
      outputHash: inference.outputHash,
      submitter: inference.submitter,
      committed: inference.committed,
      verifiedAt: BigInt(inference.verifiedAt),
    };
  } catch (err) {
    throw decodeContractError(err, proofRegistryAbi);
  }
}
