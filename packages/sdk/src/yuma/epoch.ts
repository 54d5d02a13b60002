// Yuma Consensus: subtensor's production sparse epoch (`epoch_mechanism`) as a pure function,
// bit-exact with I32F32/I64F64/I96F32 fixed point. Step numbers refer to specs/yuma.md §3.
import { InvalidParameterError } from "../errors.js";
import {
  add,
  emissionToU64,
  expSafe,
  fixed64To32,
  fixedProportionToU16,
  fromF64,
  fromInt,
  fromU64To64,
  mul,
  ONE,
  safeDiv64,
  saturatingDiv,
  sub,
  U64_MAX,
  u16ProportionToFixed,
} from "./fixed.js";
import {
  clampValue,
  colClipSparse,
  colMaxUpscaleSparse,
  colNormalizeSparse,
  type FixedMatrix,
  type FixedRow,
  interpolateSparse,
  isTopkNonzero,
  maskDiagSparse,
  maskRowsSparse,
  matEmaAlphaSparse,
  matEmaSparse,
  matmulSparse,
  matmulTransposeSparse,
  matVecMulSparse,
  normalize,
  normalizeUsingSum,
  rowHadamardSparse,
  rowNormalizeSparse,
  rowSumSparse,
  rowToU16,
  scalarVecMaskSparseMatrix,
  sum,
  vecMaskSparseMatrix,
  vecMul,
  weightedMedianColSparse,
} from "./math.js";

export type YumaParams = {
  tempo: bigint;
  /** u16; κ = kappa/65535. */
  kappa: number;
  /** u16; β = bondsPenalty/65535. */
  bondsPenalty: number;
  /** Per million; α = 1 − bma/1e6. */
  bondsMovingAverage: bigint;
  yuma3: boolean;
  liquidAlpha: boolean;
  /** u16 proportions of 65535. */
  alphaLow: number;
  alphaHigh: number;
  /** i16. */
  alphaSigmoidSteepness: number;
  maxAllowedValidators: number;
  /** u64 to distribute. */
  raoEmission: bigint;
  ownerUid: number | null;
  stakeThreshold: bigint;
  /** Blocks; default max(1, 13889·tempo/1000) (§3.1, ActivityCutoffFactorMilli 13 889). */
  activityCutoff?: bigint;
  /** Default false; when true apply the §3.5 step-4 sniping mask using state.commitBlock. */
  commitReveal?: boolean;
};

/** u16 values, as stored. */
export type SparseRow = Array<[uid: number, value: number]>;

export type YumaState = {
  n: number;
  currentBlock: bigint;
  /** u64 per uid. */
  stake: bigint[];
  weights: SparseRow[];
  bonds: SparseRow[];
  lastUpdate: bigint[];
  blockAtRegistration: bigint[];
  /** Stored by the previous epoch. */
  validatorPermit: boolean[];
  /** Min commit block of non-expired commits per uid (null = none). */
  commitBlock?: Array<bigint | null>;
  /** §3.10a `last_tempo` rule; 0/undefined ⇒ current_block − tempo (saturating). */
  lastMechanismStepBlock?: bigint;
};

export type YumaOutput = {
  consensusU16: number[];
  incentiveU16: number[];
  dividendsU16: number[];
  validatorTrustU16: number[];
  stakeWeightU16: number[];
  consensusBits: bigint[];
  incentiveBits: bigint[];
  dividendsBits: bigint[];
  activeStakeBits: bigint[];
  serverEmission: bigint[];
  validatorEmission: bigint[];
  emission: bigint[];
  newValidatorPermit: boolean[];
  active: boolean[];
  bondsU16Stored: SparseRow[];
};

/** ActivityCutoffFactorMilli default (13 889 ≈ 5000 blocks at tempo 360). */
export const ACTIVITY_CUTOFF_FACTOR_MILLI = 13_889n;

