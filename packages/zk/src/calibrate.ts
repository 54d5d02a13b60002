import { type OnnxModel, runReference } from "@noosphere/ml";
import { InvalidParameterError } from "@noosphere/sdk";
import {
  analyzeModel,
  decodeModelBytes,
  type ModelAnalysis,
  settingsFromAnalysis,
  sha256Hex,
} from "./compiler/compile.js";
import { ZkCompileError } from "./errors.js";
import { evaluateFast, fastPlan } from "./quantize/fast.js";
import { quantizeValue } from "./quantize/fixed.js";
import { evaluateGraph } from "./quantize/run.js";
import {
  type CalibrationTarget,
  checkRunArgs,
  defaultRunArgs,
  type InputVisibility,
  type OutputVisibility,
  type ParamVisibility,
  parseSettings,
  type ZkCalibration,
  type ZkRunArgs,
  type ZkSettings,
} from "./settings.js";

export type GenSettingsOptions = {
  inputVisibility?: InputVisibility;
  outputVisibility?: OutputVisibility;
  paramVisibility?: ParamVisibility;
  inputScale?: number;
  paramScale?: number;
  /** [lo, hi] every input element lies in (default [-32, 32]); calibration sets it from data. */
  inputRange?: [number, number];
};

const optionNames: Record<keyof ZkRunArgs, keyof GenSettingsOptions> = {
  input_scale: "inputScale",
  param_scale: "paramScale",
  input_visibility: "inputVisibility",
  output_visibility: "outputVisibility",
  param_visibility: "paramVisibility",
  input_range: "inputRange",
};

/**
 * settings.json for a model: run args (defaults: scales 7/7, input hashed, output public,
 * params fixed, input range [-32, 32]) and what they imply (shapes, output scales, constraint
 * estimate, logrows). Fails if the model uses an unsupported operator.
 */
export function genSettings(model: Uint8Array, options: GenSettingsOptions = {}): ZkSettings {
  const merged = {
    input_scale: options.inputScale ?? defaultRunArgs.input_scale,
    param_scale: options.paramScale ?? defaultRunArgs.param_scale,
    input_visibility: options.inputVisibility ?? defaultRunArgs.input_visibility,
    output_visibility: options.outputVisibility ?? defaultRunArgs.output_visibility,
    param_visibility: options.paramVisibility ?? defaultRunArgs.param_visibility,
    input_range: options.inputRange ?? defaultRunArgs.input_range,
  };
  let runArgs: ZkRunArgs;
  try {
    runArgs = checkRunArgs(merged, "options");
  } catch (err) {
    // Name the option the caller passed (inputScale), not the settings field.
    if (err instanceof InvalidParameterError) {
      const key = err.field.replace(/^options\./, "") as keyof ZkRunArgs;
      throw new InvalidParameterError({
        field: `options.${optionNames[key] ?? key}`,
        expected: err.expected,
        received: err.received,
      });
    }
    throw err;
  }
  const analysis = analyzeModel(decodeModelBytes(model), runArgs);
  return settingsFromAnalysis(model, runArgs, analysis, null);
}

export type CalibrateSettingsOptions = {
  target: CalibrationTarget;
  /** Scales to try (input_scale = param_scale = s); default 4..16. */
  scales?: readonly number[];
  /**
   * "resources": the largest acceptable max |quantized - float| on the calibration data
   * (default 1% of the largest |float output| seen).
   */
  tolerance?: number;
  /** "resources": the least acceptable argmax agreement for classifiers (default 0.995). */
  minArgmaxAgreement?: number;
  /** Candidates whose circuit would need more than 2^maxLogrows rows are skipped (default 20). */
  maxLogrows?: number;
  onProgress?: (message: string) => void;
};

type Trial = ZkCalibration["tried"][number] & { analysis: ModelAnalysis | null };

