// Sparse vector/matrix primitives of subtensor's epoch/math.rs, on I32F32 bits (bigint).
// A sparse row is a list of (column, value) kept in stored order; functions that densify a row
// (EMA, interpolation) emit ascending columns, as the Rust code does. Where Rust densifies a
// whole n-wide row only to emit its non-zero cells, we visit the touched columns only: same cells,
// same order, O(nnz) instead of O(n^2).
import {
  add,
  checkedMul,
  fixedProportionToU16,
  max as fmax,
  min as fmin,
  fromInt,
  mul,
  ONE,
  round,
  safeDiv,
  sub,
  toU16,
  U16_MAX_FIXED,
} from "./fixed.js";

export type FixedRow = Array<[number, bigint]>;
export type FixedMatrix = FixedRow[];

/** Plain sum (Rust `iter().sum()` on fixed values is exact addition). */
export function sum(x: readonly bigint[]): bigint {
  let s = 0n;
  for (const v of x) s += v;
  return s;
}

/** `inplace_normalize` (returns a new vector): x_i / Σx with safe_div; unchanged if Σx == 0. */
export function normalize(x: readonly bigint[]): bigint[] {
  const s = sum(x);
  if (s === 0n) return x.slice();
  return x.map((v) => safeDiv(v, s));
}

/** `inplace_normalize_using_sum`. */
export function normalizeUsingSum(x: readonly bigint[], s: bigint): bigint[] {
  if (s === 0n) return x.slice();
  return x.map((v) => safeDiv(v, s));
}

/**
 * `is_topk_nonzero`: true for non-zero entries, then (when n >= k) the n-k smallest entries are
 * cleared, smallest first by a stable ascending sort (ties: lower index loses).
 */
export function isTopkNonzero(v: readonly bigint[], k: number): boolean[] {
  const n = v.length;
  const res = v.map((x) => x !== 0n);
  if (n < k) return res;
  const idx = v.map((_, i) => i);
  idx.sort((a, b) => {
    const va = v[a] as bigint;
    const vb = v[b] as bigint;
    return va < vb ? -1 : va > vb ? 1 : a - b;
  });
  for (let t = 0; t < n - k; t++) res[idx[t] as number] = false;
  return res;
}

/** `inplace_row_normalize_sparse`: each row / its sum when the sum is > 0. */
export function rowNormalizeSparse(m: FixedMatrix): FixedMatrix {
  return m.map((row) => {
    let s = 0n;
    for (const [, v] of row) s += v;
    if (s <= 0n) return row.slice();
    return row.map(([j, v]) => [j, safeDiv(v, s)] as [number, bigint]);
  });
}

/** `row_sum_sparse`. */
export function rowSumSparse(m: FixedMatrix): bigint[] {
  return m.map((row) => {
    let s = 0n;
    for (const [, v] of row) s += v;
    return s;
  });
}

/** `inplace_col_normalize_sparse`: columns sum to 1 (saturating column sums); zero columns kept. */
export function colNormalizeSparse(m: FixedMatrix, columns: number): FixedMatrix {
  const colSum = new Array<bigint>(columns).fill(0n);
  for (const row of m) for (const [j, v] of row) colSum[j] = add(colSum[j] as bigint, v);
  return m.map((row) =>
    row.map(([j, v]) => {
      const s = colSum[j] as bigint;
      return [j, s === 0n ? v : safeDiv(v, s)] as [number, bigint];
    }),
  );
}

/** `inplace_col_max_upscale_sparse`: each column / its max (columns with max 0 untouched). */
export function colMaxUpscaleSparse(m: FixedMatrix, columns: number): FixedMatrix {
  const colMax = new Array<bigint>(columns).fill(0n);
  for (const row of m) for (const [j, v] of row) if ((colMax[j] as bigint) < v) colMax[j] = v;
  return m.map((row) =>
    row.map(([j, v]) => {
      const mx = colMax[j] as bigint;
      return [j, mx === 0n ? v : safeDiv(v, mx)] as [number, bigint];
    }),
  );
}

/** `mask_rows_sparse`: masked rows become []. */
export function maskRowsSparse(mask: readonly boolean[], m: FixedMatrix): FixedMatrix {
  return m.map((row, i) => (mask[i] ? [] : row.slice()));
}

/** `mask_diag_sparse` / `mask_diag_sparse_except_index`. */
export function maskDiagSparse(m: FixedMatrix, exceptIndex: number | null): FixedMatrix {
  return m.map((row, i) =>
    row.filter(([j]) => j !== i || (exceptIndex !== null && i === exceptIndex)),
  );
}

/** `vec_mask_sparse_matrix`: drop (i, j) where maskFn(first[i], second[j]). */
export function vecMaskSparseMatrix(
  m: FixedMatrix,
  first: readonly bigint[],
  second: readonly bigint[],
  maskFn: (a: bigint, b: bigint) => boolean,
): FixedMatrix {
  return m.map((row, i) => row.filter(([j]) => !maskFn(first[i] as bigint, second[j] as bigint)));
}

