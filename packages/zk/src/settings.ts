import { InvalidParameterError } from "@noosphere/sdk";

// settings.json, EZKL-style: the run arguments a circuit is compiled from, plus what gen/calibrate
// measured. Field names follow EZKL (input_scale, param_scale, *_visibility, logrows) so EZKL
// users recognise them; `input_range` is ours: the circuit range-checks every input against it.

export type InputVisibility = "public" | "private" | "hashed";
export type OutputVisibility = "public" | "hashed";
export type ParamVisibility = "fixed" | "hashed";
export type CalibrationTarget = "resources" | "accuracy";

export type ZkRunArgs = {
  /** Inputs are round(x * 2^input_scale); every activation is rescaled back to this scale. */
  input_scale: number;
  /** Weights are round(w * 2^param_scale). */
  param_scale: number;
  input_visibility: InputVisibility;
  output_visibility: OutputVisibility;
  param_visibility: ParamVisibility;
  /**
   * Every input element must lie in [lo, hi]; the circuit range-checks it and all bit widths
   * follow from it. Set by calibration from data; default [-32, 32].
   */
  input_range: [number, number];
};

export type ZkCalibration = {
  target: CalibrationTarget;
  samples: number;
  /** |dequantized circuit output - float64 model output| over the calibration samples. */
  max_abs_error: number;
  mean_abs_error: number;
  /** Proven bound on that error for every input in input_range (non-index outputs). */
  error_bound: number;
  /** Share of samples whose output argmax (or ArgMax output) matches the float model; null if not a classifier. */
  argmax_agreement: number | null;
  input_range: [number, number];
  tried: {
    input_scale: number;
    param_scale: number;
    max_abs_error: number | null;
    mean_abs_error: number | null;
    argmax_agreement: number | null;
    error_bound: number | null;
    constraints: number | null;
    max_bits: number | null;
    /** Why the scale pair was rejected (e.g. too many bits); null when it compiled. */
    failure: string | null;
  }[];
};

export type ZkSettings = {
  version: 1;
  run_args: ZkRunArgs;
  model: {
    sha256: string;
    inputs: { name: string; shape: number[] }[];
    outputs: { name: string; shape: number[] }[];
    opset: number;
  };
  model_input_scales: number[];
  model_output_scales: number[];
  num_constraints_estimate: number;
  /** 2^logrows >= constraints + public signals + 1 (the powers-of-tau size snarkjs needs). */
  logrows: number;
  calibration: ZkCalibration | null;
};

/**
 * Defaults: input hashed (one public signal that commits to the input), output public (the
 * logits or class are what a consumer contract reads), params fixed (weights are constants in
 * the circuit, so linear layers cost no constraints and the verifying key commits to them).
 * EZKL's CLI defaults differ (input private, params private); those suit off-chain use.
 */
export const defaultRunArgs: ZkRunArgs = {
  input_scale: 7,
  param_scale: 7,
  input_visibility: "hashed",
  output_visibility: "public",
  param_visibility: "fixed",
  input_range: [-32, 32],
};

export const MAX_SCALE = 24;

const fail = (field: string, expected: string, received: unknown): never => {
  throw new InvalidParameterError({ field, expected, received });
};

function checkScale(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_SCALE) {
    fail(field, `an integer in [0, ${MAX_SCALE}]`, v);
  }
  return v as number;
}

function checkEnum<E extends string>(field: string, v: unknown, allowed: readonly E[]): E {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    fail(field, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, v);
  }
  return v as E;
}

function checkRange(field: string, v: unknown): [number, number] {
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    !v.every((x) => typeof x === "number" && Number.isFinite(x)) ||
    (v[0] as number) > (v[1] as number)
  ) {
    fail(field, "[lo, hi] with finite numbers lo <= hi", v);
  }
  const r = v as number[];
  return [r[0] as number, r[1] as number];
}

