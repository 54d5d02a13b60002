import { type Address, encodeAbiParameters, type Hex, isAddress, isHex, keccak256 } from "viem";
import { InvalidParameterError } from "../../errors.js";
import { type Groth16ProofInput, toGroth16Calldata } from "./calldata.js";
import { toPublicSignals } from "./types.js";

export type ProofCommitmentParameters = {
  /** Who will submit the proof (the commitment only counts for this sender). */
  submitter: Address;
  modelId: bigint;
  proof: Groth16ProofInput;
  publicSignals: readonly (bigint | string | number)[];
  /** 32 random bytes, kept secret until the submission. */
  salt: Hex;
};

/**
 * ProofRegistry's `proofCommitment`, computed locally:
 * keccak256(abi.encode(submitter, modelId, proof[8], publicSignals, salt)).
 */
export function proofCommitment(params: ProofCommitmentParameters): Hex {
  if (!isAddress(params.submitter)) {
    throw new InvalidParameterError({
      field: "submitter",
      expected: "an address",
      received: params.submitter,
    });
  }
  checkSalt(params.salt);
  return keccak256(
    encodeAbiParameters(
      [
        { type: "address" },
        { type: "uint256" },
        { type: "uint256[8]" },
        { type: "uint256[]" },
        { type: "bytes32" },
      ],
      [
        params.submitter,
        params.modelId,
        toGroth16Calldata(params.proof),
        toPublicSignals(params.publicSignals),
        params.salt,
      ],
    ),
  );
}

/** Throws `InvalidParameterError` unless `salt` is 32 bytes of hex. */
export function checkSalt(salt: Hex, field = "salt"): void {
  if (!isHex(salt, { strict: true }) || salt.length !== 66) {
    throw new InvalidParameterError({
      field,
      expected: "a 32-byte hex value (0x + 64 hex digits)",
      received: salt,
    });
  }
}