/**
 * Picks scales from data, as EZKL's calibrate-settings: sets input_range to the data's
 * [min, max], runs the quantized model on every sample for each candidate scale, and keeps
 * "resources": the smallest scale whose outputs stay within `tolerance` of the float model and
 * whose argmax agrees on >= 99.5% of samples (classifiers), or
 * "accuracy": the largest scale that fits the 64-bit range-check cap and maxLogrows.
 * Records the measured error and the proven error_bound of the chosen settings.
 */
export function calibrateSettings(
  model: Uint8Array,
  settings: ZkSettings,
  data: readonly (readonly number[])[],
  options: CalibrateSettingsOptions,
): ZkSettings {
  const base = parseSettings(settings);
  const digest = sha256Hex(model);
  if (base.model.sha256 !== digest) {
    throw new InvalidParameterError({
      field: "settings.model.sha256",
      expected: `the sha256 of the model bytes (${digest})`,
      received: base.model.sha256,
    });
  }
  if (options.target !== "resources" && options.target !== "accuracy") {
    throw new InvalidParameterError({
      field: "options.target",
      expected: '"resources" or "accuracy"',
      received: options.target,
    });
  }
  const onnx = decodeModelBytes(model);
  const inputs = base.model.inputs;
  const sizes = inputs.map((i) => i.shape.reduce((a, b) => a * b, 1));
  const n = sizes.reduce((a, b) => a + b, 0);
  if (!Array.isArray(data) || data.length === 0) {
    throw new InvalidParameterError({
      field: "data",
      expected: "at least one sample",
      received: data,
    });
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  data.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== n) {
      throw new InvalidParameterError({
        field: `data[${r}]`,
        expected: `${n} numbers (one flattened sample)`,
        received: Array.isArray(row) ? `${row.length} numbers` : row,
      });
    }
    for (const v of row) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new InvalidParameterError({
          field: `data[${r}]`,
          expected: "finite numbers",
          received: v,
        });
      }
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  });
  const inputRange: [number, number] = [lo, hi];

  const floats = data.map((row) => floatOutputs(onnx, inputs, sizes, row));
  const maxFloat = floats.reduce((m, f) => f.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0);
  const tolerance = options.tolerance ?? Math.max(0.01 * maxFloat, 1e-6);
  const minAgreement = options.minArgmaxAgreement ?? 0.995;
  const maxLogrows = options.maxLogrows ?? 20;
  const scales = options.scales ?? [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

  const trials: Trial[] = [];
  for (const s of scales) {
    const runArgs = checkRunArgs({
      ...base.run_args,
      input_scale: s,
      param_scale: s,
      input_range: inputRange,
    });
    options.onProgress?.(`calibrating: scale ${s}`);
    trials.push(trial(onnx, runArgs, data, floats, maxLogrows));
  }

  const ok = trials.filter((t) => t.failure === null);
  if (ok.length === 0) {
    throw new ZkCompileError(
      `no scale in [${scales.join(", ")}] fits the circuit limits: ${trials.map((t) => `${t.input_scale}: ${t.failure}`).join("; ")}`,
    );
  }
  const good = (t: Trial): boolean =>
    (t.max_abs_error as number) <= tolerance &&
    (t.argmax_agreement === null || t.argmax_agreement >= minAgreement);
  let chosen: Trial;
  if (options.target === "accuracy") {
    chosen = ok.reduce((a, b) => (b.input_scale > a.input_scale ? b : a));
  } else {
    const passing = ok.filter(good);
    chosen =
      passing.length > 0
        ? passing.reduce((a, b) => (b.input_scale < a.input_scale ? b : a))
        : ok.reduce((a, b) => ((b.max_abs_error as number) < (a.max_abs_error as number) ? b : a));
  }
  const analysis = chosen.analysis as ModelAnalysis;
  const runArgs: ZkRunArgs = {
    ...base.run_args,
    input_scale: chosen.input_scale,
    param_scale: chosen.param_scale,
    input_range: inputRange,
  };
  const calibration: ZkCalibration = {
    target: options.target,
    samples: data.length,
    max_abs_error: chosen.max_abs_error as number,
    mean_abs_error: chosen.mean_abs_error as number,
    error_bound: analysis.errorBound,
    argmax_agreement: chosen.argmax_agreement,
    input_range: inputRange,
    tried: trials.map(({ analysis: _a, ...t }) => t),
  };
  return settingsFromAnalysis(model, runArgs, analysis, calibration);
}

