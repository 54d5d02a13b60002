// Fixed-point arithmetic with substrate-fixed v0.6 semantics, on raw bit patterns held in BigInt.
// I32F32 = i64 bits / 2^32 (the epoch's type), I64F64 = i128 bits / 2^64 (stake normalisation,
// moving-average constant), I96F32 = i128 bits / 2^32 (emission). BigInt `>>` is an arithmetic
// shift (floor) and `/` truncates toward zero: exactly the two roundings substrate-fixed uses.

/** One fraction half: I32F32 has 32 fraction bits. */
export const FRAC_BITS = 32n;
/** I32F32 bits of 1.0. */
export const ONE = 1n << 32n;
/** I32F32 bits of 0.5. */
export const HALF = 1n << 31n;
export const I32F32_MAX = (1n << 63n) - 1n;
export const I32F32_MIN = -(1n << 63n);
export const I64F64_ONE = 1n << 64n;
export const I64F64_MAX = (1n << 127n) - 1n;
export const I64F64_MIN = -(1n << 127n);
export const U64_MAX = (1n << 64n) - 1n;
/** I32F32 bits of u16::MAX (65535.0). */
export const U16_MAX_FIXED = 65535n << 32n;

const clamp32 = (x: bigint): bigint =>
  x > I32F32_MAX ? I32F32_MAX : x < I32F32_MIN ? I32F32_MIN : x;
const in32 = (x: bigint): boolean => x <= I32F32_MAX && x >= I32F32_MIN;

/** I32F32 from an integer (saturating). */
export function fromInt(x: bigint | number): bigint {
  return clamp32(BigInt(x) << 32n);
}

/** `saturating_add`. */
export function add(a: bigint, b: bigint): bigint {
  return clamp32(a + b);
}

/** `saturating_sub`. */
export function sub(a: bigint, b: bigint): bigint {
  return clamp32(a - b);
}

/** `saturating_mul`: (a*b) >> 32, floor toward -inf, saturating. */
export function mul(a: bigint, b: bigint): bigint {
  return clamp32((a * b) >> 32n);
}

/** `checked_mul`: null on i64 overflow. */
export function checkedMul(a: bigint, b: bigint): bigint | null {
  const r = (a * b) >> 32n;
  return in32(r) ? r : null;
}

/** `checked_div`: (a << 32) / b truncated toward 0; null on division by 0 or overflow. */
export function checkedDiv(a: bigint, b: bigint): bigint | null {
  if (b === 0n) return null;
  const r = (a << 32n) / b;
  return in32(r) ? r : null;
}

/** `saturating_div`: truncated quotient, saturating on overflow (division by 0 saturates by sign). */
export function saturatingDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) return a === 0n ? 0n : a > 0n ? I32F32_MAX : I32F32_MIN;
  return clamp32((a << 32n) / b);
}

/** `safe_div` (primitives/safe-math): checked_div or 0 (division by 0, overflow). */
export function safeDiv(a: bigint, b: bigint): bigint {
  return checkedDiv(a, b) ?? 0n;
}

export function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

export function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** `round()`: to the nearest integer, ties away from zero (result still I32F32 bits). */
export function round(x: bigint): bigint {
  if (x >= 0n) return ((x + HALF) >> 32n) << 32n;
  return -(((-x + HALF) >> 32n) << 32n);
}

/** `saturating_to_num::<u16>()`: floor, then clamp to [0, 65535]. */
export function toU16(x: bigint): number {
  const i = x >> 32n;
  return i < 0n ? 0 : i > 65535n ? 65535 : Number(i);
}

/** `saturating_to_num::<u64>()` of an I32F32 or I96F32 value: floor, clamp to [0, u64::MAX]. */
export function toU64(x: bigint): bigint {
  const i = x >> 32n;
  return i < 0n ? 0n : i > U64_MAX ? U64_MAX : i;
}

/** `u16_proportion_to_fixed` / `fixed_to_fixed_u16_proportion`: safe_div(x, 65535). */
export function u16ProportionToFixed(x: number | bigint): bigint {
  return safeDiv(BigInt(x) << 32n, U16_MAX_FIXED);
}

