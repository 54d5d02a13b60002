// Yuma Consensus epoch cost in TypeScript (bit-exact I32F32 on BigInt) at 64 validators x 256 uids
// and 256 x 4096, against a plain float64 dense implementation of the same matrix passes measured
// in the same run, plus the weight-copying simulation (copier vs honest dividends per stake, with
// and without commit-reveal). Writes bench/results/yuma.json and prints a summary.
//
//   npx tsx bench/yuma.ts
//
// `onchain` is the Solidity epoch's gas for 64 x 256 (bench/yuma-onchain.ts, on anvil).
// A benchmark, not a test: it fails only if the epoch disagrees with itself (outputs differ
// between runs), never on a timing.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAnvil } from "@noosphere/devnet";
import {
  compareCommitReveal,
  defaultSubnetParams,
  runEpoch,
  type SparseRow,
  type WeightCopyingResult,
  type YumaParams,
  type YumaState,
} from "@noosphere/sdk";
import { describeMachine } from "./lib/machine.js";
import { measureOnchainEpochGas } from "./yuma-onchain.js";

const NAME = "yuma";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);

const SIZES = [
  { validators: 64, uids: 256, weightDensity: 0.5, warmup: 2, runs: 10 },
  { validators: 256, uids: 4096, weightDensity: 0.5, warmup: 1, runs: 3 },
] as const;
const SEED = 20260701;
const SIMULATION = { epochs: 50, seed: 1 } as const;

// ------------------------------------------------------------------ inputs

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

/**
 * Validators 0..V-1 with random stakes (0.1–1.1 × 1e12 rao), miners V..n-1 without stake; each
 * validator weights each miner with probability `density` (random u16, ascending uids); bonds
 * are the output of one previous epoch on the same weights, so the measured epoch has both.
 */
function makeState(validators: number, n: number, density: number, seed: number): YumaState {
  const rand = prng(seed);
  const stake = Array.from({ length: n }, (_, i) =>
    i < validators ? BigInt(Math.floor(1e12 * (0.1 + rand()))) : 0n,
  );
  const weights: SparseRow[] = Array.from({ length: n }, (_, i) => {
    if (i >= validators) return [];
    const row: SparseRow = [];
    for (let j = validators; j < n; j++)
      if (rand() < density) row.push([j, 1 + Math.floor(rand() * 65534)]);
    return row;
  });
  return {
    n,
    currentBlock: 100_000n,
    stake,
    weights,
    bonds: Array.from({ length: n }, () => []),
    lastUpdate: new Array<bigint>(n).fill(99_900n),
    blockAtRegistration: new Array<bigint>(n).fill(0n),
    validatorPermit: stake.map((s) => s > 0n),
  };
}

// ------------------------------------------------------------------ float64 dense baseline

/**
 * The same passes in float64 on dense V×n arrays (Yuma3, liquid alpha off, β = 1): stake and
 * row normalisation, per-column stake-weighted median (sort), clip, vtrust, ranks, bonds EMA,
 * column normalisation, dividends. Not bit-exact: the cost floor of the algorithm.
 */
function floatEpoch(params: YumaParams, state: YumaState, validators: number): Float64Array {
  const n = state.n;
  const V = validators;
  const stakeSum = state.stake.reduce((a, b) => a + Number(b), 0);
  const A = new Float64Array(V);
  for (let i = 0; i < V; i++) A[i] = Number(state.stake[i]) / stakeSum;
  const W = new Float64Array(V * n);
  for (let i = 0; i < V; i++) {
    let s = 0;
    for (const [j, w] of state.weights[i] ?? []) {
      W[i * n + j] = w;
      s += w;
    }
    if (s > 0) for (let j = 0; j < n; j++) W[i * n + j] = (W[i * n + j] as number) / s;
  }
  const kappa = params.kappa / 65535;
  const C = new Float64Array(n);
  const order = Array.from({ length: V }, (_, i) => i);
  for (let j = 0; j < n; j++) {
    order.sort((a, b) => (W[b * n + j] as number) - (W[a * n + j] as number));
    let acc = 0;
    for (const i of order) {
      acc += A[i] as number;
      if (acc >= kappa) {
        C[j] = W[i * n + j] as number;
        break;
      }
    }
  }
  const R = new Float64Array(n);
  const vtrust = new Float64Array(V);
  for (let i = 0; i < V; i++)
    for (let j = 0; j < n; j++) {
      const w = Math.min(W[i * n + j] as number, C[j] as number);
      W[i * n + j] = w; // clipped; β = 1 so these are also the weights for bonds
      vtrust[i] = (vtrust[i] as number) + w;
      R[j] = (R[j] as number) + (A[i] as number) * w;
    }
  const rSum = R.reduce((a, b) => a + b, 0);
  const alpha = 1 - Number(params.bondsMovingAverage) / 1e6;
  const B = new Float64Array(V * n);
  for (let i = 0; i < V; i++) for (const [j, b] of state.bonds[i] ?? []) B[i * n + j] = b / 65535;
  const colSum = new Float64Array(n);
  for (let i = 0; i < V; i++)
    for (let j = 0; j < n; j++) {
      const b = alpha * (W[i * n + j] as number) + (1 - alpha) * (B[i * n + j] as number);
      B[i * n + j] = b;
      colSum[j] = (colSum[j] as number) + b;
    }
  const D = new Float64Array(V);
  for (let i = 0; i < V; i++) {
    let tb = 0;
    for (let j = 0; j < n; j++) {
      const cs = colSum[j] as number;
      if (cs > 0) tb += ((B[i * n + j] as number) / cs) * ((R[j] as number) / rSum);
    }
    D[i] = tb * (A[i] as number);
  }
  return D;
}

