// Checks signatures of signers seen before against their cached public keys: used by the subnet's
// axon and dendrite (EIP-191 envelopes) and by the x402 paywall (EIP-712 vouchers).
//
// Why hand-written: viem (and noble under it) can only recover the signer (~2.5 ms here, the
// largest cost of a signed request or a paid call) or verify against key bytes, which rebuilds the
// point and its multiplication table at every call. A server sees the same few keys again and
// again: after one recovery that matches the claimed address, the key's point gets a noble
// precomputation table (~20 ms once) and each later check is the plain ECDSA equation on noble's
// point arithmetic, R = (h/s)·G + (r/s)·P, x(R) = r (mod n), about 4x cheaper. A miss or a
// mismatch falls back to recovery, which names the real signer.
import { invert, mod } from "@noble/curves/abstract/modular";
import { secp256k1 } from "@noble/curves/secp256k1";
import { type Address, getAddress, type Hex, hexToBytes, recoverPublicKey } from "viem";
import { publicKeyToAddress } from "viem/accounts";

type Point = InstanceType<typeof secp256k1.ProjectivePoint>;

const N = secp256k1.CURVE.n;
const G = secp256k1.ProjectivePoint.BASE;
const WINDOW = 6;

export type SignerCache = {
  /**
   * The address that signed the 32-byte `digest` when it is `expected`, checked against the
   * cached key; otherwise the recovered signer (recovery also fills the cache). Throws on a
   * signature that cannot be recovered.
   */
  signerOf(digest: Hex, signature: Hex, expected: Address): Promise<Address>;
  readonly size: number;
};

/** `max` keys at most; the least recently used goes first. */
export function createSignerCache(max = 1024): SignerCache {
  const keys = new Map<string, Point>(); // lowercase address -> public key point (insertion = LRU)
  const signerOf = async (digest: Hex, signature: Hex, expected: Address): Promise<Address> => {
    const id = expected.toLowerCase();
    const point = keys.get(id);
    if (point && verifyWithPoint(digest, signature, point)) {
      keys.delete(id);
      keys.set(id, point);
      return getAddress(expected);
    }
    const publicKey = await recoverPublicKey({ hash: digest, signature });
    const signer = publicKeyToAddress(publicKey);
    if (signer.toLowerCase() === id && !point) {
      const p = secp256k1.ProjectivePoint.fromHex(publicKey.slice(2));
      secp256k1.utils.precompute(WINDOW, p);
      keys.set(id, p);
      if (keys.size > max) keys.delete(keys.keys().next().value as string);
    }
    return signer;
  };
  return {
    signerOf,
    get size() {
      return keys.size;
    },
  };
}

/**
 * ECDSA verification of a 65-byte (r, s, v) signature over `digest` against a known key. The
 * point R = (h/s)·G + (r/s)·P is the signer's k·G, so its y parity must match v as well: a
 * signature with a flipped v would verify here but recover to someone else for a third party.
 */
function verifyWithPoint(digest: Hex, signature: Hex, point: Point): boolean {
  try {
    const bytes = hexToBytes(signature);
    if (bytes.length !== 65) return false;
    const v = bytes[64] as number;
    const bit = v === 27 || v === 28 ? v - 27 : v === 0 || v === 1 ? v : -1;
    if (bit < 0) return false;
    const { r, s } = secp256k1.Signature.fromCompact(bytes.subarray(0, 64));
    if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
    const w = invert(s, N);
    const u1 = mod(BigInt(digest) * w, N);
    // multiply(), not multiplyAndAddUnsafe: in noble-curves 1.9.1 the unsafe path gives wrong
    // results on a point with a precomputed table.
    let R = point.multiply(mod(r * w, N));
    if (u1 !== 0n) R = R.add(G.multiply(u1));
    if (R.equals(secp256k1.ProjectivePoint.ZERO)) return false;
    const { x, y } = R.toAffine();
    return x === r && Number(y & 1n) === bit;
  } catch {
    return false;
  }
}
