// Program specs (ARITHMETIC.md §2): the bytes the referee's registerSpec takes, and their hash.
import type { Hex } from "viem";
import { fromHex, keccakBytes, toHex } from "./hash.js";

/** kind 1: training an MLP nIn-nHidden-nOut with momentum SGD on a committed dataset. */
export type MlpTrainSpec = {
  kind: "mlp-train";
  nIn: number;
  nHidden: number;
  nOut: number;
  /** Minibatch size B. */
  batch: number;
  /** Training steps T (the program has T + 1 transitions: init, then T steps). */
  steps: number;
  /** Learning rate, Q16.16. */
  lrQ: number;
  /** Momentum, Q16.16. */
  muQ: number;
  seed: number;
  /** Uniform init half-widths, Q16.16. */
  initScaleW1Q: number;
  initScaleW2Q: number;
  /** Number of samples N in the dataset. */
  n: number;
  /** R10 root of the dataset tensor (N * stride elements). */
  dataRoot: Hex;
};

/** kind 2: MLP inference on `rows` inputs; the tensors are committed by their roots. */
export type MlpInferSpec = {
  kind: "mlp-infer";
  nIn: number;
  nHidden: number;
  nOut: number;
  rows: number;
  xRoot: Hex;
  w1Root: Hex;
  b1Root: Hex;
  w2Root: Hex;
  b2Root: Hex;
};

/**
 * kind 4: evaluation of an MLP on `rows` labelled inputs: mlp-infer, then per row correct = (argmax of the
 * logits row == label), then the count of correct rows. The final state commits the logits and the count.
 */
export type MlpEvalSpec = {
  kind: "mlp-eval";
  nIn: number;
  nHidden: number;
  nOut: number;
  rows: number;
  xRoot: Hex;
  w1Root: Hex;
  b1Root: Hex;
  w2Root: Hex;
  b2Root: Hex;
  /** R10 root of the labels tensor (rows integer class indices, not Q16.16). */
  yRoot: Hex;
};

/**
 * kind 3: a small CNN on single-channel side x side images: Conv 3x3 (stride 1, zero padding convPad) + bias,
 * ReLU, zero padding poolPad on each side, AveragePool 2x2 stride 2, Flatten (c, y, x), Gemm (fc) + bias.
 * examples/zk/models/cnn.onnx: side 8, channels 4, classes 10, convPad 0, poolPad 1.
 */
export type CnnInferSpec = {
  kind: "cnn-infer";
  rows: number;
  side: number;
  channels: number;
  classes: number;
  convPad: number;
  poolPad: number;
  xRoot: Hex;
  convWRoot: Hex;
  convBRoot: Hex;
  fcWRoot: Hex;
  fcBRoot: Hex;
};

export type FixedSpec = MlpTrainSpec | MlpInferSpec | CnnInferSpec | MlpEvalSpec;

export const SPEC_KIND = { "mlp-train": 1, "mlp-infer": 2, "cnn-infer": 3, "mlp-eval": 4 } as const;

/**
 * Bounds of a cnn-infer spec (ARITHMETIC.md §2, the CnnStepReferee's MAX_*): they keep every element
 * check's transaction below 3M gas with its calldata (the logits check opens 2 * features / 8 leaves).
 */
export const CNN_LIMITS = {
  rows: 64,
  side: 256,
  channels: 64,
  classes: 128,
  features: 512,
} as const;

/** Derived CNN geometry: conv output side, padded side, pooled side, fc input features. */
export function cnnGeometry(spec: CnnInferSpec): {
  convSide: number;
  padSide: number;
  poolSide: number;
  features: number;
} {
  const convSide = spec.side + 2 * spec.convPad - 2;
  const padSide = convSide + 2 * spec.poolPad;
  const poolSide = Math.floor(padSide / 2);
  return { convSide, padSide, poolSide, features: spec.channels * poolSide * poolSide };
}

function checkUint(name: string, x: number, min = 1): void {
  if (!Number.isSafeInteger(x) || x < min)
    throw new RangeError(`spec.${name} must be an integer >= ${min}, got ${x}`);
}
function checkInt32(name: string, x: number): void {
  if (!Number.isSafeInteger(x) || x < -2147483648 || x > 2147483647)
    throw new RangeError(`spec.${name} must be an int32 (Q16.16), got ${x}`);
}
function checkBytes32(name: string, x: string): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(x))
    throw new TypeError(`spec.${name} must be a 32-byte hex string, got ${x}`);
}