// ------------------------------------------------------------------ measurement

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

type SizeMetric = {
  validators: number;
  uids: number;
  weightEntries: number;
  bondEntries: number;
  tsEpochMs: { mean: number; min: number; runs: number[] };
  tsLiquidAlphaEpochMs: { mean: number; runs: number[] };
  float64DenseBaselineMs: { mean: number; runs: number[] };
  ratioToFloat64Baseline: number;
};

function measureSize(size: (typeof SIZES)[number]): SizeMetric {
  const params = defaultSubnetParams({
    maxAllowedValidators: size.validators,
    commitReveal: false,
  });
  const state = makeState(size.validators, size.uids, size.weightDensity, SEED + size.uids);
  state.bonds = runEpoch(params, state).bondsU16Stored;
  const reference = JSON.stringify(runEpoch(params, state).dividendsBits.map(String));

  const runs = (fn: () => void, warmup: number, count: number) => {
    for (let k = 0; k < warmup; k++) fn();
    return Array.from({ length: count }, () => time(fn));
  };
  const ts = runs(
    () => {
      const out = runEpoch(params, state);
      if (JSON.stringify(out.dividendsBits.map(String)) !== reference)
        throw new Error("epoch output changed between runs");
    },
    size.warmup,
    size.runs,
  );
  const liquid = runs(
    () => runEpoch({ ...params, liquidAlpha: true }, state),
    0,
    Math.min(3, size.runs),
  );
  const float = runs(() => floatEpoch(params, state, size.validators), size.warmup, size.runs);
  const tsMean = mean(ts);
  return {
    validators: size.validators,
    uids: size.uids,
    weightEntries: state.weights.reduce((a, r) => a + r.length, 0),
    bondEntries: state.bonds.reduce((a, r) => a + r.length, 0),
    tsEpochMs: { mean: round(tsMean), min: round(Math.min(...ts)), runs: ts.map(round) },
    tsLiquidAlphaEpochMs: { mean: round(mean(liquid)), runs: liquid.map(round) },
    float64DenseBaselineMs: { mean: round(mean(float)), runs: float.map(round) },
    ratioToFloat64Baseline: round(tsMean / mean(float)),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function summarize(r: WeightCopyingResult) {
  return {
    commitReveal: r.commitReveal,
    copierLagTempos: r.copierLag,
    honestDividendsPerStake: r.honestDividendsPerStake,
    copierDividendsPerStake: r.copierDividendsPerStake,
    copierHonestRatio: Math.round(r.copierHonestRatio * 1e4) / 1e4,
    validators: r.validators.map((v) => ({
      uid: v.uid,
      role: v.role,
      stake: v.stake.toString(),
      dividends: v.dividends.toString(),
      dividendsPerStake: v.dividendsPerStake,
      meanValidatorTrust: round(v.meanValidatorTrust),
    })),
  };
}

export type OnchainYuma = Record<string, unknown> | null;

/** Runs the benchmark and writes bench/results/yuma.json (`onchain` kept or replaced). */
export async function writeYumaResults(options: { onchain?: OnchainYuma } = {}) {
  const metrics = SIZES.map((size) => {
    const m = measureSize(size);
    process.stdout.write(
      `${m.validators} x ${m.uids}: ${m.weightEntries} weights, TS epoch ${m.tsEpochMs.mean} ms (liquid alpha ${m.tsLiquidAlphaEpochMs.mean} ms), float64 dense ${m.float64DenseBaselineMs.mean} ms, ratio ${m.ratioToFloat64Baseline}\n`,
    );
    return m;
  });

  const sims = compareCommitReveal({ ...SIMULATION, yuma3: true });
  const sims2 = compareCommitReveal({ ...SIMULATION, yuma3: false });
  const simulation = {
    model:
      "packages/sdk/src/yuma/simulate.ts (4 honest validators, 1 copier, 8 stable miners + 1 alternating)",
    epochs: SIMULATION.epochs,
    seed: SIMULATION.seed,
    yuma3: [summarize(sims.withoutCommitReveal), summarize(sims.withCommitReveal)],
    yuma2: [summarize(sims2.withoutCommitReveal), summarize(sims2.withCommitReveal)],
  };
  for (const [label, pair] of [
    ["Yuma3", sims],
    ["Yuma2", sims2],
  ] as const)
    process.stdout.write(
      `${label} copier/honest dividends per stake: without CR ${pair.withoutCommitReveal.copierHonestRatio.toFixed(4)}, with CR ${pair.withCommitReveal.copierHonestRatio.toFixed(4)}\n`,
    );

  let onchain: OnchainYuma = options.onchain ?? null;
  if (onchain === null && existsSync(resultsFile)) {
    try {
      const previous = JSON.parse(readFileSync(resultsFile, "utf8")) as { onchain?: OnchainYuma };
      onchain = previous.onchain ?? null;
    } catch {
      onchain = null;
    }
  }

  const result = {
    name: NAME,
    date: new Date().toISOString(),
    machine: describeMachine(),
    inputs: {
      implementation: "packages/sdk/src/yuma (bit-exact subtensor epoch_mechanism, BigInt I32F32)",
      params:
        "specs/yuma.md §5 defaults for new subnets (Yuma3, liquid alpha off, β = 1, BMA 900000), max_allowed_validators = validators",
      sizes: SIZES,
      seed: SEED,
      weights: "random u16 per (validator, miner) with the given density; stakes 0.1–1.1e12 rao",
      measuredEpoch:
        "second epoch on the same weights (bonds from the first), mean of runs after warm-up",
    },
    baseline: {
      name: "float64 dense epoch (same passes, V×n arrays, sort-based median; not bit-exact)",
      perSizeMs: Object.fromEntries(
        metrics.map((m) => [`${m.validators}x${m.uids}`, m.float64DenseBaselineMs.mean]),
      ),
    },
    metrics,
    simulation,
    onchain,
    onchainNote:
      "gas of the Solidity epoch (contracts/src/subnet, through YumaEpochHarness) measured by bench/yuma-onchain.ts in the same run",
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(repoRoot, resultsFile)}\n`);
  return result;
}

/** The Solidity epoch (through its test harness) on anvil: 64 x 256, dense weights, 30M cap per tx. */
async function measureOnchain(): Promise<OnchainYuma> {
  const anvil = await startAnvil({
    port: 0,
    args: ["--gas-limit", "3000000000", "--base-fee", "0", "--gas-price", "0"],
  });
  try {
    const variants = [
      { label: "yuma3", yuma3: true, liquidAlpha: false },
      { label: "yuma3-liquid-alpha", yuma3: true, liquidAlpha: true },
      { label: "yuma2", yuma3: false, liquidAlpha: false },
    ];
    const out: Record<string, unknown> = {
      what: "one full epoch of 64 validators x 256 uids, every validator weighting every uid; each transaction takes the largest work budget whose eth_estimateGas fits 30M gas (a common L2 block limit)",
    };
    for (const v of variants) {
      const r = await measureOnchainEpochGas(anvil.rpcUrl, { validators: 64, uids: 256, ...v });
      process.stdout.write(
        `on chain 64 x 256 ${v.label}: ${r.transactions} transactions, ${r.totalGas} gas (largest ${r.maxTxGas})\n`,
      );
      out[`64x256-${v.label}`] = {
        transactions: r.transactions,
        totalGas: Number(r.totalGas),
        maxTxGas: Number(r.maxTxGas),
        gasPerTx: r.gasPerTx.map(Number),
        firstEpochOnFreshStorage: {
          transactions: r.firstEpoch.transactions,
          totalGas: Number(r.firstEpoch.totalGas),
        },
      };
    }
    return out;
  } finally {
    await anvil.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("bench/yuma.ts")) {
  await writeYumaResults({ onchain: await measureOnchain() });
}
