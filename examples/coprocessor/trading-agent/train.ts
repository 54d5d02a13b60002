// Trains the zk-verified trading agent's decision model on synthetic market states and writes,
// next to this file:
//   model.onnx        2 features -> 12 ReLU -> 3 logits (0 buy, 1 sell, 2 hold: ITradingVault.Action)
//   calibration.json  EZKL-style {"input_data": [[...]]} samples for zk calibration
//   metrics.json      accuracy, training parameters, sha256 of the model
//   npx tsx examples/coprocessor/trading-agent/train.ts
// The features are what contracts/src/apps/trading/TradingVault.sol reads from the Uniswap v2 pair
// on chain, so the proven input is bound to the chain's state:
//   deviation  spot / TWAP - 1, clipped to [-1, 1] (TWAP over the vault's cumulative-price window)
//   baseShare  the vault's BASE value share at spot, in [0, 1]
// The hidden rule is mean reversion with an inventory guard: buy BASE when it trades more than
// 3% under its TWAP (unless the vault is already >= 90% BASE), sell when more than 3% over it
// (unless <= 10% BASE), else hold.
// Deterministic: a seeded xoshiro128** generator with only +, -, *, / and @noosphere/ml's
// bit-for-bit training, so every run writes the same bytes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createRng,
  createSession,
  evaluate,
  exportMlpOnnx,
  predictMlp,
  trainMlp,
} from "@noosphere/ml";

const here = fileURLToPath(new URL(".", import.meta.url));

export const FEATURES = ["deviation", "baseShare"] as const;
export const CLASSES = ["buy", "sell", "hold"] as const;
/** |deviation| beyond which the market is out of line with its TWAP. */
export const THRESHOLD = 0.03;

const SEED = 11;
const SAMPLES = 3000;
const rng = createRng(SEED);
const u = () => rng.nextFloat();
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The rule the synthetic trader follows (the label). */
export function rule(deviation: number, baseShare: number): 0 | 1 | 2 {
  if (deviation < -THRESHOLD && baseShare < 0.9) return 0;
  if (deviation > THRESHOLD && baseShare > 0.1) return 1;
  return 2;
}

function sampleState(): number[] {
  // Most states are near the TWAP (where the threshold matters), some far away, a few at the clip.
  const r = u();
  const deviation = r < 0.6 ? 0.16 * u() - 0.08 : r < 0.95 ? 0.8 * u() - 0.4 : 2 * u() - 1;
  const s = u();
  const baseShare = s < 0.8 ? u() : s < 0.9 ? 0.1 * u() : 0.9 + 0.1 * u();
  return [deviation, baseShare].map(round4);
}

const rows: number[][] = [];
const labels: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const f = sampleState();
  rows.push(f);
  labels.push(rule(f[0] ?? 0, f[1] ?? 0));
}
const nTest = SAMPLES / 5;
const train = { rows: rows.slice(nTest), labels: labels.slice(nTest) };
const test = { rows: rows.slice(0, nTest), labels: labels.slice(0, nTest) };

const params = {
  layers: [FEATURES.length, 12, CLASSES.length],
  epochs: 80,
  learningRate: 0.05,
  batchSize: 32,
  momentum: 0.9,
  seed: SEED,
  // Deviations live around +-0.1: training sees them x10 (folded into the exported weights).
  inputScale: [10, 1],
};
const { mlp } = trainMlp(params, train.rows, train.labels);
const onnx = exportMlpOnnx(mlp, {
  inputName: "features",
  outputName: "logits",
  metadata: {
    "noosphere.app": "trading-agent",
    "noosphere.features": FEATURES.join(","),
    "noosphere.classes": CLASSES.join(","),
    "noosphere.train": JSON.stringify(params),
  },
});

const session = await createSession(onnx);
const heldOut = await evaluate(session, test.rows, test.labels);
const trainEval = await evaluate(session, train.rows, train.labels);
await session.release();

/** A few states and the model's decisions, for the README and a glance at the boundaries. */
const examples = [
  [-0.2, 0.45],
  [-0.2, 0.95],
  [0.15, 0.55],
  [0.15, 0.05],
  [0.01, 0.5],
].map((features) => {
  const logits = predictMlp(mlp, [features])[0] as number[];
  let best = 2;
  if ((logits[0] ?? 0) > (logits[1] ?? 0) && (logits[0] ?? 0) > (logits[2] ?? 0)) best = 0;
  else if ((logits[1] ?? 0) > (logits[0] ?? 0) && (logits[1] ?? 0) > (logits[2] ?? 0)) best = 1;
  return {
    features,
    logits,
    decision: CLASSES[best],
    rule: CLASSES[rule(features[0] ?? 0, features[1] ?? 0)],
  };
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const calibration = { input_data: [rows.slice(0, 96).flat()] };
await writeFile(join(here, "model.onnx"), onnx);
await writeFile(join(here, "calibration.json"), `${JSON.stringify(calibration)}\n`);
const metrics = {
  features: FEATURES,
  classes: CLASSES,
  threshold: THRESHOLD,
  samples: SAMPLES,
  seed: SEED,
  params,
  classRates: CLASSES.map((_, c) => labels.filter((l) => l === c).length / labels.length),
  train: { accuracy: trainEval.accuracy, loss: trainEval.loss, n: train.rows.length },
  heldOut,
  examples,
  model: { path: "model.onnx", bytes: onnx.length, sha256: sha256(onnx) },
};
await writeFile(join(here, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
// The committed JSON in the repository's style (Biome), so that regenerating leaves no diff.
execFileSync(
  "npx",
  ["biome", "format", "--write", ...["calibration.json", "metrics.json"].map((f) => join(here, f))],
  { stdio: "ignore" },
);
console.log(
  [
    `trading-agent MLP ${params.layers.join("-")}: held-out accuracy ${heldOut.accuracy.toFixed(4)} (n ${heldOut.n}), train ${trainEval.accuracy.toFixed(4)}`,
    ...examples.map(
      (e) =>
        `  [${e.features.join(", ")}]: logits [${e.logits.map((x) => x.toFixed(3)).join(", ")}] -> ${e.decision} (rule: ${e.rule})`,
    ),
    `model sha256 ${metrics.model.sha256}`,
  ].join("\n"),
);