/** `fixed_proportion_to_u16`: floor(x * 65535) clamped to [0, 65535]. */
export function fixedProportionToU16(x: bigint): number {
  return toU16(mul(x, U16_MAX_FIXED));
}

/**
 * `from_num(f64)`: nearest I32F32, ties to even (a f64 times 2^32 is exact, so this is the only
 * rounding). Use `fromF32` for Rust `fixed(val: f32)`.
 */
export function fromF64(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`fromF64: ${x} is not finite`);
  const scaled = x * 2 ** 32;
  const fl = Math.floor(scaled);
  const frac = scaled - fl;
  let r = BigInt(fl);
  if (frac > 0.5 || (frac === 0.5 && (r & 1n) === 1n)) r += 1n;
  return clamp32(r);
}

/** Rust `I32F32::from_num(val as f32)`: round to f32 first. */
export function fromF32(x: number): bigint {
  return fromF64(Math.fround(x));
}

/** A readable float of I32F32 bits (for tables and tests only, never for computation). */
export function toF64(x: bigint): number {
  return Number(x) / 2 ** 32;
}

// ---------------------------------------------------------------------------- I64F64

/** `inplace_normalize_64` element: safe_div in I64F64 (0 on division by 0 or overflow). */
export function safeDiv64(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const r = (a << 64n) / b;
  return r <= I64F64_MAX && r >= I64F64_MIN ? r : 0n;
}

/** I64F64 from a u64 (saturating at i64::MAX integer part). */
export function fromU64To64(x: bigint): bigint {
  const v = x << 64n;
  return v > I64F64_MAX ? I64F64_MAX : v;
}

/** `I32F32::saturating_from_num(I64F64)`: drop 32 low bits (floor), saturate. */
export function fixed64To32(x: bigint): bigint {
  return clamp32(x >> 32n);
}

// ---------------------------------------------------------------------------- I96F32

/**
 * Emission: `I96F32::from_num(x) * I96F32::from_num(rao)` then `saturating_to_num::<u64>()`,
 * i.e. floor(x_bits * rao / 2^32) clamped to [0, u64::MAX].
 */
export function emissionToU64(xBits: bigint, rao: bigint): bigint {
  const product = xBits * rao; // I96F32 bits of x * rao (the >>32 of the product cancels rao<<32)
  const i96Max = (1n << 127n) - 1n;
  const sat = product > i96Max ? i96Max : product;
  return toU64(sat);
}

// ---------------------------------------------------------------------------- exp

/** I9F23 bits of `consts::E >> 103` = 22802600, widened to I32F32 (<< 9). */
export const E_I32F32 = 22802600n << 9n;

/**
 * `substrate_fixed::transcendental::exp` for I32F32 → I32F32: Taylor series of |x| with 30 terms
 * (i = 2..31), each term `checked_mul` then `checked_div` by i; 1/result for x < 0. null = Err.
 */
export function expFixed(x: bigint): bigint | null {
  if (x === 0n) return ONE;
  if (x === ONE) return E_I32F32;
  const neg = x < 0n;
  const operand = neg ? -x : x;
  if (!in32(operand)) return null;
  let result = operand + ONE;
  if (!in32(result)) return null;
  let term = operand;
  for (let i = 2n; i < 32n; i++) {
    // term >= 0 here, and once it is 0 every later step leaves it 0: stopping changes nothing.
    if (term === 0n) break;
    const m = checkedMul(term, operand);
    if (m === null) return null;
    term = m / i; // checked_div by the integer i: (m << 32) / (i << 32), truncated
    result += term;
    if (!in32(result)) return null;
  }
  if (neg) return checkedDiv(ONE, result);
  return result;
}

const MINUS_20 = -(20n << 32n);
const PLUS_20 = 20n << 32n;

/** `exp_safe` (epoch/math.rs): clamp to [-20, 20], exp; on Err 0 if x <= 0 else I32F32::MAX. */
export function expSafe(x: bigint): bigint {
  const safe = x < MINUS_20 ? MINUS_20 : x > PLUS_20 ? PLUS_20 : x;
  const r = expFixed(safe);
  if (r !== null) return r;
  return safe <= 0n ? 0n : I32F32_MAX;
}
