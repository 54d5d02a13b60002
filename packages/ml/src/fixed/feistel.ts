// R9: keyed Feistel permutation over [0, N) with cycle walking, and the minibatch sample indices.
import { keccakInto, toHex, writeUint256 } from "./hash.js";

const msg = new Uint8Array(96);
const digest = new Uint8Array(32);

export type FeistelParams = { n: number; h: number; mask: number };

export function feistelParams(n: number): FeistelParams {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new RangeError(`feistel: n must be an integer >= 1, got ${n}`);
  let bits = 0;
  while (2 ** bits < n) bits++;
  const h = Math.max(1, Math.ceil(bits / 2));
  return { n, h, mask: 2 ** h - 1 };
}

/** key = keccak256(abi.encode(uint256 seed, uint256 epoch)). */
export function feistelKey(seed: number, epoch: number): Uint8Array {
  writeUint256(msg, 0, seed);
  writeUint256(msg, 32, epoch);
  const key = new Uint8Array(32);
  keccakInto(msg, 0, 64, key, 0);
  return key;
}

function roundF(key: Uint8Array, round: number, r: number, mask: number): number {
  msg.set(key, 0);
  writeUint256(msg, 32, round);
  writeUint256(msg, 64, r);
  keccakInto(msg, 0, 96, digest, 0);
  // mask < 2^27 for any n < 2^53: the low 4 bytes suffice.
  const low =
    (((digest[28] as number) << 24) |
      ((digest[29] as number) << 16) |
      ((digest[30] as number) << 8) |
      (digest[31] as number)) >>>
    0;
  return low & mask;
}

// F(round, R) depends only on (key, round, R) with R < 2^h: memoise it per key (4 * 2^h entries), so a whole
// epoch costs 4 * 2^h hashes instead of ~11 per sample. Pure caching: the values are those of R9.
const tables = new Map<string, Int32Array[]>();
function roundTable(key: Uint8Array, h: number): Int32Array[] {
  const id = `${h}:${toHex(key)}`;
  let t = tables.get(id);
  if (!t) {
    if (tables.size >= 64) tables.clear();
    t = [0, 1, 2, 3].map(() => new Int32Array(2 ** h).fill(-1));
    tables.set(id, t);
  }
  return t;
}

/** perm_key(x) for x in [0, n). */
export function feistelPermute(key: Uint8Array, p: FeistelParams, x: number): number {
  if (!(x >= 0 && x < p.n)) throw new RangeError(`feistel: x must be in [0, ${p.n}), got ${x}`);
  const { h, mask, n } = p;
  const shift = 2 ** h;
  const cache = h <= 16 ? roundTable(key, h) : undefined;
  const F = (round: number, r: number): number => {
    if (!cache) return roundF(key, round, r, mask);
    const tab = cache[round] as Int32Array;
    let v = tab[r] as number;
    if (v < 0) {
      v = roundF(key, round, r, mask);
      tab[r] = v;
    }
    return v;
  };
  do {
    let L = Math.floor(x / shift);
    let R = x & mask;
    for (let round = 0; round < 4; round++) {
      const nl = R;
      R = (L ^ F(round, R)) >>> 0;
      L = nl;
    }
    x = L * shift + R;
  } while (x >= n);
  return x;
}

/** Dataset index of sample i of training step s (R9): g = s B + i, epoch = g / N, perm(g % N). */
export function sampleIndex(
  seed: number,
  n: number,
  batch: number,
  step: number,
  i: number,
): number {
  const g = step * batch + i;
  const epoch = Math.floor(g / n);
  return feistelPermute(feistelKey(seed, epoch), feistelParams(n), g % n);
}

/** The B sample indices of training step s (one key per epoch touched). */
export function batchIndices(seed: number, n: number, batch: number, step: number): number[] {
  const p = feistelParams(n);
  const out: number[] = [];
  let keyEpoch = -1;
  let key: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < batch; i++) {
    const g = step * batch + i;
    const epoch = Math.floor(g / n);
    if (epoch !== keyEpoch) {
      key = feistelKey(seed, epoch);
      keyEpoch = epoch;
    }
    out.push(feistelPermute(key, p, g % n));
  }
  return out;
}
