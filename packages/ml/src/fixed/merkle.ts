// R10: tensor Merkle trees over 32-byte leaves of 8 big-endian int32 each, keccak256(left ++ right) nodes.
import type { Hex } from "viem";
import { keccakInto, toHex } from "./hash.js";

/** d = ceil(log2(ceil(n / 8))) (0 when n <= 8). */
export function depthOf(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`merkle: element count must be >= 1, got ${n}`);
  const leaves = Math.ceil(n / 8);
  let d = 0;
  while (2 ** d < leaves) d++;
  return d;
}

/** Elements in the padded tree: 8 * 2^d (what the referee's numElements returns). */
export function capacityOf(n: number): number {
  return 8 * 2 ** depthOf(n);
}

/** Writes the padded leaves of `values` (big-endian int32, zero padding) into a new buffer of 32 * 2^d bytes. */
export function leafBytes(values: Int32Array): Uint8Array {
  const d = depthOf(values.length);
  const buf = new Uint8Array(32 * 2 ** d);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i] as number, false);
  return buf;
}

let scratch = new Uint8Array(32 * 256);

/** Root of a tensor (bytes). */
export function tensorRootBytes(values: Int32Array): Uint8Array {
  const d = depthOf(values.length);
  const size = 32 * 2 ** d;
  if (scratch.length < size) scratch = new Uint8Array(size);
  const buf = scratch;
  buf.fill(0, 0, size);
  const view = new DataView(buf.buffer, buf.byteOffset, size);
  for (let i = 0; i < values.length; i++) view.setInt32(4 * i, values[i] as number, false);
  for (let count = 2 ** d; count > 1; count >>= 1) {
    const parents = count >> 1;
    for (let i = 0; i < parents; i++) keccakInto(buf, 64 * i, 64, buf, 32 * i);
  }
  return buf.slice(0, 32);
}

export function tensorRoot(values: Int32Array): Hex {
  return toHex(tensorRootBytes(values));
}

/** All levels of a tensor's tree: levels[0] = leaves, levels[d] = root (32 bytes each node). */
export function merkleLevels(values: Int32Array): Uint8Array[] {
  const levels: Uint8Array[] = [leafBytes(values)];
  let cur = levels[0] as Uint8Array;
  while (cur.length > 32) {
    const next = new Uint8Array(cur.length / 2);
    for (let i = 0; i < next.length / 32; i++) keccakInto(cur, 64 * i, 64, next, 32 * i);
    levels.push(next);
    cur = next;
  }
  return levels;
}

/** Leaf `index` and its siblings bottom-up, from the levels of merkleLevels. */
export function merkleProof(
  levels: Uint8Array[],
  index: number,
): { leaf: Uint8Array; siblings: Uint8Array[] } {
  const leaves = levels[0] as Uint8Array;
  if (!(index >= 0 && index < leaves.length / 32))
    throw new RangeError(`merkle: leaf index ${index} out of range`);
  const leaf = leaves.slice(32 * index, 32 * index + 32);
  const siblings: Uint8Array[] = [];
  let i = index;
  for (let l = 0; l < levels.length - 1; l++) {
    const s = i ^ 1;
    siblings.push((levels[l] as Uint8Array).slice(32 * s, 32 * s + 32));
    i >>= 1;
  }
  return { leaf, siblings };
}

const pair = new Uint8Array(64);

/** Root implied by a leaf, its index and its siblings (bottom-up, position bits LSB first). */
export function rootFromProof(
  leaf: Uint8Array,
  index: number,
  siblings: readonly Uint8Array[],
): Uint8Array {
  let node = leaf.slice(0, 32);
  let i = index;
  for (const s of siblings) {
    if (i % 2 === 1) {
      pair.set(s, 0);
      pair.set(node, 32);
    } else {
      pair.set(node, 0);
      pair.set(s, 32);
    }
    node = new Uint8Array(32);
    keccakInto(pair, 0, 64, node, 0);
    i = Math.floor(i / 2);
  }
  return node;
}

export function verifyProof(
  leaf: Uint8Array,
  index: number,
  siblings: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const r = rootFromProof(leaf, index, siblings);
  for (let k = 0; k < 32; k++) if (r[k] !== root[k]) return false;
  return true;
}

/** Element q (0..7) of a leaf word. */
export function leafElement(leaf: Uint8Array, q: number): number {
  return new DataView(leaf.buffer, leaf.byteOffset, 32).getInt32(4 * q, false);
}

const rootCache = new WeakMap<Int32Array, Uint8Array>();

/** tensorRootBytes memoised per array object (tensors are never mutated once built: weights, inputs, op outputs). */
export function cachedRootBytes(values: Int32Array): Uint8Array {
  let r = rootCache.get(values);
  if (!r) {
    r = tensorRootBytes(values);
    rootCache.set(values, r);
  }
  return r;
}
