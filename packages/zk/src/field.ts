// BN254 scalar field: the field circom and snarkjs work in.
export const FIELD_P =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A signed integer as a field element: negatives become p - |x|. */
export function toField(x: bigint): bigint {
  const r = x % FIELD_P;
  return r < 0n ? r + FIELD_P : r;
}

/** A field element as a signed integer: values above (p-1)/2 are negative. */
export function fromField(x: bigint): bigint {
  const r = toField(x);
  return r > FIELD_P / 2n ? r - FIELD_P : r;
}

/** floor(a / b) for b > 0 (BigInt division truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}