/** Validates run args (from options or a settings file); errors name the field. */
export function checkRunArgs(raw: unknown, prefix = "run_args"): ZkRunArgs {
  if (typeof raw !== "object" || raw === null) fail(prefix, "an object", raw);
  const r = raw as Record<string, unknown>;
  return {
    input_scale: checkScale(`${prefix}.input_scale`, r.input_scale),
    param_scale: checkScale(`${prefix}.param_scale`, r.param_scale),
    input_visibility: checkEnum(`${prefix}.input_visibility`, r.input_visibility, [
      "public",
      "private",
      "hashed",
    ]),
    output_visibility: checkEnum(`${prefix}.output_visibility`, r.output_visibility, [
      "public",
      "hashed",
    ]),
    param_visibility: checkEnum(`${prefix}.param_visibility`, r.param_visibility, [
      "fixed",
      "hashed",
    ]),
    input_range: checkRange(
      `${prefix}.input_range`,
      r.input_range === undefined ? defaultRunArgs.input_range : r.input_range,
    ),
  };
}

/** Parses settings.json content (an object or JSON text); every error names the bad field. */
export function parseSettings(json: unknown): ZkSettings {
  const raw = typeof json === "string" ? parseJson(json) : json;
  if (typeof raw !== "object" || raw === null) fail("settings", "a JSON object", raw);
  const s = raw as Record<string, unknown>;
  if (s.version !== 1) fail("version", "1", s.version);
  const run_args = checkRunArgs(s.run_args);
  const model = s.model as Record<string, unknown> | undefined;
  if (typeof model !== "object" || model === null) fail("model", "an object", model);
  const m = model as Record<string, unknown>;
  if (typeof m.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(m.sha256)) {
    fail("model.sha256", "64 lowercase hex characters (sha256 of the ONNX bytes)", m.sha256);
  }
  const ios = (field: string, v: unknown): { name: string; shape: number[] }[] => {
    if (!Array.isArray(v)) fail(field, "an array of {name, shape}", v);
    return (v as unknown[]).map((x, i) => {
      const o = x as { name?: unknown; shape?: unknown };
      if (typeof o?.name !== "string") fail(`${field}[${i}].name`, "a string", o?.name);
      if (
        !Array.isArray(o.shape) ||
        !o.shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)
      ) {
        fail(`${field}[${i}].shape`, "an array of non-negative integers", o.shape);
      }
      return { name: o.name as string, shape: [...(o.shape as number[])] };
    });
  };
  const scales = (field: string, v: unknown): number[] => {
    if (!Array.isArray(v)) fail(field, "an array of integer scales", v);
    return (v as unknown[]).map((x, i) => checkScale(`${field}[${i}]`, x));
  };
  const posInt = (field: string, v: unknown): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      fail(field, "a non-negative integer", v);
    }
    return v as number;
  };
  if (typeof m.opset !== "number" || !Number.isInteger(m.opset)) {
    fail("model.opset", "an integer", m.opset);
  }
  const cal = s.calibration;
  if (cal !== null && cal !== undefined && typeof cal !== "object") {
    fail("calibration", "null or an object", cal);
  }
  if (cal && typeof cal === "object") {
    const c = cal as Record<string, unknown>;
    checkEnum("calibration.target", c.target, ["resources", "accuracy"]);
    checkRange("calibration.input_range", c.input_range);
  }
  return {
    version: 1,
    run_args,
    model: {
      sha256: m.sha256 as string,
      inputs: ios("model.inputs", m.inputs),
      outputs: ios("model.outputs", m.outputs),
      opset: m.opset as number,
    },
    model_input_scales: scales("model_input_scales", s.model_input_scales),
    model_output_scales: scales("model_output_scales", s.model_output_scales),
    num_constraints_estimate: posInt("num_constraints_estimate", s.num_constraints_estimate),
    logrows: posInt("logrows", s.logrows),
    calibration: (cal ?? null) as ZkCalibration | null,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    return fail("settings", "valid JSON", `${text.slice(0, 40)}... (${String(cause)})`);
  }
}

/** Smallest logrows with 2^logrows >= constraints + public signals + 1 (at least 8). */
export function logrowsFor(constraints: number, publicSignals: number): number {
  const need = constraints + publicSignals + 1;
  let k = 8;
  while (2 ** k < need) k++;
  return k;
}

// genSettings/calibrateSettings live in calibrate.ts (they run the compiler); re-exported here
// so settings code has one import path.
export {
  type CalibrateSettingsOptions,
  calibrateSettings,
  type GenSettingsOptions,
  genSettings,
} from "./calibrate.js";