/** `scalar_vec_mask_sparse_matrix`: drop (i, j) where maskFn(scalar, vector[j]). */
export function scalarVecMaskSparseMatrix(
  m: FixedMatrix,
  scalar: bigint,
  vector: readonly bigint[],
  maskFn: (a: bigint, b: bigint) => boolean,
): FixedMatrix {
  return m.map((row) => row.filter(([j]) => !maskFn(scalar, vector[j] as bigint)));
}

/** `row_hadamard_sparse`: w_ij * v_i. */
export function rowHadamardSparse(m: FixedMatrix, v: readonly bigint[]): FixedMatrix {
  return m.map((row, i) => row.map(([j, x]) => [j, mul(x, v[i] as bigint)] as [number, bigint]));
}

/** `matmul_sparse`: r_j = Σ_i v_i * m_ij (each product floored, saturating sums). */
export function matmulSparse(m: FixedMatrix, v: readonly bigint[], columns: number): bigint[] {
  const r = new Array<bigint>(columns).fill(0n);
  m.forEach((row, i) => {
    const vi = v[i] as bigint;
    for (const [j, x] of row) r[j] = add(r[j] as bigint, mul(vi, x));
  });
  return r;
}

/** `matmul_transpose_sparse`: r_i = Σ_j v_j * m_ij. */
export function matmulTransposeSparse(m: FixedMatrix, v: readonly bigint[]): bigint[] {
  return m.map((row) => {
    let s = 0n;
    for (const [j, x] of row) s = add(s, mul(v[j] as bigint, x));
    return s;
  });
}

/** `col_clip_sparse`: w > C_j becomes C_j, or is dropped when C_j == 0. */
export function colClipSparse(m: FixedMatrix, threshold: readonly bigint[]): FixedMatrix {
  return m.map((row) => {
    const out: FixedRow = [];
    for (const [j, v] of row) {
      const c = threshold[j] as bigint;
      if (c < v) {
        if (0n < c) out.push([j, c]);
      } else out.push([j, v]);
    }
    return out;
  });
}

/**
 * `weighted_median`: deterministic mid-pivot partition over `idx` (indices into stake/score).
 * Returns the pivot where the stake below it is <= minority < stake not above it.
 */
export function weightedMedian(
  stake: readonly bigint[],
  score: readonly bigint[],
  partition: readonly number[],
  minority: bigint,
  partitionLo: bigint,
  partitionHi: bigint,
): bigint {
  let idx = partition;
  let lo = partitionLo;
  let hi = partitionHi;
  const limit = partition.length;
  for (let iter = 0; iter <= limit; iter++) {
    const n = idx.length;
    if (n === 0) return 0n;
    if (n === 1) return score[idx[0] as number] as bigint;
    const pivot = score[idx[n >> 1] as number] as bigint;
    let loStake = 0n;
    let hiStake = 0n;
    const lower: number[] = [];
    const upper: number[] = [];
    for (const k of idx) {
      const s = score[k] as bigint;
      if (s === pivot) continue;
      if (s < pivot) {
        loStake = add(loStake, stake[k] as bigint);
        lower.push(k);
      } else {
        hiStake = add(hiStake, stake[k] as bigint);
        upper.push(k);
      }
    }
    if (minority < add(lo, loStake) && lower.length > 0) {
      hi = add(lo, loStake);
      idx = lower;
    } else if (sub(hi, hiStake) <= minority && upper.length > 0) {
      lo = sub(hi, hiStake);
      idx = upper;
    } else return pivot;
  }
  return 0n;
}

/**
 * `weighted_median_col_sparse`: per column, the stake-weighted median of the scores of the
 * validators with positive stake (missing entries score 0), with minority = Σstake − majority.
 */
export function weightedMedianColSparse(
  stake: readonly bigint[],
  score: FixedMatrix,
  columns: number,
  majority: bigint,
): bigint[] {
  const useStake = normalize(stake.filter((s) => s > 0n));
  const m = useStake.length;
  const stakeSum = sum(useStake);
  const minority = sub(stakeSum, majority);
  const idx = useStake.map((_, k) => k);
  // use_score[c][k]: column-major so each median reads one contiguous vector.
  const useScore: bigint[][] = Array.from({ length: columns }, () => new Array<bigint>(m).fill(0n));
  let k = 0;
  stake.forEach((s, r) => {
    if (s <= 0n) return;
    for (const [c, v] of score[r] ?? []) {
      const col = useScore[c];
      if (col) col[k] = v;
    }
    k++;
  });
  return useScore.map((col) => weightedMedian(useStake, col, idx, minority, 0n, stakeSum));
}

/**
 * `interpolate_sparse`: ratio 0 → mat1, ratio 1 → mat2, else per cell m1 + ratio*(m2 - m1) on
 * a densified row (duplicate cells: last wins), keeping cells > 0 in ascending column order.
 */
