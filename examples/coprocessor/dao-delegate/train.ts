// Trains the AI DAO delegate's classifier on synthetic proposals and writes, next to this file:
//   model.onnx        5 features -> 8 ReLU -> 2 logits (0 Against, 1 For: GovernorCountingSimple's order)
//   calibration.json  EZKL-style {"input_data": [[...]]} samples for zk calibration
//   examples.json     the demo's proposals (features in 4-decimal fixed point) and their float logits
//   metrics.json      accuracy, training parameters, sha256 of the model
//   npx tsx examples/coprocessor/dao-delegate/train.ts
// Deterministic: the data come from a seeded xoshiro128** generator with only +, -, *, / (the noise
// is an Irwin-Hall sum of uniforms, not Box-Muller), and @noosphere/ml trains bit-for-bit
// reproducibly, so every run writes the same bytes. See README.md for the features.
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

export const FEATURES = [
  "treasuryShare",
  "proposerRecord",
  "audited",
  "forumSupport",
  "forumTurnout",
] as const;

const SEED = 7;
const SAMPLES = 2400;
const rng = createRng(SEED);
const u = () => rng.nextFloat();
/** Roughly N(0, 1): the sum of 12 uniforms minus 6. */
const noise = () => {
  let s = 0;
  for (let i = 0; i < 12; i++) s += u();
  return s - 6;
};
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * The hidden rule the synthetic DAO follows: big asks are risky, audits and a good track record
 * help, and forum support counts more the more people turned out. Plus noise: some proposals are
 * genuinely contested, which is where the delegate should escalate.
 */
function score(f: readonly number[]): number {
  const [treasury = 0, record = 0, audited = 0, support = 0, turnout = 0] = f;
  return (
    0.4 -
    9 * treasury +
    1.6 * (record - 0.5) +
    1.3 * audited +
    7 * (support - 0.5) * (0.3 + turnout)
  );
}

function sampleProposal(): number[] {
  const treasury = u() < 0.7 ? 0.1 * u() : 0.1 + 0.5 * u(); // most ask little, some a lot
  const record = u();
  const audited = u() < 0.5 ? 1 : 0;
  const support = u();
  const turnout = 0.05 + 0.75 * u();
  return [treasury, record, audited, support, turnout].map(round4);
}

const rows: number[][] = [];
const labels: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const f = sampleProposal();
  rows.push(f);
  labels.push(score(f) + 0.5 * noise() > 0 ? 1 : 0);
}
const nTest = SAMPLES / 5;
const train = { rows: rows.slice(nTest), labels: labels.slice(nTest) };
const test = { rows: rows.slice(0, nTest), labels: labels.slice(0, nTest) };

const params = {
  layers: [FEATURES.length, 8, 2],
  epochs: 60,
  learningRate: 0.05,
  batchSize: 32,
  momentum: 0.9,
  seed: SEED,
};
const { mlp } = trainMlp(params, train.rows, train.labels);
const onnx = exportMlpOnnx(mlp, {
  inputName: "features",
  outputName: "logits",
  metadata: {
    "noosphere.app": "dao-delegate",
    "noosphere.features": FEATURES.join(","),
    "noosphere.classes": "against,for",
    "noosphere.train": JSON.stringify(params),
  },
});

const session = await createSession(onnx);
const heldOut = await evaluate(session, test.rows, test.labels);
const trainEval = await evaluate(session, train.rows, train.labels);
await session.release();

/** The demo's proposals: a clear one and a contested one (the margin decides escalation). */
const examples = [
  {
    name: "clear",
    title: "Fund an audited grants round: 2% of the treasury, strong forum support",
    features: [0.02, 0.9, 1, 0.85, 0.6],
  },
  {
    name: "uncertain",
    title: "Unaudited marketing push: 9% of the treasury, split forum",
    features: [0.09, 0.55, 0, 0.55, 0.25],
  },
  {
    name: "against",
    title: "Unaudited treasury swap: 45% of the treasury, weak support",
    features: [0.45, 0.2, 0, 0.3, 0.5],
  },
].map((e) => {
  const logits = predictMlp(mlp, [e.features])[0] as number[];
  const [a = 0, b = 0] = logits;
  return {
    ...e,
    /** What the proposal's description commits to: features in 4-decimal fixed point. */
    featuresFixed: e.features.map((x) => Math.round(x * 10_000)),
    logits,
    margin: Math.abs(b - a),
    decision: b > a ? "for" : "against",
  };
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const calibration = { input_data: [rows.slice(0, 64).flat()] };
await writeFile(join(here, "model.onnx"), onnx);
await writeFile(join(here, "calibration.json"), `${JSON.stringify(calibration)}\n`);
await writeFile(join(here, "examples.json"), `${JSON.stringify(examples, null, 2)}\n`);
const metrics = {
  features: FEATURES,
  classes: ["against", "for"],
  samples: SAMPLES,
  seed: SEED,
  params,
  positiveRate: labels.reduce((s, l) => s + l, 0) / labels.length,
  train: { accuracy: trainEval.accuracy, loss: trainEval.loss, n: train.rows.length },
  heldOut,
  model: { path: "model.onnx", bytes: onnx.length, sha256: sha256(onnx) },
};
await writeFile(join(here, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
// The committed JSON in the repository's style (Biome), so that regenerating leaves no diff.
execFileSync(
  "npx",
  [
    "biome",
    "format",
    "--write",
    ...["calibration.json", "examples.json", "metrics.json"].map((f) => join(here, f)),
  ],
  { stdio: "ignore" },
);
console.log(
  [
    `dao-delegate MLP ${params.layers.join("-")}: held-out accuracy ${heldOut.accuracy.toFixed(4)} (n ${heldOut.n}), train ${trainEval.accuracy.toFixed(4)}`,
    ...examples.map(
      (e) =>
        `  ${e.name}: logits [${e.logits.map((x) => x.toFixed(3)).join(", ")}] margin ${e.margin.toFixed(3)} -> ${e.decision}`,
    ),
    `model sha256 ${metrics.model.sha256}`,
  ].join("\n"),
);
