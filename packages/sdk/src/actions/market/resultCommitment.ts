import { type Address, encodeAbiParameters, type Hex, keccak256, toBytes } from "viem";

export type ResultCommitmentParameters = {
  leaseId: bigint;
  /** Hash of the result bytes. */
  resultHash: Hex;
  /** Content id of the result. */
  resultCid: string;
  /** 32 random bytes the provider keeps until it reveals (e.g. `toHex(randomBytes(32))`). */
  salt: Hex;
  /** The lease's provider: binds the commitment to it, so nobody else can reuse it. */
  provider: Address;
};

/**
 * The commitment a grouped lease's provider sends with `commitResult`, as
 * ComputeMarket.resultCommitment computes it:
 * `keccak256(abi.encode(leaseId, resultHash, keccak256(bytes(resultCid)), salt, provider))`.
 */
export function resultCommitment(params: ResultCommitmentParameters): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "uint256" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "address" },
      ],
      [
        params.leaseId,
        params.resultHash,
        keccak256(toBytes(params.resultCid)),
        params.salt,
        params.provider,
      ],
    ),
  );
}