export function interpolateSparse(
  mat1: FixedMatrix,
  mat2: FixedMatrix,
  columns: number,
  ratio: bigint,
): FixedMatrix {
  if (ratio === 0n) return mat1.map((r) => r.slice());
  if (ratio === ONE) return mat2.map((r) => r.slice());
  return mat1.map((row1, i) => {
    const a = new Map<number, bigint>();
    const b = new Map<number, bigint>();
    for (const [j, v] of row1) if (j < columns) a.set(j, v);
    for (const [j, v] of mat2[i] ?? []) if (j < columns) b.set(j, v);
    const cols = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
    const out: FixedRow = [];
    for (const j of cols) {
      const v1 = a.get(j) ?? 0n;
      const v2 = b.get(j) ?? 0n;
      const interp = add(v1, mul(ratio, sub(v2, v1)));
      if (0n < interp) out.push([j, interp]);
    }
    return out;
  });
}

/**
 * `mat_ema_sparse`: α·new + (1−α)·old accumulated per cell (duplicates add), cells > 0 kept,
 * ascending columns. Cells at columns >= rows are ignored as in Rust (row of width n).
 */
export function matEmaSparse(newM: FixedMatrix, oldM: FixedMatrix, alpha: bigint): FixedMatrix {
  const n = newM.length;
  const oneMinusAlpha = sub(ONE, alpha);
  return newM.map((newRow, i) => {
    const acc = new Map<number, bigint>();
    for (const [j, v] of newRow) if (j < n) acc.set(j, add(acc.get(j) ?? 0n, mul(alpha, v)));
    for (const [j, v] of oldM[i] ?? [])
      if (j < n) acc.set(j, add(acc.get(j) ?? 0n, mul(oneMinusAlpha, v)));
    const out: FixedRow = [];
    for (const j of [...acc.keys()].sort((x, y) => x - y)) {
      const v = acc.get(j) as bigint;
      if (v > 0n) out.push([j, v]);
    }
    return out;
  });
}

/**
 * `mat_ema_alpha_sparse` with the α of each (i, j) given by `alphaAt(i, j)` (only queried for the
 * columns of new[i], the only ones it can affect): for each cell of new[i] in its order,
 * min(1, (1−α)·old_ij + max(0, α·new_ij)), kept if > 0. Old cells outside new[i] are dropped.
 * `old_ij` is the last old cell of column j (Rust assigns, not adds).
 */
export function matEmaAlphaSparse(
  newM: FixedMatrix,
  oldM: FixedMatrix,
  columns: number,
  alphaAt: (i: number, j: number) => bigint,
): FixedMatrix {
  return newM.map((newRow, i) => {
    const oldVals = new Map<number, bigint>();
    for (const [j, v] of oldM[i] ?? []) if (j < columns) oldVals.set(j, v);
    const out: FixedRow = [];
    for (const [j, v] of newRow) {
      if (j >= columns) continue;
      const a = alphaAt(i, j);
      const old = oldVals.get(j);
      const decayed = old === undefined ? 0n : mul(sub(ONE, a), old);
      const inc = fmax(mul(a, v), 0n);
      const val = fmin(add(decayed, inc), ONE);
      if (val > 0n) out.push([j, val]);
    }
    return out;
  });
}

/** `mat_vec_mul_sparse`: m_ij * v_j, dropping zero products. */
export function matVecMulSparse(m: FixedMatrix, v: readonly bigint[]): FixedMatrix {
  return m.map((row) => {
    const out: FixedRow = [];
    for (const [j, x] of row) {
      const vj = v[j];
      if (vj === undefined) continue;
      const p = mul(x, vj);
      if (p !== 0n) out.push([j, p]);
    }
    return out;
  });
}

/** `vec_mul`: element-wise `checked_mul`, 0 on overflow. */
export function vecMul(a: readonly bigint[], b: readonly bigint[]): bigint[] {
  const n = Math.min(a.length, b.length);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(checkedMul(a[i] as bigint, b[i] as bigint) ?? 0n);
  return out;
}

/** `clamp_value`: min(high) then max(low). */
export function clampValue(value: bigint, low: bigint, high: bigint): bigint {
  return fmax(fmin(value, high), low);
}

/**
 * `vec_u16_max_upscale_to_u16` (set_weights preprocessing): scale so the max becomes 65535.
 * max > 32768: round(e * trunc(65535/max)); else round(trunc(e*65535/max)); ties away from 0.
 */
export function maxUpscaleWeights(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const fixed = values.map((v) => fromInt(v));
  let mx = fixed[0] as bigint;
  for (const v of fixed) if (v > mx) mx = v;
  if (mx === 0n) return fixed.map((e) => toU16(mul(e, U16_MAX_FIXED)));
  if (mx > fromInt(32768)) {
    const factor = safeDiv(U16_MAX_FIXED, mx);
    return fixed.map((e) => toU16(round(mul(e, factor))));
  }
  return fixed.map((e) => toU16(round(safeDiv(mul(e, U16_MAX_FIXED), mx))));
}

/** Storage form of a fixed sparse row (`fixed_proportion_to_u16` per cell). */
export function rowToU16(row: FixedRow): Array<[number, number]> {
  return row.map(([j, v]) => [j, fixedProportionToU16(v)]);
}