/** `get_activity_cutoff_blocks`: max(1, factor·tempo/1000). */
export function defaultActivityCutoff(tempo: bigint): bigint {
  const c = (ACTIVITY_CUTOFF_FACTOR_MILLI * tempo) / 1000n;
  return c < 1n ? 1n : c;
}

/** α = 1 − trunc32(I64F64(bma)/1e6) (`compute_ema_bonds_normal_sparse`, `..._disabled_liquid_alpha`). */
export function emaAlphaFromMovingAverage(bma: bigint): bigint {
  const bma64 = safeDiv64(fromU64To64(bma), fromU64To64(1_000_000n));
  return sub(ONE, fixed64To32(bma64));
}

/** `alpha_sigmoid` (§3.10b): α for one (consensus, weight, bond). */
export function alphaSigmoid(
  consensus: bigint,
  weight: bigint,
  bond: bigint,
  alphaLow: bigint,
  alphaHigh: bigint,
  steepness: bigint,
): bigint {
  const diffBuy = clampValue(sub(weight, consensus), 0n, ONE);
  const diffSell = clampValue(sub(bond, weight), 0n, ONE);
  const combined = weight >= bond ? diffBuy : diffSell;
  const x = mul(saturatingDiv(steepness, fromInt(-100)), sub(combined, fromF64(0.5)));
  const sigmoid = saturatingDiv(ONE, add(ONE, expSafe(x)));
  const alpha = add(alphaLow, mul(sigmoid, sub(alphaHigh, alphaLow)));
  return clampValue(alpha, alphaLow, alphaHigh);
}

const U64_MAX_MARK = U64_MAX;

function fail(field: string, expected: string, received: unknown): never {
  throw new InvalidParameterError({ field, expected, received });
}

function checkShape(params: YumaParams, state: YumaState): void {
  const n = state.n;
  if (!Number.isInteger(n) || n < 0 || n > 65536) fail("state.n", "an integer in [0, 65536]", n);
  const perUid: Array<[string, unknown[] | undefined]> = [
    ["state.stake", state.stake],
    ["state.weights", state.weights],
    ["state.bonds", state.bonds],
    ["state.lastUpdate", state.lastUpdate],
    ["state.blockAtRegistration", state.blockAtRegistration],
    ["state.validatorPermit", state.validatorPermit],
  ];
  if (state.commitBlock !== undefined) perUid.push(["state.commitBlock", state.commitBlock]);
  for (const [field, v] of perUid)
    if (!Array.isArray(v) || v.length !== n) fail(field, `an array of n = ${n} entries`, v?.length);
  if (params.ownerUid !== null && (params.ownerUid < 0 || params.ownerUid >= n))
    fail("params.ownerUid", `null or a uid < n = ${n}`, params.ownerUid);
  if (params.tempo < 0n) fail("params.tempo", "a non-negative integer", params.tempo);
}

/**
 * One Yuma epoch (subtensor `epoch_mechanism`, MAIN mechanism): consensus, clipping, incentive,
 * bonds (Yuma2 or Yuma3, optional liquid alpha), dividends and the emission split, bit-exact.
 */
