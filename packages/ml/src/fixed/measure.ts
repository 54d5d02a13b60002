// Honest-overhead measurement for bench/optimistic.ts: fixed-point training without and with per-state
// commitments, against the float trainer, on the digits data (same machine, same process).

import type { OnnxModel } from "../onnx/types.js";
import { predictMlp, trainMlp } from "../train/mlp.js";
import { cnnInferProgramFromOnnx } from "./cnn.js";
import { type DigitsRows, loadDigitsDataset, readDigitsCsv, splitDigits } from "./dataset.js";
import { digitsTrainSpecFor, fixedAccuracy } from "./digits.js";
import { runProgram, runTransition, transitionTrace } from "./run.js";

export type MeasureFixedTrainingOptions = {
  /** examples/data/digits.csv path or its parsed rows. */
  digits: string | DigitsRows;
  /** Training steps (default 1000). */
  steps?: number;
  /** Runs of each variant; the fastest counts (default 1). */
  repeats?: number;
};

export type MeasureFixedTrainingResult = {
  steps: number;
  /** (a) fixed-point training, only state 0 and the final state hashed (checkpoints kept every 10 states). */
  plainMs: number;
  /** (b) the same with every state 0..n committed (9 tensor roots + the state hash per state). */
  committedMs: number;
  /** (c) the float trainer (trainMlp, same layers, B, momentum) for about the same number of steps. */
  floatMs: number;
  floatSteps: number;
  /** committedMs / plainMs. */
  overheadVsPlain: number;
  /** committedMs / floatMs. */
  overheadVsFloat: number;
  fixedAccuracy: number;
  floatAccuracy: number;
  finalState: `0x${string}`;
};

function argmax(row: readonly number[]): number {
  let best = 0;
  row.forEach((v, i) => {
    if (v > (row[best] as number)) best = i;
  });
  return best;
}

export function measureFixedTraining(
  options: MeasureFixedTrainingOptions,
): MeasureFixedTrainingResult {
  const rows = typeof options.digits === "string" ? readDigitsCsv(options.digits) : options.digits;
  const { train, test } = splitDigits(rows);
  const data = loadDigitsDataset(rows);
  const steps = options.steps ?? 1000;
  const repeats = options.repeats ?? 1;
  const spec = digitsTrainSpecFor(data, { steps });
  const time = <T>(f: () => T): { ms: number; value: T } => {
    let best = Number.POSITIVE_INFINITY;
    let value: T | undefined;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      value = f();
      best = Math.min(best, performance.now() - t0);
    }
    return { ms: best, value: value as T };
  };
  const plain = time(() => runProgram(spec, data, { commit: "final" }));
  const committed = time(() => runProgram(spec, data, { commit: "all" }));
  const batchesPerEpoch = Math.ceil(train.features.length / spec.batch);
  const epochs = Math.max(1, Math.round(steps / batchesPerEpoch));
  const float = time(() =>
    trainMlp(
      {
        layers: [64, 32, 10],
        epochs,
        learningRate: 0.05,
        batchSize: spec.batch,
        seed: 1,
        momentum: 0.9,
        inputScale: 1 / 16,
      },
      train.features,
      train.labels,
    ),
  );
  const scaled = test.features.map((r) => r.map((p) => p / 16));
  const preds = predictMlp(float.value.mlp, test.features);
  const floatAccuracy =
    preds.filter((p, i) => argmax(p) === test.labels[i]).length / test.labels.length;
  return {
    steps,
    plainMs: plain.ms,
    committedMs: committed.ms,
    floatMs: float.ms,
    floatSteps: epochs * batchesPerEpoch,
    overheadVsPlain: committed.ms / plain.ms,
    overheadVsFloat: committed.ms / float.ms,
    fixedAccuracy: fixedAccuracy(committed.value.components, scaled, test.labels, spec),
    floatAccuracy,
    finalState: committed.value.finalState,
  };
}

export type MeasureFixedCnnInferenceResult = {
  rows: number;
  repeats: number;
  /** Mean ms of one fixed-point inference without any hashing (ops only). */
  plainMs: number;
  /** Mean ms with the state commitments (roots of input and weights, genesis and final state hashes). */
  committedMs: number;
  /** Mean ms with the state commitments and every op output's root (the per-operator trace). */
  tracedMs: number;
  overheadCommitted: number;
  overheadTraced: number;
  finalState: `0x${string}`;
};

/** Honest overhead of the cnn-infer program's commitments (examples/zk/models/cnn.onnx) for the bench. */
export function measureFixedCnnInference(
  model: OnnxModel,
  rows: readonly (readonly number[])[],
  repeats = 200,
): MeasureFixedCnnInferenceResult {
  const mean = (f: () => unknown) => {
    f();
    const t0 = performance.now();
    for (let r = 0; r < repeats; r++) f();
    return (performance.now() - t0) / repeats;
  };
  // Each variant starts from the model and the raw rows (quantisation included in all three).
  const plainMs = mean(() => {
    const { spec, input } = cnnInferProgramFromOnnx(model, rows, { roots: false });
    return runTransition(spec, input, 0, [input.x, input.convW, input.convB, input.fcW, input.fcB]);
  });
  let finalState = "0x" as `0x${string}`;
  const committedMs = mean(() => {
    const { spec, input } = cnnInferProgramFromOnnx(model, rows);
    finalState = runProgram(spec, input).finalState;
  });
  const tracedMs = mean(() => {
    const { spec, input } = cnnInferProgramFromOnnx(model, rows);
    const run = runProgram(spec, input);
    transitionTrace(spec, input, run, 0);
  });
  return {
    rows: rows.length,
    repeats,
    plainMs,
    committedMs,
    tracedMs,
    overheadCommitted: committedMs / plainMs,
    overheadTraced: tracedMs / plainMs,
    finalState,
  };
}
