// The weight-copying experiment: does commit-reveal make a lazy validator that copies public
// weights earn less per unit of stake than validators that evaluate miners themselves?
//
// Model (one subnet, the bit-exact epoch, bonds and permits chained from epoch to epoch):
// - uids 0..H-1 are honest validators, uid H is the copier, then S stable miners and one
//   alternating miner. Everyone registers at block 0; a first epoch issues validator permits.
// - Tempo e is the interval that ends with epoch e. Stable miner j has a fixed true quality
//   q_j ~ U[0.3, 1]; the alternating miner is good (1.0) in even tempos and bad (0.05) in odd ones.
// - Each honest validator scores every miner during tempo e as q_j(e) + N(0, noise²), floored at
//   0, and submits the scores (max-scaled to u16, as the bittensor client does) every tempo.
// - The copier evaluates nothing: it submits the stake-weighted mean of the honest validators'
//   normalised weight rows that are public when it acts, `lag` tempos old.
//   * Without commit-reveal, set_weights is public at once: the copier acts after the honest
//     validators in the same tempo and copies the weights that epoch e will use (lag 0).
//   * With commit-reveal (CRv4, reveal period 1), weights committed in tempo e are revealed in the
//     block of epoch e, just before it runs: during tempo e the newest public weights are the ones
//     epoch e−1 used, so the copier is one tempo stale (lag 1). Honest weights are not delayed.
//   The lag can be overridden (`copierLag`) to test other readings.
// - Dividends are the epoch's `validator_emission` (rao), summed over the run and divided by the
//   validator's stake. No noise is added to stake or emission; the seed fixes qualities and noise.
import { InvalidParameterError } from "../errors.js";
import { createSubnetChain } from "./chain.js";
import type { YumaParams } from "./epoch.js";

export type SimulateWeightCopyingOptions = {
  /** Epochs to run (default 50). */
  epochs?: number;
  /** Commit-reveal on (reveal period 1 tempo) or off. */
  commitReveal: boolean;
  /** PRNG seed for miner qualities and scoring noise (default 1). */
  seed?: number;
  /** Yuma3 (default, as new subnets) or Yuma2. */
  yuma3?: boolean;
  /** Honest validators (default 4). */
  honestValidators?: number;
  /** Stable miners besides the alternating one (default 8). */
  stableMiners?: number;
  /** Std-dev of an honest validator's scoring noise (default 0.02). */
  noise?: number;
  /** Stake of each honest validator and of the copier, rao (default 1e12 each). */
  honestStake?: bigint;
  copierStake?: bigint;
  /** Tempos of staleness of the copier's source (default 0 without CR, 1 with CR). */
  copierLag?: number;
  /** Override any epoch parameter (defaults: specs/yuma.md §5 for new subnets). */
  params?: Partial<YumaParams>;
};

export type WeightCopyingValidator = {
  uid: number;
  role: "honest" | "copier";
  stake: bigint;
  /** Σ validator_emission over the run (rao). */
  dividends: bigint;
  /** dividends / stake. */
  dividendsPerStake: number;
  /** Mean validator trust (u16/65535) over the epochs. */
  meanValidatorTrust: number;
};

export type WeightCopyingResult = {
  commitReveal: boolean;
  yuma3: boolean;
  epochs: number;
  seed: number;
  copierLag: number;
  validators: WeightCopyingValidator[];
  /** Σ honest dividends / Σ honest stake. */
  honestDividendsPerStake: number;
  copierDividendsPerStake: number;
  /** copier / honest dividends per stake (< 1: copying pays less than evaluating). */
  copierHonestRatio: number;
  /** The alternating miner's quality per epoch, and the copier's weight on it (normalised). */
  alternatingMiner: { uid: number; quality: number[]; copierWeight: number[]; consensus: number[] };
};

/** Default epoch parameters of a new subnet (specs/yuma.md §5). */
export function defaultSubnetParams(overrides: Partial<YumaParams> = {}): YumaParams {
  return {
    tempo: 360n,
    kappa: 32767,
    bondsPenalty: 65535,
    bondsMovingAverage: 900_000n,
    yuma3: true,
    liquidAlpha: false,
    alphaLow: 45875,
    alphaHigh: 58982,
    alphaSigmoidSteepness: 1000,
    maxAllowedValidators: 64,
    raoEmission: 1_000_000_000n,
    ownerUid: null,
    stakeThreshold: 0n,
    commitReveal: true,
    ...overrides,
  };
}

/** mulberry32: small, seedable, good enough for a simulation's noise. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Scores → u16 weights scaled so the largest is 65535 (what the client submits). */
function toU16Weights(scores: readonly number[]): number[] {
  const mx = Math.max(0, ...scores);
  return scores.map((s) => (mx > 0 ? Math.round((s / mx) * 65535) : 0));
}

function positiveInt(field: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new InvalidParameterError({ field, expected: `an integer >= ${min}`, received: v });
  return v;
}

