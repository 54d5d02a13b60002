// Commit-reveal for replica groups (redundant verification): the provider of a grouped lease first
// commits to `keccak256(abi.encode(leaseId, resultHash, keccak256(bytes(resultCid)), salt,
// provider))`, and reveals the result only once every replica of the group has committed (or
// ended). No replica can copy another's result: nothing is public before everyone is bound. The
// salt is random and kept in the provider's state file before the commit is sent, so a restart
// can still reveal (a lost salt would fail the lease at the end of the reveal window).
import { randomBytes } from "node:crypto";
import { type Address, encodeAbiParameters, type Hex, keccak256, toBytes } from "viem";

/** A fresh 32-byte salt. */
export function newSalt(): Hex {
  return `0x${randomBytes(32).toString("hex")}`;
}

/** The commitment ComputeMarket.resultCommitment computes for the same values. */
export function resultCommitment(p: {
  leaseId: bigint;
  resultHash: Hex;
  resultCid: string;
  salt: Hex;
  provider: Address;
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "uint256" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "bytes32" },
        { type: "address" },
      ],
      [p.leaseId, p.resultHash, keccak256(toBytes(p.resultCid)), p.salt, p.provider],
    ),
  );
}