export function runEpoch(params: YumaParams, state: YumaState): YumaOutput {
  checkShape(params, state);
  const n = state.n;
  const current = state.currentBlock;
  const tempo = params.tempo;
  const owner = params.ownerUid;

  // 3.1 Activity
  const cutoff = params.activityCutoff ?? defaultActivityCutoff(tempo);
  const inactive = state.lastUpdate.map((lu) => lu + cutoff < current);
  const active = inactive.map((b) => !b);
  const bar = state.blockAtRegistration;

  // 3.2 Stake: threshold filter (owner exempt), normalise in I64F64, truncate to I32F32.
  const filtered = state.stake.map((s, i) =>
    s < params.stakeThreshold && i !== owner ? 0n : fromU64To64(s),
  );
  const sum64 = sum(filtered);
  const stake64 = sum64 === 0n ? filtered : filtered.map((s) => safeDiv64(s, sum64));
  const stake = stake64.map(fixed64To32);

  // 3.3 Permits: masking uses the stored permits; new permits are for the next epoch.
  const permitOld = state.validatorPermit.slice();
  if (owner !== null) permitOld[owner] = true;
  const forbid = permitOld.map((p) => !p);
  const permitNew = isTopkNonzero(stake, params.maxAllowedValidators);
  if (owner !== null) permitNew[owner] = true;

  // 3.4 Active stake
  const activeStake = normalize(stake.map((s, i) => (inactive[i] || forbid[i] ? 0n : s)));

  // 3.5 Weights: stored u16 as I32F32 integers, zero entries kept; uids >= n are not read.
  let weights: FixedMatrix = state.weights.map((row) =>
    row.filter(([j]) => j < n).map(([j, w]) => [j, BigInt(w) << 32n] as [number, bigint]),
  );
  weights = maskRowsSparse(forbid, weights);
  weights = maskDiagSparse(weights, owner);
  weights = vecMaskSparseMatrix(weights, state.lastUpdate, bar, (updated, reg) => updated <= reg);
  if (params.commitReveal) {
    const cb = (state.commitBlock ?? []).map((c) => c ?? U64_MAX_MARK);
    while (cb.length < n) cb.push(U64_MAX_MARK);
    weights = vecMaskSparseMatrix(weights, cb, bar, (c, reg) => c < reg);
  }
  weights = rowNormalizeSparse(weights);

  // 3.6 Consensus
  const kappa = u16ProportionToFixed(params.kappa);
  const consensus = weightedMedianColSparse(activeStake, weights, n, kappa);

  // 3.7 Clip, validator trust
  const clipped = colClipSparse(weights, consensus);
  const validatorTrust = rowSumSparse(clipped);

  // 3.8 Ranks, incentive
  const ranks = matmulSparse(clipped, activeStake, n);
  const incentive = normalize(ranks);

  // 3.9 Bonds penalty
  const beta = u16ProportionToFixed(params.bondsPenalty);
  const weightsForBonds = interpolateSparse(weights, clipped, n, beta);

  // 3.10 Bonds and dividends. last_tempo column mask: bonds to uids registered since then go.
  const lmsb = state.lastMechanismStepBlock ?? 0n;
  const lastTempo = lmsb > 0n ? lmsb + 1n : current > tempo ? current - tempo : 0n;
  const storedBonds = state.bonds.map((row) => row.filter(([j]) => j < n));
  let dividends: bigint[];
  let bondsForStorage: FixedMatrix;
  if (params.yuma3) {
    let bonds: FixedMatrix = storedBonds.map((row) =>
      row.map(([j, b]) => [j, u16ProportionToFixed(b)] as [number, bigint]),
    );
    bonds = scalarVecMaskSparseMatrix(bonds, lastTempo, bar, (lt, reg) => lt <= reg);
    let ema: FixedMatrix;
    if (params.liquidAlpha && consensus.some((c) => c !== 0n)) {
      const alphaLow = u16ProportionToFixed(params.alphaLow);
      const alphaHigh = u16ProportionToFixed(params.alphaHigh);
      const steep = fromInt(params.alphaSigmoidSteepness);
      const alphas = weightsForBonds.map((wRow, i) =>
        liquidAlphaRow(wRow, bonds[i] ?? [], consensus, alphaLow, alphaHigh, steep),
      );
      ema = matEmaAlphaSparse(weightsForBonds, bonds, n, (i, j) => alphas[i]?.get(j) ?? 0n);
    } else {
      ema = matEmaSparse(
        weightsForBonds,
        bonds,
        emaAlphaFromMovingAverage(params.bondsMovingAverage),
      );
    }
    const emaNorm = colNormalizeSparse(ema, n);
    const totalBonds = rowSumSparse(matVecMulSparse(emaNorm, incentive));
    dividends = normalize(vecMul(totalBonds, activeStake));
    bondsForStorage = ema;
  } else {
    let bonds: FixedMatrix = storedBonds.map((row) =>
      row.map(([j, b]) => [j, BigInt(b) << 32n] as [number, bigint]),
    );
    bonds = scalarVecMaskSparseMatrix(bonds, lastTempo, bar, (lt, reg) => lt <= reg);
    bonds = colNormalizeSparse(bonds, n);
    const delta = colNormalizeSparse(rowHadamardSparse(weightsForBonds, activeStake), n);
    let ema = matEmaSparse(delta, bonds, emaAlphaFromMovingAverage(params.bondsMovingAverage));
    ema = colNormalizeSparse(ema, n);
    dividends = normalize(matmulTransposeSparse(ema, incentive));
    bondsForStorage = colMaxUpscaleSparse(ema, n);
  }

  // 3.11 Emission split
  const combined = incentive.map((x, i) => add(x, dividends[i] as bigint));
  const emissionSum = sum(combined);
  const nSE = normalizeUsingSum(incentive, emissionSum);
  let nVE = normalizeUsingSum(dividends, emissionSum);
  let nCE = normalize(combined);
  if (emissionSum === 0n) {
    const fallback = sum(activeStake) === 0n ? stake : activeStake;
    nVE = fallback.slice();
    nCE = fallback.slice();
  }
  const rao = params.raoEmission;
  const serverEmission = nSE.map((x) => emissionToU64(x, rao));
  const validatorEmission = nVE.map((x) => emissionToU64(x, rao));
  const emission = nCE.map((x) => emissionToU64(x, rao));

  // 3.12 Outputs
  const bondsU16Stored: SparseRow[] = bondsForStorage.map((row: FixedRow, i) =>
    permitNew[i] ? rowToU16(row) : [],
  );
  return {
    consensusU16: consensus.map(fixedProportionToU16),
    incentiveU16: incentive.map(fixedProportionToU16),
    dividendsU16: dividends.map(fixedProportionToU16),
    validatorTrustU16: validatorTrust.map(fixedProportionToU16),
    stakeWeightU16: stake.map(fixedProportionToU16),
    consensusBits: consensus,
    incentiveBits: incentive,
    dividendsBits: dividends,
    activeStakeBits: activeStake,
    serverEmission,
    validatorEmission,
    emission,
    newValidatorPermit: permitNew,
    active,
    bondsU16Stored,
  };
}