export function simulateWeightCopying(options: SimulateWeightCopyingOptions): WeightCopyingResult {
  const epochs = positiveInt("epochs", options.epochs ?? 50, 1);
  const seed = options.seed ?? 1;
  const honestN = positiveInt("honestValidators", options.honestValidators ?? 4, 1);
  const stableN = positiveInt("stableMiners", options.stableMiners ?? 8, 1);
  const noise = options.noise ?? 0.02;
  if (!(noise >= 0))
    throw new InvalidParameterError({ field: "noise", expected: "a number >= 0", received: noise });
  const yuma3 = options.yuma3 ?? true;
  const cr = options.commitReveal;
  const lag = positiveInt("copierLag", options.copierLag ?? (cr ? 1 : 0), 0);
  const params = defaultSubnetParams({ yuma3, commitReveal: cr, ...options.params });
  const tempo = params.tempo;

  const copier = honestN;
  const miners = Array.from({ length: stableN + 1 }, (_, k) => honestN + 1 + k);
  const alternating = miners[miners.length - 1] as number;
  const n = honestN + 1 + miners.length;
  const honestStake = options.honestStake ?? 1_000_000_000_000n;
  const copierStake = options.copierStake ?? honestStake;
  const stake = new Array<bigint>(n).fill(0n);
  for (let v = 0; v < honestN; v++) stake[v] = honestStake;
  stake[copier] = copierStake;

  const rand = prng(seed);
  const stableQuality = miners.slice(0, stableN).map(() => 0.3 + 0.7 * rand());
  const quality = (e: number) => [...stableQuality, e % 2 === 0 ? 1.0 : 0.05];

  const chain = createSubnetChain({ params, stake, registrationBlock: 0n });
  chain.epoch(); // permits for the validators (the only uids with stake)

  // honestRows[e][v]: normalised weight rows epoch e used, for the copier to read later.
  const honestRows: number[][][] = [];
  const dividends = new Array<bigint>(n).fill(0n);
  const vtrustSum = new Array<number>(n).fill(0);
  const qualityLog: number[] = [];
  const copierWeightLog: number[] = [];
  const consensusLog: number[] = [];

  for (let e = 0; e < epochs; e++) {
    const start = BigInt(e) * tempo;
    const q = quality(e);
    qualityLog.push(q[q.length - 1] as number);

    // Honest validators score the miners mid-tempo.
    chain.advance(start + tempo / 2n - chain.block());
    const rows: number[][] = [];
    for (let v = 0; v < honestN; v++) {
      const scores = q.map((x) => Math.max(0, x + noise * gaussian(rand)));
      const w = toU16Weights(scores);
      const total = w.reduce((a, b) => a + b, 0);
      rows.push(w.map((x) => (total > 0 ? x / total : 0)));
      if (cr) {
        chain.commit(v);
        chain.reveal(v, miners, w); // stored now, but only public at the epoch (see model)
      } else chain.setWeights(v, miners, w);
    }
    honestRows.push(rows);

    // The copier acts after them: the newest public honest rows are `lag` tempos old.
    chain.advance(1n);
    const source = honestRows[e - lag];
    let copied: number[] | null = null;
    if (source) {
      const total = Number(honestStake) * honestN;
      copied = miners.map((_, k) =>
        source.reduce((acc, row) => acc + (row[k] as number) * (Number(honestStake) / total), 0),
      );
      const w = toU16Weights(copied);
      if (cr) {
        chain.commit(copier);
        chain.reveal(copier, miners, w);
      } else chain.setWeights(copier, miners, w);
    }
    const copiedSum = copied?.reduce((a, b) => a + b, 0) ?? 0;
    copierWeightLog.push(
      copied && copiedSum > 0 ? (copied[copied.length - 1] as number) / copiedSum : 0,
    );

    chain.advance(start + tempo - chain.block());
    const out = chain.epoch();
    out.validatorEmission.forEach((d, i) => {
      dividends[i] = (dividends[i] as bigint) + d;
    });
    out.validatorTrustU16.forEach((t, i) => {
      vtrustSum[i] = (vtrustSum[i] as number) + t / 65535;
    });
    consensusLog.push((out.consensusU16[alternating] as number) / 65535);
  }

  const validators: WeightCopyingValidator[] = [];
  for (let uid = 0; uid <= copier; uid++) {
    const s = stake[uid] as bigint;
    const d = dividends[uid] as bigint;
    validators.push({
      uid,
      role: uid === copier ? "copier" : "honest",
      stake: s,
      dividends: d,
      dividendsPerStake: Number(d) / Number(s),
      meanValidatorTrust: (vtrustSum[uid] as number) / epochs,
    });
  }
  const honest = validators.filter((v) => v.role === "honest");
  const honestDividends = honest.reduce((a, v) => a + v.dividends, 0n);
  const honestStakeTotal = honest.reduce((a, v) => a + v.stake, 0n);
  const honestPerStake = Number(honestDividends) / Number(honestStakeTotal);
  const copierPerStake = (validators[copier] as WeightCopyingValidator).dividendsPerStake;
  return {
    commitReveal: cr,
    yuma3,
    epochs,
    seed,
    copierLag: lag,
    validators,
    honestDividendsPerStake: honestPerStake,
    copierDividendsPerStake: copierPerStake,
    copierHonestRatio: copierPerStake / honestPerStake,
    alternatingMiner: {
      uid: alternating,
      quality: qualityLog,
      copierWeight: copierWeightLog,
      consensus: consensusLog,
    },
  };
}

/** Both runs of the experiment with the same seed: without and with commit-reveal. */
export function compareCommitReveal(options: Omit<SimulateWeightCopyingOptions, "commitReveal">): {
  withoutCommitReveal: WeightCopyingResult;
  withCommitReveal: WeightCopyingResult;
} {
  return {
    withoutCommitReveal: simulateWeightCopying({ ...options, commitReveal: false }),
    withCommitReveal: simulateWeightCopying({ ...options, commitReveal: true }),
  };
}