function floatOutputs(
  onnx: OnnxModel,
  inputs: { name: string; shape: number[] }[],
  sizes: number[],
  row: readonly number[],
): number[] {
  const feeds: Record<string, { dims: number[]; data: number[] }> = {};
  let at = 0;
  inputs.forEach((inp, i) => {
    const len = sizes[i] as number;
    feeds[inp.name] = { dims: inp.shape, data: row.slice(at, at + len) };
    at += len;
  });
  const out = runReference(onnx, feeds);
  return onnx.graph.outputs.flatMap((o) => Array.from(out[o.name]?.data ?? []));
}

function argmax(v: readonly number[], from: number, to: number): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best - from;
}

function trial(
  onnx: OnnxModel,
  runArgs: ZkRunArgs,
  data: readonly (readonly number[])[],
  floats: number[][],
  maxLogrows: number,
): Trial {
  const empty = {
    input_scale: runArgs.input_scale,
    param_scale: runArgs.param_scale,
    max_abs_error: null,
    mean_abs_error: null,
    argmax_agreement: null,
    error_bound: null,
    constraints: null,
    max_bits: null,
    analysis: null,
  };
  let a: ModelAnalysis;
  try {
    a = analyzeModel(onnx, runArgs);
  } catch (err) {
    if (err instanceof ZkCompileError) return { ...empty, failure: err.shortMessage };
    throw err;
  }
  const rows = 2 ** maxLogrows;
  if (a.constraints + a.layout.total + 1 > rows) {
    return {
      ...empty,
      constraints: a.constraints,
      max_bits: a.maxBits,
      error_bound: a.errorBound,
      failure: `${a.constraints} constraints exceed 2^${maxLogrows}`,
    };
  }
  const outs = a.outputs;
  // Classifier: one output, either an ArgMax index or a vector of scores (argmax over the last axis).
  const only = outs.length === 1 ? outs[0] : undefined;
  const last = only ? (only.dims[only.dims.length - 1] ?? 1) : 1;
  const classifier = only !== undefined && (only.index || last > 1);
  let maxErr = 0;
  let sumErr = 0;
  let count = 0;
  let agree = 0;
  let groups = 0;
  const s = runArgs.input_scale;
  const plan = fastPlan(a.graph);
  const scales = a.graph.outputs.flatMap((o) => o.elements.map(() => o.scale));
  const isIndex = a.graph.outputs.flatMap((o) => o.elements.map(() => o.index));
  for (let r = 0; r < data.length; r++) {
    const q = (data[r] as number[]).map((x) => quantizeValue(x, s));
    const ints = plan
      ? evaluateFast(plan, q.map(Number))
      : evaluateGraph(a.graph, q).outputs.map(Number);
    const res = { outputsFloat: ints.map((x, i) => x / 2 ** (scales[i] as number)) };
    const f = floats[r] as number[];
    res.outputsFloat.forEach((v, i) => {
      if (isIndex[i]) return;
      const e = Math.abs(v - (f[i] as number));
      maxErr = Math.max(maxErr, e);
      sumErr += e;
      count++;
    });
    if (classifier && only) {
      if (only.index) {
        res.outputsFloat.forEach((v, i) => {
          groups++;
          if (v === f[i]) agree++;
        });
      } else {
        for (let from = 0; from < f.length; from += last) {
          groups++;
          if (argmax(res.outputsFloat, from, from + last) === argmax(f, from, from + last)) agree++;
        }
      }
    }
  }
  return {
    input_scale: runArgs.input_scale,
    param_scale: runArgs.param_scale,
    max_abs_error: maxErr,
    mean_abs_error: count > 0 ? sumErr / count : 0,
    argmax_agreement: classifier ? agree / groups : null,
    error_bound: a.errorBound,
    constraints: a.constraints,
    max_bits: a.maxBits,
    failure: null,
    analysis: a,
  };
}
