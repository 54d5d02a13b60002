// Fixed-point helpers shared by the compiler, the quantized evaluator and calibration.

/**
 * round(x * 2^scale) with ties rounded away from zero (2.5 -> 3, -2.5 -> -3). Multiplying a
 * double by a power of two is exact, so the only rounding is this one.
 */
export function quantizeValue(x: number, scale: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`cannot quantize ${x}`);
  const v = x * 2 ** scale;
  const r = Math.round(Math.abs(v));
  return BigInt(v < 0 ? -r : r);
}

/** The value a fixed-point integer stands for. */
export function dequantize(q: bigint, scale: number): number {
  return Number(q) / 2 ** scale;
}

/** Smallest B >= 1 with [lo, hi] inside [-2^(B-1), 2^(B-1)). */
export function signedBits(lo: bigint, hi: bigint): number {
  let b = 1;
  while (lo < -(1n << BigInt(b - 1)) || hi >= 1n << BigInt(b - 1)) b++;
  return b;
}

/** Smallest b >= 1 with [0, n] inside [0, 2^b). */
export function unsignedBits(n: bigint): number {
  let b = 1;
  while (n >= 1n << BigInt(b)) b++;
  return b;
}

/** k with 2^k = d, or -1 when d is not a power of two. */
export function log2Exact(d: bigint): number {
  if (d <= 0n || (d & (d - 1n)) !== 0n) return -1;
  let k = 0;
  while (1n << BigInt(k) < d) k++;
  return k;
}

export const absBig = (x: bigint): bigint => (x < 0n ? -x : x);
export const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);