/**
 * α_ij of one row (`compute_liquid_alpha_values_sparse`), only at the columns of `wRow` (the only
 * ones `mat_ema_alpha_sparse` reads). The Rust code walks columns 0..n and advances through the
 * stored rows with a peek-merge that assumes ascending uids; we replay that merge at the queried
 * columns in ascending order, which leaves the same (weight, bond) pair at each of them.
 */
function liquidAlphaRow(
  wRow: FixedRow,
  bRow: FixedRow,
  consensus: readonly bigint[],
  alphaLow: bigint,
  alphaHigh: bigint,
  steep: bigint,
): Map<number, bigint> {
  const cols = [...new Set(wRow.map(([j]) => j))]
    .filter((j) => j < consensus.length)
    .sort((a, b) => a - b);
  const out = new Map<number, bigint>();
  let pw = 0;
  let pb = 0;
  for (const j of cols) {
    while (pw < wRow.length && (wRow[pw] as [number, bigint])[0] < j) pw++;
    const w =
      pw < wRow.length && (wRow[pw] as [number, bigint])[0] === j
        ? (wRow[pw] as [number, bigint])[1]
        : 0n;
    while (pb < bRow.length && (bRow[pb] as [number, bigint])[0] < j) pb++;
    const b =
      pb < bRow.length && (bRow[pb] as [number, bigint])[0] === j
        ? (bRow[pb] as [number, bigint])[1]
        : 0n;
    out.set(j, alphaSigmoid(consensus[j] as bigint, w, b, alphaLow, alphaHigh, steep));
  }
  return out;
}
