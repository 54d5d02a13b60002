// Exact Q16.16 arithmetic (ARITHMETIC.md R1-R7). Every function takes and returns int32 values held in
// JS Numbers and is exact: intermediates stay below 2^53 or are split so that they do (no BigInt in hot paths).

export const FRAC_BITS = 16;
export const ONE = 65536;
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO53 = 9007199254740992;

/** Clamps to [-2^31, 2^31 - 1] (R1). */
export function sat(x: number): number {
  return x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x;
}

/** floor(a / b) for integers |a| < 2^53, 0 < b < 2^53, exact (corrects the float quotient). */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) q -= 1;
  else if (r >= b) q += 1;
  return q;
}

/** floor(a * b / 2^16) exactly for int32 a, b (not saturated). */
export function mulShift(a: number, b: number): number {
  const p = a * b;
  if (p < TWO53 && p > -TWO53) return Math.floor(p / ONE);
  const bl = b & 0xffff;
  const bh = (b - bl) / ONE;
  return a * bh + Math.floor((a * bl) / ONE);
}

/** R3 mul = sat(floorDiv(a * b, 2^16)). */
export function mul(a: number, b: number): number {
  return sat(mulShift(a, b));
}
export function add(a: number, b: number): number {
  return sat(a + b);
}
export function sub(a: number, b: number): number {
  return sat(a - b);
}
export function relu(x: number): number {
  return x > 0 ? x : 0;
}

/** R4 div(a, b) = sat(floorDiv(a * 2^16, b)), b > 0. */
export function div(a: number, b: number): number {
  if (!(b > 0)) throw new RangeError(`div: divisor must be > 0, got ${b}`);
  return sat(floorDiv(a * ONE, b));
}

/** Exact sum_k a[aOff + k] * b[bOff + k] as a BigInt (fallback of dotShift). */
function dotBig(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  k: number,
): bigint {
  let s = 0n;
  for (let i = 0; i < k; i++) s += BigInt(a[aOff + i] as number) * BigInt(b[bOff + i] as number);
  return s;
}

/**
 * floor(sum_k a_k * b_k / 2^16) exactly (R2 before bias and saturation). `bound` (optional) is an upper
 * bound of max|a| * max|b| * k; when it is below 2^53 the float sum is exact and used directly.
 */
export function dotShift(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  k: number,
  bound = Number.POSITIVE_INFINITY,
): number {
  if (bound < TWO53) {
    let s = 0;
    for (let i = 0; i < k; i++) s += (a[aOff + i] as number) * (b[bOff + i] as number);
    return Math.floor(s / ONE);
  }
  const s = dotBig(a, aOff, b, bOff, k);
  // BigInt division truncates toward zero: floor it.
  let q = s / 65536n;
  if (s < 0n && q * 65536n !== s) q -= 1n;
  // q may exceed 2^53: saturate before converting (the caller adds a bias within int32 and saturates).
  if (q > 4503599627370496n) return 4503599627370496;
  if (q < -4503599627370496n) return -4503599627370496;
  return Number(q);
}

/** R2: sat(floorDiv(sum a_k b_k, 2^16) + bias). */
export function dot(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  k: number,
  bias = 0,
): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < k; i++) {
    const x = Math.abs(a[aOff + i] as number);
    const y = Math.abs(b[bOff + i] as number);
    if (x > ma) ma = x;
    if (y > mb) mb = y;
  }
  return sat(dotShift(a, aOff, b, bOff, k, ma * mb * k) + bias);
}

export const LN2_Q = 45426;
export const EXP_COEFFS = [546, 2731, 10923, 32768, 65536, 65536] as const;

/** R5 exp for Q16.16 x (x > 0 is treated as 0). */
export function expQ(x: number): number {
  if (x > 0) x = 0;
  if (x < -16 * ONE) return 0;
  const k = floorDiv(x, LN2_Q);
  const r = x - k * LN2_Q;
  let p = 546;
  p = Math.floor((p * r) / ONE) + 2731;
  p = Math.floor((p * r) / ONE) + 10923;
  p = Math.floor((p * r) / ONE) + 32768;
  p = Math.floor((p * r) / ONE) + 65536;
  p = Math.floor((p * r) / ONE) + 65536;
  return Math.floor(p / 2 ** -k);
}

/**
 * R6 for one row: writes G[c] for c in [0, C) of the row z (offset zOff) with label y and batch size B.
 */
export function softmaxGradRow(
  z: ArrayLike<number>,
  zOff: number,
  C: number,
  y: number,
  B: number,
  out: Int32Array,
  outOff: number,
): void {
  let m = z[zOff] as number;
  for (let c = 1; c < C; c++) if ((z[zOff + c] as number) > m) m = z[zOff + c] as number;
  let s = 0;
  const e = new Array<number>(C);
  for (let c = 0; c < C; c++) {
    const v = expQ(sat((z[zOff + c] as number) - m));
    e[c] = v;
    s += v;
  }
  for (let c = 0; c < C; c++) {
    const p = div(e[c] as number, s);
    out[outOff + c] = floorDiv(p - (c === y ? ONE : 0), B);
  }
}

/** R6 for a single element (what the referee computes). */
export function softmaxGradElement(z: ArrayLike<number>, y: number, c: number, B: number): number {
  const C = z.length;
  const out = new Int32Array(C);
  softmaxGradRow(z, 0, C, y, B, out, 0);
  return out[c] as number;
}

/** R7 momentum: v' = add(mul(MU, v), g). */
export function momentum(mu: number, v: number, g: number): number {
  return add(mul(mu, v), g);
}
/** R7 update: w' = sub(w, mul(LR, v')). */
export function update(lr: number, w: number, v: number): number {
  return sub(w, mul(lr, v));
}

/** Q16.16 of a real number, rounded to nearest (for building specs and inputs; not part of the rules). */
export function toQ(x: number): number {
  return sat(Math.round(x * ONE));
}
export function fromQ(q: number): number {
  return q / ONE;
}
