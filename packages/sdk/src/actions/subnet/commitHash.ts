import { type Address, bytesToHex, encodeAbiParameters, type Hex, isHex, keccak256 } from "viem";
import { InvalidParameterError } from "../../errors.js";
import { checkNetuid, checkWeights } from "./types.js";

export type WeightsCommitHashParameters = {
  /** The committing hotkey (the account that will reveal). */
  hotkey: Address;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  /** 32 random bytes, kept secret until the reveal. */
  salt: Hex;
  /** Default 0. */
  versionKey?: bigint;
};

/**
 * The hash `commitWeights` stores, computed exactly as the contract does:
 * keccak256(abi.encode(hotkey, netuid, uint16[] uids, uint16[] values, bytes32 salt, uint64 versionKey)).
 */
export function computeWeightsCommitHash(params: WeightsCommitHashParameters): Hex {
  checkNetuid(params.netuid);
  checkWeights(params.uids, params.values);
  if (!isHex(params.salt) || params.salt.length !== 66) {
    throw new InvalidParameterError({
      field: "salt",
      expected: "32 bytes as 0x-hex",
      received: params.salt,
    });
  }
  return keccak256(
    encodeAbiParameters(
      [
        { type: "address" },
        { type: "uint16" },
        { type: "uint16[]" },
        { type: "uint16[]" },
        { type: "bytes32" },
        { type: "uint64" },
      ],
      [
        params.hotkey,
        params.netuid,
        [...params.uids],
        [...params.values],
        params.salt,
        params.versionKey ?? 0n,
      ],
    ),
  );
}

/** A fresh random 32-byte salt for a weight commit. */
export function generateWeightsSalt(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}
