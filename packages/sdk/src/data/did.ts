import { type Address, getAddress, type Hex, isAddress, sha256, stringToHex } from "viem";
import { BaseError } from "../errors.js";

/** The DID method of Noosphere data assets: `did:noos:<64 hex>`. */
export const DID_PREFIX = "did:noos:";

export type DataDid = `did:noos:${string}`;

export class InvalidDidError extends BaseError {
  constructor(value: string) {
    super(`Invalid data asset DID "${value}": expected did:noos: followed by 64 hex characters.`, {
      name: "InvalidDidError",
    });
  }
}

/**
 * The DID hash of a data NFT, Ocean's did:op rule: sha256 of the NFT's checksummed address
 * followed by the chain id in decimal. The factory computes the same on chain (`didOf`).
 */
export function didHashOf(nft: Address, chainId: number | bigint): Hex {
  if (!isAddress(nft, { strict: false })) throw new BaseError(`Invalid NFT address "${nft}".`);
  return sha256(stringToHex(`${getAddress(nft)}${BigInt(chainId).toString()}`));
}

/** `did:noos:<hex>` of a data NFT on a chain. */
export function didOf(nft: Address, chainId: number | bigint): DataDid {
  return didFromHash(didHashOf(nft, chainId));
}

/** `did:noos:<hex>` from a DID hash (bytes32). */
export function didFromHash(hash: Hex): DataDid {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new InvalidDidError(hash);
  return `${DID_PREFIX}${hash.slice(2).toLowerCase()}`;
}

/** The bytes32 hash in a `did:noos:` DID; throws InvalidDidError on anything else. */
export function parseDid(did: string): Hex {
  const hex = did.startsWith(DID_PREFIX) ? did.slice(DID_PREFIX.length) : "";
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new InvalidDidError(did);
  return `0x${hex.toLowerCase()}`;
}

/** Whether `value` is a well-formed `did:noos:` DID. */
export function isDid(value: string): value is DataDid {
  return value.startsWith(DID_PREFIX) && /^[0-9a-fA-F]{64}$/.test(value.slice(DID_PREFIX.length));
}
