// An ONNX MLP (Gemm, Relu, Gemm: what exportMlpOnnx writes, e.g. examples/digits/mlp.onnx) as the
// fixed-point programs of optimistic inference (kind 2, mlp-infer) and evaluation (kind 4, mlp-eval):
// the weights and inputs quantised to Q16.16 (toQ, round to nearest), labels as integers.
import type { OnnxModel, OnnxNode } from "../onnx/types.js";
import { toQ } from "./arith.js";
import type { FixedEvalInput, FixedInferInput } from "./dataset.js";
import { tensorRoot } from "./merkle.js";
import type { MlpEvalSpec, MlpInferSpec } from "./spec.js";

export type FixedMlpWeights = {
  nIn: number;
  nHidden: number;
  nOut: number;
  /** [nHidden][nIn], [nHidden], [nOut][nHidden], [nOut] in Q16.16. */
  w1: Int32Array;
  b1: Int32Array;
  w2: Int32Array;
  b2: Int32Array;
};

const weightsCache = new WeakMap<OnnxModel, FixedMlpWeights>();

function initializer(model: OnnxModel, name: string | undefined) {
  const t = model.graph.initializers.find((i) => i.name === name);
  if (!t) throw new TypeError(`mlp: the model has no initializer "${name}"`);
  return {
    dims: t.dims.map(Number),
    data: Array.from(t.data as ArrayLike<number | bigint>, Number),
  };
}

function gemm(
  model: OnnxModel,
  node: OnnxNode,
): { w: number[]; b: number[]; nO: number; nI: number } {
  const attr = (k: string, d: number) => {
    const a = node.attributes[k];
    return a && (a.type === "int" || a.type === "float") ? Number(a.value) : d;
  };
  if (attr("alpha", 1) !== 1 || attr("beta", 1) !== 1 || attr("transA", 0) !== 0)
    throw new TypeError(`mlp: Gemm ${node.name} must have alpha 1, beta 1, transA 0`);
  const w = initializer(model, node.inputs[1]);
  const b = initializer(model, node.inputs[2]);
  const transB = attr("transB", 0) === 1;
  const [d0, d1] = w.dims as [number, number];
  const [nO, nI] = transB ? [d0, d1] : [d1, d0];
  // Row-major [nO][nI] (the program's W layout).
  const wt = transB
    ? w.data
    : Array.from(
        { length: nO * nI },
        (_, k) => w.data[(k % nI) * nO + Math.floor(k / nI)] as number,
      );
  if (b.data.length !== nO)
    throw new TypeError(
      `mlp: Gemm ${node.name}'s bias has ${b.data.length} values, expected ${nO}`,
    );
  return { w: wt, b: b.data, nO, nI };
}

/**
 * The quantised weights of a one-hidden-layer ONNX MLP: exactly the nodes Gemm, Relu, Gemm (in
 * order, weights as initializers). Anything else is not a program the referee can replay.
 */
export function fixedMlpWeightsOfOnnx(model: OnnxModel): FixedMlpWeights {
  const cached = weightsCache.get(model);
  if (cached) return cached;
  const ops = model.graph.nodes.map((n) => n.opType);
  if (ops.join(",") !== "Gemm,Relu,Gemm")
    throw new TypeError(
      `mlp: the fixed-point program runs Gemm, Relu, Gemm (one hidden layer); the model has ${ops.join(", ")}`,
    );
  const l1 = gemm(model, model.graph.nodes[0] as OnnxNode);
  const l2 = gemm(model, model.graph.nodes[2] as OnnxNode);
  if (l2.nI !== l1.nO) throw new TypeError(`mlp: layer sizes do not chain (${l1.nO} -> ${l2.nI})`);
  const q = (xs: readonly number[]) => Int32Array.from(xs, toQ);
  const w: FixedMlpWeights = {
    nIn: l1.nI,
    nHidden: l1.nO,
    nOut: l2.nO,
    w1: q(l1.w),
    b1: q(l1.b),
    w2: q(l2.w),
    b2: q(l2.b),
  };
  weightsCache.set(model, w);
  return w;
}

function quantize(rows: readonly (readonly number[])[], nIn: number): Int32Array {
  if (rows.length < 1) throw new RangeError("mlp: needs at least one input row");
  const x = new Int32Array(rows.length * nIn);
  rows.forEach((r, i) => {
    if (r.length !== nIn)
      throw new RangeError(`mlp: row ${i} has ${r.length} values, expected ${nIn}`);
    for (let f = 0; f < nIn; f++) x[i * nIn + f] = toQ(r[f] as number);
  });
  return x;
}

/** The mlp-infer program (kind 2) of an ONNX MLP on real-valued input rows (what the model takes). */
export function mlpInferProgramFromOnnx(
  model: OnnxModel,
  rows: readonly (readonly number[])[],
): { spec: MlpInferSpec; input: FixedInferInput } {
  const w = fixedMlpWeightsOfOnnx(model);
  const x = quantize(rows, w.nIn);
  return {
    spec: {
      kind: "mlp-infer",
      nIn: w.nIn,
      nHidden: w.nHidden,
      nOut: w.nOut,
      rows: rows.length,
      xRoot: tensorRoot(x),
      w1Root: tensorRoot(w.w1),
      b1Root: tensorRoot(w.b1),
      w2Root: tensorRoot(w.w2),
      b2Root: tensorRoot(w.b2),
    },
    input: { x, w1: w.w1, b1: w.b1, w2: w.w2, b2: w.b2 },
  };
}

/** The mlp-eval program (kind 4) of an ONNX MLP on labelled rows (labels: class indices 0..nOut-1). */
export function mlpEvalProgramFromOnnx(
  model: OnnxModel,
  rows: readonly (readonly number[])[],
  labels: readonly number[],
): { spec: MlpEvalSpec; input: FixedEvalInput } {
  const { spec, input } = mlpInferProgramFromOnnx(model, rows);
  if (labels.length !== rows.length)
    throw new RangeError(`mlp: ${labels.length} labels for ${rows.length} rows`);
  const y = Int32Array.from(labels, (v, i) => {
    if (!Number.isSafeInteger(v) || v < 0 || v >= spec.nOut)
      throw new RangeError(`mlp: label ${i} must be a class index 0..${spec.nOut - 1}, got ${v}`);
    return v;
  });
  return {
    spec: { ...spec, kind: "mlp-eval", yRoot: tensorRoot(y) },
    input: { ...input, y },
  };
}