export function validateSpec(spec: FixedSpec): void {
  if (spec.kind === "cnn-infer") {
    checkUint("rows", spec.rows);
    checkUint("side", spec.side, 2);
    checkUint("channels", spec.channels);
    checkUint("classes", spec.classes);
    checkUint("convPad", spec.convPad, 0);
    checkUint("poolPad", spec.poolPad, 0);
    if (spec.convPad > 1 || spec.poolPad > 1)
      throw new RangeError("spec.convPad and spec.poolPad must be 0 or 1");
    for (const k of ["rows", "side", "channels", "classes"] as const)
      if (spec[k] > CNN_LIMITS[k])
        throw new RangeError(`spec.${k} must be at most ${CNN_LIMITS[k]}, got ${spec[k]}`);
    const g = cnnGeometry(spec);
    if (g.convSide < 1 || g.poolSide < 1)
      throw new RangeError("spec.side too small for the conv and pool");
    if (g.features > CNN_LIMITS.features)
      throw new RangeError(
        `spec: channels * poolSide^2 must be at most ${CNN_LIMITS.features}, got ${g.features}`,
      );
    for (const k of ["xRoot", "convWRoot", "convBRoot", "fcWRoot", "fcBRoot"] as const)
      checkBytes32(k, spec[k]);
    return;
  }
  checkUint("nIn", spec.nIn);
  checkUint("nHidden", spec.nHidden);
  checkUint("nOut", spec.nOut);
  if (spec.kind === "mlp-train") {
    checkUint("batch", spec.batch);
    checkUint("steps", spec.steps);
    checkUint("n", spec.n);
    checkUint("seed", spec.seed, 0);
    checkInt32("lrQ", spec.lrQ);
    checkInt32("muQ", spec.muQ);
    checkInt32("initScaleW1Q", spec.initScaleW1Q);
    checkInt32("initScaleW2Q", spec.initScaleW2Q);
    checkBytes32("dataRoot", spec.dataRoot);
  } else if (spec.kind === "mlp-infer" || spec.kind === "mlp-eval") {
    checkUint("rows", spec.rows);
    for (const k of ["xRoot", "w1Root", "b1Root", "w2Root", "b2Root"] as const)
      checkBytes32(k, spec[k]);
    if (spec.kind === "mlp-eval") checkBytes32("yRoot", spec.yRoot);
  } else {
    throw new TypeError(
      `spec.kind must be "mlp-train", "mlp-infer", "cnn-infer" or "mlp-eval", got ${(spec as { kind: string }).kind}`,
    );
  }
}

/** One abi word: a non-negative or negative (two's complement) integer, or a bytes32. */
function word(x: number | Hex): string {
  if (typeof x === "string") return x.slice(2).toLowerCase();
  return BigInt.asUintN(256, BigInt(x)).toString(16).padStart(64, "0");
}

/** The spec's words in ARITHMETIC.md §2 order; kind 4 (mlp-eval) is kind 2's words plus yRoot. */
function specWords(spec: FixedSpec): (number | Hex)[] {
  switch (spec.kind) {
    case "mlp-train":
      return [
        1,
        spec.nIn,
        spec.nHidden,
        spec.nOut,
        spec.batch,
        spec.steps,
        spec.lrQ,
        spec.muQ,
        spec.seed,
        spec.initScaleW1Q,
        spec.initScaleW2Q,
        spec.n,
        spec.dataRoot,
      ];
    case "mlp-infer":
    case "mlp-eval": {
      const words = [
        spec.nIn,
        spec.nHidden,
        spec.nOut,
        spec.rows,
        spec.xRoot,
        spec.w1Root,
        spec.b1Root,
        spec.w2Root,
        spec.b2Root,
      ];
      return spec.kind === "mlp-eval" ? [4, ...words, spec.yRoot] : [2, ...words];
    }
    case "cnn-infer":
      return [
        3,
        spec.rows,
        spec.side,
        spec.channels,
        spec.classes,
        spec.convPad,
        spec.poolPad,
        spec.xRoot,
        spec.convWRoot,
        spec.convBRoot,
        spec.fcWRoot,
        spec.fcBRoot,
      ];
  }
}

/** abi.encode of the spec tuple (ARITHMETIC.md §2): every field is one static 32-byte word. */
export function encodeSpec(spec: FixedSpec): Hex {
  validateSpec(spec);
  const fields = specWords(spec);
  return `0x${fields.map(word).join("")}`;
}

export function specHashOf(spec: FixedSpec): Hex {
  return toHex(keccakBytes(fromHex(encodeSpec(spec))));
}

/** Number of transitions n (states 0..n). */
export function numTransitions(spec: FixedSpec): number {
  return spec.kind === "mlp-train" ? spec.steps + 1 : 1;
}

/** Elements per dataset sample: 8 * ceil((nIn + 1) / 8). */
export function sampleStride(nIn: number): number {
  return 8 * Math.ceil((nIn + 1) / 8);
}
