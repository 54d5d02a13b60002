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

// Nodes of the positional tree by (level, index): level 0 is the root, level d the leaves (the layout
// IOptimisticVerifier's requestNodes / revealNodes use: the data-availability move of a dispute).

/** Node (level, index) of a tree's levels (from merkleLevels: levels[0] leaves, levels[d] root). */
function levelBytes(levels: readonly Uint8Array[], level: number, index: number): Uint8Array {
  const d = levels.length - 1;
  if (!(Number.isSafeInteger(level) && level >= 0 && level <= d))
    throw new RangeError(`merkle: level must be in [0, ${d}], got ${level}`);
  if (!(Number.isSafeInteger(index) && index >= 0 && index < 2 ** level))
    throw new RangeError(
      `merkle: index must be in [0, ${2 ** level}) at level ${level}, got ${index}`,
    );
  return levels[d - level] as Uint8Array;
}

/** Node (level, index): 32 bytes (at level d, a leaf word of 8 big-endian int32). */
export function nodeAt(levels: readonly Uint8Array[], level: number, index: number): Uint8Array {
  const row = levelBytes(levels, level, index);
  return row.slice(32 * index, 32 * index + 32);
}

/** The 2^k nodes at level + k under node (level, index), left to right (k <= d - level). */
export function nodesBelow(
  levels: readonly Uint8Array[],
  level: number,
  index: number,
  k: number,
): Uint8Array[] {
  levelBytes(levels, level, index);
  const d = levels.length - 1;
  if (!(Number.isSafeInteger(k) && k >= 0 && level + k <= d))
    throw new RangeError(`merkle: k must be in [0, ${d - level}] below level ${level}, got ${k}`);
  const row = levels[d - level - k] as Uint8Array;
  const first = index * 2 ** k;
  const nodes: Uint8Array[] = [];
  for (let j = 0; j < 2 ** k; j++) nodes.push(row.slice(32 * (first + j), 32 * (first + j + 1)));
  return nodes;
}

/** Siblings of node (level, index) bottom-up to the root (`level` of them; rootFromProof checks them). */
export function nodeProof(
  levels: readonly Uint8Array[],
  level: number,
  index: number,
): Uint8Array[] {
  levelBytes(levels, level, index);
  const d = levels.length - 1;
  const siblings: Uint8Array[] = [];
  let i = index;
  for (let l = level; l > 0; l--) {
    const s = i ^ 1;
    siblings.push((levels[d - l] as Uint8Array).slice(32 * s, 32 * s + 32));
    i >>= 1;
  }
  return siblings;
}

/** The node 2^k consecutive sibling nodes hash up to (k levels of keccak256(left ++ right)). */
export function hashUp(nodes: readonly Uint8Array[]): Uint8Array {
  let count = nodes.length;
  if (count < 1 || (count & (count - 1)) !== 0)
    throw new RangeError(`merkle: hashUp needs 2^k nodes, got ${count}`);
  const buf = new Uint8Array(32 * count);
  nodes.forEach((n, j) => {
    if (n.length !== 32) throw new RangeError(`merkle: node ${j} has ${n.length} bytes, not 32`);
    buf.set(n, 32 * j);
  });
  for (; count > 1; count >>= 1)
    for (let i = 0; i < count >> 1; i++) keccakInto(buf, 64 * i, 64, buf, 32 * i);
  return buf.slice(0, 32);
}

/** What revealNodes sends for node (level, index): its 2^k nodes at level + k (k = min(K, d - level)) and its proof. */
export type NodeReveal = { k: number; nodes: Uint8Array[]; proof: Uint8Array[] };

/** The reveal of node (level, index) of a tree (levels from merkleLevels), opening up to `maxLevels` levels below it. */
export function nodeReveal(
  levels: readonly Uint8Array[],
  level: number,
  index: number,
  maxLevels: number,
): NodeReveal {
  const d = levels.length - 1;
  if (!(Number.isSafeInteger(maxLevels) && maxLevels >= 1))
    throw new RangeError(`merkle: maxLevels must be >= 1, got ${maxLevels}`);
  if (!(Number.isSafeInteger(level) && level >= 0 && level < d))
    throw new RangeError(`merkle: a reveal's level must be in [0, ${d}), got ${level}`);
  const k = Math.min(maxLevels, d - level);
  return { k, nodes: nodesBelow(levels, level, index, k), proof: nodeProof(levels, level, index) };
}

/** Checks a reveal against the root as the verifier does: the nodes hash up to the node, the node's proof to the root. */
export function verifyReveal(
  root: Uint8Array,
  level: number,
  index: number,
  nodes: readonly Uint8Array[],
  proof: readonly Uint8Array[],
): boolean {
  if (proof.length !== level) return false;
  let node: Uint8Array;
  try {
    node = hashUp(nodes);
  } catch {
    return false;
  }
  const r = rootFromProof(node, index, proof);
  for (let b = 0; b < 32; b++) if (r[b] !== root[b]) return false;
  return true;
}

/**
 * Where two trees' nodes first differ, given the other side's 2^k nodes at level + k under
 * (level, index) and this side's levels: the first differing node's (level + k, index), or, when
 * those are leaves (level + k = d), the first differing element. Undefined when all nodes agree.
 */
export function firstDifferingNode(
  mine: readonly Uint8Array[],
  level: number,
  index: number,
  theirs: readonly Uint8Array[],
): { level: number; index: number; element?: number } | undefined {
  const k = Math.log2(theirs.length);
  if (!Number.isInteger(k)) throw new RangeError(`merkle: ${theirs.length} nodes is not 2^k`);
  const own = nodesBelow(mine, level, index, k);
  const d = mine.length - 1;
  for (let j = 0; j < own.length; j++) {
    const a = own[j] as Uint8Array;
    const b = theirs[j] as Uint8Array;
    let same = true;
    for (let x = 0; x < 32; x++)
      if (a[x] !== b[x]) {
        same = false;
        break;
      }
    if (same) continue;
    const at = { level: level + k, index: index * 2 ** k + j };
    if (at.level < d) return at;
    for (let q = 0; q < 8; q++)
      if (leafElement(a, q) !== leafElement(b, q)) return { ...at, element: 8 * at.index + q };
    return { ...at, element: 8 * at.index };
  }
  return undefined;
}
