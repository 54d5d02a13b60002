// Private files of data assets: encrypted to the serving provider's secp256k1 key (the same key as
// its Ethereum account) with ECIES, as Ocean encrypts `files` to the provider named in the NFT's
// metaDataDecryptorAddress. eciesjs (ecies/js, on @noble/curves) does the ECDH + HKDF + AES-256-GCM;
// only the key checks and the store glue are ours.

import { BaseError } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { decrypt, encrypt, PrivateKey, PublicKey } from "eciesjs";
import {
  type Address,
  bytesToHex,
  getAddress,
  type Hex,
  hexToBytes,
  isAddress,
  sha256,
} from "viem";
import { publicKeyToAddress } from "viem/accounts";

/** The provider key a publisher encrypts to: its address (on chain) and its public key (served). */
export type ProviderKey = { address: Address; publicKey: Hex };

export class ProviderKeyMismatchError extends BaseError {
  constructor(publicKey: Hex, expected: Address, actual: Address) {
    super(
      `The provider's public key ${publicKey.slice(0, 12)}… belongs to ${actual}, not to the data's provider ${expected}: refusing to encrypt to it.`,
      { name: "ProviderKeyMismatchError" },
    );
  }
}

export class DecryptionFailedError extends BaseError {
  constructor(cid: string, cause?: unknown) {
    super(
      `Could not decrypt ${cid}: it was not encrypted to this provider's key (or it was altered).`,
      { name: "DecryptionFailedError", cause },
    );
  }
}

export class InvalidPublicKeyError extends BaseError {
  constructor(value: string) {
    super(
      `Invalid provider public key "${value.slice(0, 20)}…": expected 0x04 followed by 128 hex (uncompressed secp256k1) or 0x02/0x03 followed by 64 hex.`,
      { name: "InvalidPublicKeyError" },
    );
  }
}

/** The uncompressed public key (0x04…) of a private key: what a provider serves at GET /data/key. */
export function publicKeyOf(privateKey: Hex): Hex {
  return bytesToHex(new PrivateKey(hexToBytes(privateKey)).publicKey.toBytes(false));
}

/** keccak(pubkey)[12:]: the Ethereum address of a secp256k1 public key (compressed or not). */
export function addressOfPublicKey(publicKey: Hex): Address {
  if (!/^0x(04[0-9a-fA-F]{128}|0[23][0-9a-fA-F]{64})$/.test(publicKey)) {
    throw new InvalidPublicKeyError(publicKey);
  }
  // eciesjs parses either encoding (and rejects points off the curve); hash the uncompressed one.
  let point: Uint8Array;
  try {
    point = PublicKey.fromHex(publicKey.slice(2)).toBytes(false);
  } catch {
    throw new InvalidPublicKeyError(publicKey);
  }
  return publicKeyToAddress(bytesToHex(point));
}

/** Throws unless `key.publicKey` hashes to `key.address` (the data's provider on chain). */
export function checkProviderKey(key: ProviderKey): void {
  if (!isAddress(key.address, { strict: false })) {
    throw new BaseError(`Invalid provider address "${key.address}": expected 0x + 40 hex.`);
  }
  const actual = addressOfPublicKey(key.publicKey);
  if (getAddress(actual) !== getAddress(key.address)) {
    throw new ProviderKeyMismatchError(key.publicKey, getAddress(key.address), actual);
  }
}

/** Encrypts bytes to the provider after checking that its public key is the data's provider's. */
export function encryptForProvider(key: ProviderKey, plaintext: Uint8Array): Uint8Array {
  checkProviderKey(key);
  return encrypt(hexToBytes(key.publicKey), plaintext);
}

/** Decrypts bytes encrypted to this key; DecryptionFailedError when they were not. */
export function decryptWithKey(
  privateKey: Hex,
  ciphertext: Uint8Array,
  label = "data",
): Uint8Array {
  try {
    return decrypt(hexToBytes(privateKey), ciphertext);
  } catch (cause) {
    throw new DecryptionFailedError(label, cause);
  }
}

/** A DDO `files` entry: the CID of the ciphertext, the plaintext's name, size and sha256. */
export type EncryptedFile = { cid: string; name: string; size: number; sha256: Hex };

/**
 * Encrypts a file to the provider and adds the ciphertext to the content store. `size` and `sha256`
 * are the plaintext's, so a buyer can check what the provider streams back.
 */
export async function storeEncrypted(
  store: ContentStore,
  key: ProviderKey,
  plaintext: Uint8Array,
  name: string,
): Promise<EncryptedFile> {
  const added = await store.add(encryptForProvider(key, plaintext));
  return { cid: added.cid, name, size: plaintext.length, sha256: sha256(plaintext) };
}

/** Reads a ciphertext CID from the store and decrypts it with the provider's key. */
export async function readDecrypted(
  store: ContentStore,
  privateKey: Hex,
  file: { cid: string; sha256?: string | undefined },
): Promise<Uint8Array> {
  const plaintext = decryptWithKey(privateKey, await store.get(file.cid), file.cid);
  if (file.sha256 !== undefined && sha256(plaintext) !== file.sha256.toLowerCase()) {
    throw new DecryptionFailedError(file.cid, new Error("plaintext sha256 differs from the DDO's"));
  }
  return plaintext;
}
