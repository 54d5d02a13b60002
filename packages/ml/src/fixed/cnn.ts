// The CNN of examples/zk/models/cnn.onnx as a cnn-infer program (ARITHMETIC.md §4, kind 3).
import type { Hex } from "viem";
import type { OnnxModel } from "../onnx/types.js";
import { toQ } from "./arith.js";
import type { FixedCnnInput } from "./dataset.js";
import { toHex } from "./hash.js";
import { cachedRootBytes, tensorRoot } from "./merkle.js";
import type { CnnInferSpec } from "./spec.js";

function initializer(model: OnnxModel, name: string): { dims: number[]; data: number[] } {
  const t = model.graph.initializers.find((i) => i.name === name);
  if (!t) throw new TypeError(`cnn: the model has no initializer "${name}"`);
  return {
    dims: t.dims.map(Number),
    data: Array.from(t.data as ArrayLike<number | bigint>, Number),
  };
}

function attrInts(model: OnnxModel, opType: string, name: string): number[] | undefined {
  const node = model.graph.nodes.find((n) => n.opType === opType);
  const a = node?.attributes[name];
  return a && a.type === "ints" ? a.value.map(Number) : undefined;
}

/**
 * A cnn-infer spec and its tensors from a Conv/Relu/Pad/AveragePool/Flatten/Gemm model like cnn.onnx
 * (weights conv.weight [C,1,3,3], conv.bias, fc.weight [classes, features], fc.bias) and real-valued input rows
 * (side * side values each, what the ONNX model takes). poolPad: the zero padding before the pool (cnn.onnx: 1).
 */
type CnnWeights = {
  channels: number;
  classes: number;
  /** fc.weight's input size: channels * poolSide^2. */
  features: number;
  convPad: number;
  convW: Int32Array;
  convB: Int32Array;
  fcW: Int32Array;
  fcB: Int32Array;
  roots: { convW: Hex; convB: Hex; fcW: Hex; fcB: Hex };
};

// The quantised weights and their roots are computed once per model object (a provider serves one model many times).
const weightsCache = new WeakMap<OnnxModel, CnnWeights>();

function cnnWeights(model: OnnxModel): CnnWeights {
  const cached = weightsCache.get(model);
  if (cached) return cached;
  const convW = initializer(model, "conv.weight");
  const [channels, inCh, kh, kw] = convW.dims as [number, number, number, number];
  if (inCh !== 1 || kh !== 3 || kw !== 3)
    throw new TypeError(`cnn: conv.weight must be [C, 1, 3, 3], got [${convW.dims}]`);
  const fcW = initializer(model, "fc.weight");
  const q = (xs: readonly number[]) => Int32Array.from(xs, toQ);
  const w = {
    channels,
    classes: fcW.dims[0] as number,
    features: fcW.dims[1] as number,
    convPad: (attrInts(model, "Conv", "pads") ?? [0])[0] as number,
    convW: q(convW.data),
    convB: q(initializer(model, "conv.bias").data),
    fcW: q(fcW.data),
    fcB: q(initializer(model, "fc.bias").data),
  };
  const out: CnnWeights = {
    ...w,
    roots: {
      convW: tensorRoot(w.convW),
      convB: tensorRoot(w.convB),
      fcW: tensorRoot(w.fcW),
      fcB: tensorRoot(w.fcB),
    },
  };
  weightsCache.set(model, out);
  return out;
}

/**
 * A cnn-infer spec and its tensors from a Conv/Relu/Pad/AveragePool/Flatten/Gemm model like cnn.onnx
 * (weights conv.weight [C,1,3,3], conv.bias, fc.weight [classes, features], fc.bias) and real-valued input rows
 * (side * side values each, what the ONNX model takes). poolPad: the zero padding before the pool (cnn.onnx: 1;
 * default: the padding that gives fc.weight's input size). The quantised weights and their roots are cached per model object.
 */
export function cnnInferProgramFromOnnx(
  model: OnnxModel,
  rows: readonly (readonly number[])[],
  options: {
    poolPad?: number /** false: skip the input root (placeholder), for timing plain inference. */;
    roots?: boolean;
  } = {},
): { spec: CnnInferSpec; input: FixedCnnInput } {
  const w = cnnWeights(model);
  const side = Math.round(Math.sqrt((rows[0] ?? []).length));
  const x = new Int32Array(rows.length * side * side);
  rows.forEach((r, i) => {
    if (r.length !== side * side)
      throw new RangeError(`cnn: row ${i} has ${r.length} values, expected ${side * side}`);
    x.set(Int32Array.from(r, toQ), i * side * side);
  });
  const input: FixedCnnInput = { x, convW: w.convW, convB: w.convB, fcW: w.fcW, fcB: w.fcB };
  // The padding before the pool (cnn.onnx builds it from shape arithmetic, not an attribute) is the
  // one that gives fc.weight's input size: floor((convSide + 2 p) / 2) = floor(convSide / 2) + p.
  const convSide = side + 2 * w.convPad - 2;
  const poolSide = Math.round(Math.sqrt(w.features / w.channels));
  const poolPad = options.poolPad ?? poolSide - Math.floor(convSide / 2);
  const poolSideOfPad = Math.floor((convSide + 2 * poolPad) / 2);
  if (poolPad < 0 || w.channels * poolSideOfPad * poolSideOfPad !== w.features)
    throw new RangeError(
      `cnn: fc.weight takes ${w.features} features, but ${w.channels} channels of a ${side}x${side} input pooled 2x2 with padding ${poolPad} give ${w.channels * poolSideOfPad * poolSideOfPad}`,
    );
  const spec: CnnInferSpec = {
    kind: "cnn-infer",
    rows: rows.length,
    side,
    channels: w.channels,
    classes: w.classes,
    convPad: w.convPad,
    poolPad,
    // Memoised per array: the genesis state hash reads the same root (runProgram).
    xRoot: options.roots === false ? `0x${"00".repeat(32)}` : toHex(cachedRootBytes(x)),
    convWRoot: w.roots.convW,
    convBRoot: w.roots.convB,
    fcWRoot: w.roots.fcW,
    fcBRoot: w.roots.fcB,
  };
  return { spec, input };
}
