import { InvalidParameterError } from "@noosphere/sdk";
import { detExp } from "../detmath.js";
import { OnnxFormatError } from "../errors.js";
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor, TensorDataType } from "./types.js";

// A plain float64 interpreter for the operators we support: the yardstick that onnxruntime's
// float32 results (and later the zk circuits' fixed-point results) are compared against. It is
// written for clarity, not speed. Integer tensors (shapes, pads, ArgMax) are held as doubles,
// exact up to 2^53.

export type RefTensor = { dims: number[]; data: Float64Array; dataType: TensorDataType };

/** Operators `runReference` evaluates (default ONNX domain, opset 13 semantics). */
export const referenceOperators = [
  "Add",
  "ArgMax",
  "AveragePool",
  "BatchNormalization",
  "Constant",
  "Conv",
  "Div",
  "Flatten",
  "Gemm",
  "Identity",
  "MatMul",
  "MaxPool",
  "Mul",
  "Pad",
  "Relu",
  "Reshape",
  "Softmax",
  "Sub",
] as const;

type Op = (node: OnnxNode, inputs: (RefTensor | undefined)[], ctx: { opset: number }) => RefTensor;

/**
 * Runs the model in float64 on `feeds` (graph input name -> dims and values) and returns every
 * graph output. Unsupported operators fail with an error naming the node.
 */
export function runReference(
  model: OnnxModel,
  feeds: Record<string, { dims: readonly number[]; data: ArrayLike<number> }>,
): Record<string, RefTensor> {
  const values = new Map<string, RefTensor>();
  for (const t of model.graph.initializers) values.set(t.name, fromOnnxTensor(t));
  for (const input of model.graph.inputs) {
    if (values.has(input.name) && !(input.name in feeds)) continue; // initializer listed as input
    const feed = feeds[input.name];
    if (!feed) {
      throw new InvalidParameterError({
        field: "feeds",
        expected: `a value for every graph input (${model.graph.inputs.map((i) => i.name).join(", ")})`,
        received: Object.keys(feeds),
      });
    }
    const size = feed.dims.reduce((a, b) => a * b, 1);
    if (size !== feed.data.length) {
      throw new InvalidParameterError({
        field: `feeds.${input.name}`,
        expected: `${size} values for dims [${feed.dims.join(", ")}]`,
        received: feed.data.length,
      });
    }
    values.set(input.name, {
      dims: [...feed.dims],
      data: Float64Array.from(feed.data),
      dataType: input.dataType,
    });
  }
  const opset =
    model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 13;
  for (const node of model.graph.nodes) {
    const where = `node "${node.name}" (${node.opType})`;
    const op = node.domain === "" || node.domain === "ai.onnx" ? ops[node.opType] : undefined;
    if (!op) {
      throw new OnnxFormatError(
        `operator ${node.domain ? `${node.domain}.` : ""}${node.opType} is not supported by the reference evaluator (supported: ${referenceOperators.join(", ")}).`,
        { node: where },
      );
    }
    const inputs = node.inputs.map((name) => {
      if (name === "") return undefined;
      const v = values.get(name);
      if (!v) throw new OnnxFormatError(`input "${name}" is not defined.`, { node: where });
      return v;
    });
    let out: RefTensor;
    try {
      out = op(node, inputs, { opset });
    } catch (cause) {
      if (cause instanceof OnnxFormatError) {
        throw new OnnxFormatError(cause.shortMessage, { node: where, cause: cause.cause });
      }
      throw cause;
    }
    const [first, ...rest] = node.outputs;
    if (rest.some((o) => o !== "")) {
      throw new OnnxFormatError("only the first output is supported.", { node: where });
    }
    if (first) values.set(first, out);
  }
  return Object.fromEntries(
    model.graph.outputs.map((o) => {
      const v = values.get(o.name);
      if (!v) throw new OnnxFormatError(`graph output "${o.name}" is never produced.`);
      return [o.name, v];
    }),
  );
}

export function fromOnnxTensor(t: OnnxTensor): RefTensor {
  const data = new Float64Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Number(t.data[i]);
  return { dims: [...t.dims], data, dataType: t.dataType };
}

const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function need(t: RefTensor | undefined, what: string): RefTensor {
  if (!t) throw new OnnxFormatError(`missing input: ${what}.`);
  return t;
}

function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== "int") throw badAttr(name, "an int", a);
  return a.value;
}

function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== "float") throw badAttr(name, "a float", a);
  return a.value;
}

function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.type !== "ints") throw badAttr(name, "a list of ints", a);
  return a.value;
}

function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== "string") throw badAttr(name, "a string", a);
  return a.value;
}

function badAttr(name: string, expected: string, a: OnnxAttribute): OnnxFormatError {
  return new OnnxFormatError(`attribute "${name}" must be ${expected}, found ${a.type}.`);
}

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) {
    throw new OnnxFormatError(`axis ${axis} is out of range for rank ${rank}.`);
  }
  return a;
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new OnnxFormatError(`shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast.`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Flat index into `dims` (right-aligned, broadcast) for each flat index of `outDims`. */
function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const rank = outDims.length;
  const aligned = [...new Array<number>(rank - dims.length).fill(1), ...dims];
  const srcStrides = strides(aligned).map((s, i) => (aligned[i] === 1 ? 0 : s));
  const n = size(outDims);
  const index = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += (counter[d] as number) * (srcStrides[d] as number);
    index[flat] = at;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d] = (counter[d] as number) + 1;
      if ((counter[d] as number) < (outDims[d] as number)) break;
      counter[d] = 0;
    }
  }
  return index;
}

function binary(fn: (x: number, y: number) => number): Op {
  return (_node, [a, b]) => {
    const x = need(a, "A");
    const y = need(b, "B");
    const dims = broadcastDims(x.dims, y.dims);
    const ia = broadcastIndex(x.dims, dims);
    const ib = broadcastIndex(y.dims, dims);
    const data = new Float64Array(size(dims));
    for (let i = 0; i < data.length; i++) {
      data[i] = fn(x.data[ia[i] as number] as number, y.data[ib[i] as number] as number);
    }
    return { dims, data, dataType: x.dataType };
  };
}

const ops: Record<string, Op> = {
  Identity: (_n, [x]) => need(x, "input"),

  Constant: (node) => {
    const a =
      node.attributes.value ??
      node.attributes.value_float ??
      node.attributes.value_floats ??
      node.attributes.value_int ??
      node.attributes.value_ints;
    if (a?.type === "tensor") return fromOnnxTensor(a.value);
    if (a?.type === "float" || a?.type === "int") {
      return {
        dims: [],
        data: Float64Array.of(a.value),
        dataType: a.type === "int" ? "int64" : "float32",
      };
    }
    if (a?.type === "floats" || a?.type === "ints") {
      return {
        dims: [a.value.length],
        data: Float64Array.from(a.value),
        dataType: a.type === "ints" ? "int64" : "float32",
      };
    }
    throw new OnnxFormatError("Constant needs a value, value_float(s) or value_int(s) attribute.");
  },

  Add: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y),
  Div: binary((x, y) => x / y),

  Relu: (_n, [x]) => {
    const t = need(x, "X");
    return { ...t, data: t.data.map((v) => (v > 0 ? v : 0)) };
  },

  Gemm: (node, [a, b, c]) => {
    const A = need(a, "A");
    const B = need(b, "B");
    const alpha = attrFloat(node, "alpha", 1);
    const beta = attrFloat(node, "beta", 1);
    const transA = attrInt(node, "transA", 0) === 1;
    const transB = attrInt(node, "transB", 0) === 1;
    if (A.dims.length !== 2 || B.dims.length !== 2) {
      throw new OnnxFormatError("Gemm needs 2-D A and B.");
    }
    const [a0, a1] = A.dims as [number, number];
    const [b0, b1] = B.dims as [number, number];
    const [M, K] = transA ? [a1, a0] : [a0, a1];
    const [K2, N] = transB ? [b1, b0] : [b0, b1];
    if (K !== K2) throw new OnnxFormatError(`Gemm inner dimensions differ: ${K} vs ${K2}.`);
    const data = new Float64Array(M * N);
    const ci = c ? broadcastIndex(c.dims, [M, N]) : undefined;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const av = A.data[transA ? k * a1 + m : m * a1 + k] as number;
          const bv = B.data[transB ? n * b1 + k : k * b1 + n] as number;
          sum += av * bv;
        }
        const bias = c && ci ? beta * (c.data[ci[m * N + n] as number] as number) : 0;
        data[m * N + n] = alpha * sum + bias;
      }
    }
    return { dims: [M, N], data, dataType: A.dataType };
  },

  MatMul: (_n, [a, b]) => {
    const A = need(a, "A");
    const B = need(b, "B");
    const aDims = A.dims.length === 1 ? [1, A.dims[0] as number] : A.dims;
    const bDims = B.dims.length === 1 ? [B.dims[0] as number, 1] : B.dims;
    const M = aDims[aDims.length - 2] as number;
    const K = aDims[aDims.length - 1] as number;
    const N = bDims[bDims.length - 1] as number;
    if ((bDims[bDims.length - 2] as number) !== K) {
      throw new OnnxFormatError(
        `MatMul shapes [${A.dims.join(", ")}] and [${B.dims.join(", ")}] do not match.`,
      );
    }
    const batch = broadcastDims(aDims.slice(0, -2), bDims.slice(0, -2));
    const ia = broadcastIndex(aDims.slice(0, -2), batch);
    const ib = broadcastIndex(bDims.slice(0, -2), batch);
    const nb = size(batch);
    const data = new Float64Array(nb * M * N);
    for (let p = 0; p < nb; p++) {
      const ao = (ia[p] as number) * M * K;
      const bo = (ib[p] as number) * K * N;
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let sum = 0;
          for (let k = 0; k < K; k++) {
            sum += (A.data[ao + m * K + k] as number) * (B.data[bo + k * N + n] as number);
          }
          data[p * M * N + m * N + n] = sum;
        }
      }
    }
    const dims = [...batch];
    if (A.dims.length > 1) dims.push(M);
    if (B.dims.length > 1) dims.push(N);
    return { dims, data, dataType: A.dataType };
  },

  Conv: (node, [x, w, b]) => {
    const X = need(x, "X");
    const W = need(w, "W");
    if (X.dims.length !== 4 || W.dims.length !== 4) {
      throw new OnnxFormatError("only 2-D convolution (4-D X and W) is supported.");
    }
    const [N, C, H, Wd] = X.dims as [number, number, number, number];
    const [M, Cg, kH, kW] = W.dims as [number, number, number, number];
    const group = attrInt(node, "group", 1);
    if (Cg * group !== C || M % group !== 0) {
      throw new OnnxFormatError(
        `Conv channels do not match: X has ${C}, W expects ${Cg} x group ${group}.`,
      );
    }
    const kernel = attrInts(node, "kernel_shape") ?? [kH, kW];
    if (kernel[0] !== kH || kernel[1] !== kW) {
      throw new OnnxFormatError("kernel_shape does not match the weight tensor.");
    }
    const [sH, sW] = attrInts(node, "strides") ?? [1, 1];
    const [dH, dW] = attrInts(node, "dilations") ?? [1, 1];
    const win = window2d(node, [H, Wd], [kH, kW], [sH ?? 1, sW ?? 1], [dH ?? 1, dW ?? 1], false);
    const [oH, oW] = win.out;
    const [pT, pL] = win.begin;
    const data = new Float64Array(N * M * oH * oW);
    const mPerGroup = M / group;
    for (let n = 0; n < N; n++) {
      for (let m = 0; m < M; m++) {
        const g = Math.floor(m / mPerGroup);
        const bias = b ? (b.data[m] as number) : 0;
        for (let oh = 0; oh < oH; oh++) {
          for (let ow = 0; ow < oW; ow++) {
            let sum = 0;
            for (let c = 0; c < Cg; c++) {
              for (let i = 0; i < kH; i++) {
                const ih = oh * (sH ?? 1) - pT + i * (dH ?? 1);
                if (ih < 0 || ih >= H) continue;
                for (let j = 0; j < kW; j++) {
                  const iw = ow * (sW ?? 1) - pL + j * (dW ?? 1);
                  if (iw < 0 || iw >= Wd) continue;
                  const xv = X.data[((n * C + g * Cg + c) * H + ih) * Wd + iw] as number;
                  sum += xv * (W.data[((m * Cg + c) * kH + i) * kW + j] as number);
                }
              }
            }
            data[((n * M + m) * oH + oh) * oW + ow] = sum + bias;
          }
        }
      }
    }
    return { dims: [N, M, oH, oW], data, dataType: X.dataType };
  },

  AveragePool: (node, [x]) => pool(node, need(x, "X"), "avg"),
  MaxPool: (node, [x]) => pool(node, need(x, "X"), "max"),

  Pad: (node, [x, p, v, axes]) => {
    const X = need(x, "data");
    if (axes) throw new OnnxFormatError("the axes input of Pad (opset 18) is not supported.");
    const rank = X.dims.length;
    const pads = p ? Array.from(p.data) : (attrInts(node, "pads") ?? []);
    if (pads.length !== 2 * rank) {
      throw new OnnxFormatError(`Pad needs ${2 * rank} pads for rank ${rank}, got ${pads.length}.`);
    }
    const mode = attrString(node, "mode", "constant");
    if (mode !== "constant" && mode !== "reflect" && mode !== "edge") {
      throw new OnnxFormatError(`Pad mode "${mode}" is not supported (constant, reflect, edge).`);
    }
    const value = v ? (v.data[0] ?? 0) : attrFloat(node, "value", 0);
    const begin = pads.slice(0, rank);
    const dims = X.dims.map((d, i) => d + (pads[i] as number) + (pads[i + rank] as number));
    const inStrides = strides(X.dims);
    const data = new Float64Array(size(dims));
    const counter = new Array<number>(rank).fill(0);
    for (let flat = 0; flat < data.length; flat++) {
      let at = 0;
      let inside = true;
      for (let d = 0; d < rank; d++) {
        const len = X.dims[d] as number;
        let i = (counter[d] as number) - (begin[d] as number);
        if (i < 0 || i >= len) {
          if (mode === "constant") inside = false;
          else if (mode === "edge") i = i < 0 ? 0 : len - 1;
          else {
            // reflect without repeating the edge: period 2 * (len - 1)
            const period = 2 * (len - 1);
            i = period === 0 ? 0 : ((i % period) + period) % period;
            if (i >= len) i = period - i;
          }
        }
        at += i * (inStrides[d] as number);
      }
      data[flat] = inside ? (X.data[at] as number) : value;
      for (let d = rank - 1; d >= 0; d--) {
        counter[d] = (counter[d] as number) + 1;
        if ((counter[d] as number) < (dims[d] as number)) break;
        counter[d] = 0;
      }
    }
    return { dims, data, dataType: X.dataType };
  },

  Flatten: (node, [x]) => {
    const X = need(x, "input");
    const rank = X.dims.length;
    const raw = attrInt(node, "axis", 1);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis < 0 || axis > rank) throw new OnnxFormatError(`Flatten axis ${raw} is out of range.`);
    return {
      dims: [size(X.dims.slice(0, axis)), size(X.dims.slice(axis))],
      data: X.data,
      dataType: X.dataType,
    };
  },

  Reshape: (node, [x, s]) => {
    const X = need(x, "data");
    const shape = Array.from(need(s, "shape").data);
    const allowZero = attrInt(node, "allowzero", 0) === 1;
    const dims = shape.map((d, i) => (d === 0 && !allowZero ? (X.dims[i] ?? 0) : d));
    const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const inferred = dims.indexOf(-1);
    if (inferred >= 0) dims[inferred] = known === 0 ? 0 : size(X.dims) / known;
    if (size(dims) !== size(X.dims) || dims.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new OnnxFormatError(`cannot reshape [${X.dims.join(", ")}] to [${shape.join(", ")}].`);
    }
    return { dims, data: X.data, dataType: X.dataType };
  },

  Softmax: (node, [x], { opset }) => {
    const X = need(x, "input");
    const rank = X.dims.length;
    // Before opset 13 Softmax flattened to 2-D at `axis` (default 1); since 13 it is one axis.
    const axis = normAxis(attrInt(node, "axis", opset >= 13 ? -1 : 1), rank);
    const outer = size(X.dims.slice(0, axis));
    const len = opset >= 13 ? (X.dims[axis] as number) : size(X.dims.slice(axis));
    const inner = opset >= 13 ? size(X.dims.slice(axis + 1)) : 1;
    const data = new Float64Array(X.data.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (k: number): number => (o * len + k) * inner + i;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < len; k++) max = Math.max(max, X.data[at(k)] as number);
        let sum = 0;
        for (let k = 0; k < len; k++) {
          const e = detExp((X.data[at(k)] as number) - max);
          data[at(k)] = e;
          sum += e;
        }
        for (let k = 0; k < len; k++) data[at(k)] = (data[at(k)] as number) / sum;
      }
    }
    return { dims: [...X.dims], data, dataType: X.dataType };
  },

  ArgMax: (node, [x]) => {
    const X = need(x, "data");
    const rank = X.dims.length;
    const axis = normAxis(attrInt(node, "axis", 0), rank);
    const keepDims = attrInt(node, "keepdims", 1) === 1;
    const last = attrInt(node, "select_last_index", 0) === 1;
    const outer = size(X.dims.slice(0, axis));
    const len = X.dims[axis] as number;
    const inner = size(X.dims.slice(axis + 1));
    const data = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let best = 0;
        let bestValue = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < len; k++) {
          const v = X.data[(o * len + k) * inner + i] as number;
          if (v > bestValue || (last && v === bestValue)) {
            best = k;
            bestValue = v;
          }
        }
        data[o * inner + i] = best;
      }
    }
    const dims = keepDims
      ? X.dims.map((d, i) => (i === axis ? 1 : d))
      : X.dims.filter((_, i) => i !== axis);
    return { dims, data, dataType: "int64" };
  },

  BatchNormalization: (node, [x, scale, bias, mean, variance]) => {
    const X = need(x, "X");
    const s = need(scale, "scale");
    const b = need(bias, "B");
    const m = need(mean, "input_mean");
    const v = need(variance, "input_var");
    if (attrInt(node, "training_mode", 0) !== 0) {
      throw new OnnxFormatError("BatchNormalization in training mode is not supported.");
    }
    const eps = attrFloat(node, "epsilon", 1e-5);
    const C = X.dims[1] ?? 1;
    const inner = size(X.dims.slice(2));
    const data = new Float64Array(X.data.length);
    for (let i = 0; i < data.length; i++) {
      const c = Math.floor(i / inner) % C;
      const norm =
        ((X.data[i] as number) - (m.data[c] as number)) / Math.sqrt((v.data[c] as number) + eps);
      data[i] = norm * (s.data[c] as number) + (b.data[c] as number);
    }
    return { dims: [...X.dims], data, dataType: X.dataType };
  },
};

/**
 * Output size and leading padding of a 2-D sliding window, from pads / auto_pad / ceil_mode,
 * following the ONNX spec (and onnxruntime's handling of ceil_mode's last window). Shared with
 * the zk compiler, whose circuits must slide their windows exactly the same way.
 */
export function window2d(
  node: OnnxNode,
  input: [number, number],
  kernel: [number, number],
  stride: [number, number],
  dilation: [number, number],
  ceilMode: boolean,
): { out: [number, number]; begin: [number, number]; end: [number, number] } {
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  const pads = attrInts(node, "pads") ?? [0, 0, 0, 0];
  const out: number[] = [];
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < 2; d++) {
    const n = input[d] as number;
    const k = ((kernel[d] as number) - 1) * (dilation[d] as number) + 1;
    const s = stride[d] as number;
    let pb = pads[d] ?? 0;
    let pe = pads[d + 2] ?? 0;
    if (autoPad === "VALID") {
      pb = 0;
      pe = 0;
    } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const total = Math.max(0, (Math.ceil(n / s) - 1) * s + k - n);
      pb = autoPad === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
      pe = total - pb;
    } else if (autoPad !== "NOTSET") {
      throw new OnnxFormatError(`auto_pad "${autoPad}" is not supported.`);
    }
    let o = (ceilMode ? Math.ceil : Math.floor)((n + pb + pe - k) / s) + 1;
    // A ceil_mode window must start inside the input or its leading padding.
    if (ceilMode && (o - 1) * s >= n + pb) o -= 1;
    if (o <= 0) {
      throw new OnnxFormatError(`the window (${k}) does not fit the input (${n} + padding).`);
    }
    out.push(o);
    begin.push(pb);
    end.push(pe);
  }
  return {
    out: out as [number, number],
    begin: begin as [number, number],
    end: end as [number, number],
  };
}

function pool(node: OnnxNode, X: RefTensor, kind: "avg" | "max"): RefTensor {
  if (X.dims.length !== 4) throw new OnnxFormatError("only 2-D pooling (4-D input) is supported.");
  const [N, C, H, W] = X.dims as [number, number, number, number];
  const kernel = attrInts(node, "kernel_shape");
  if (kernel?.length !== 2) throw new OnnxFormatError("kernel_shape must have 2 values.");
  const [kH, kW] = kernel as [number, number];
  const [sH, sW] = (attrInts(node, "strides") ?? [1, 1]) as [number, number];
  const [dH, dW] = (attrInts(node, "dilations") ?? [1, 1]) as [number, number];
  if (kind === "avg" && (dH !== 1 || dW !== 1)) {
    throw new OnnxFormatError("AveragePool dilations are not supported.");
  }
  if (node.outputs.length > 1 && node.outputs[1] !== "") {
    throw new OnnxFormatError("MaxPool's Indices output is not supported.");
  }
  const ceilMode = attrInt(node, "ceil_mode", 0) === 1;
  const includePad = attrInt(node, "count_include_pad", 0) === 1;
  const win = window2d(node, [H, W], [kH, kW], [sH, sW], [dH, dW], ceilMode);
  const [oH, oW] = win.out;
  const [pT, pL] = win.begin;
  const [pB, pR] = win.end;
  const data = new Float64Array(N * C * oH * oW);
  for (let nc = 0; nc < N * C; nc++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        const h0 = oh * sH - pT;
        const w0 = ow * sW - pL;
        let acc = kind === "max" ? Number.NEGATIVE_INFINITY : 0;
        let count = 0;
        for (let i = 0; i < kH; i++) {
          const ih = h0 + i * dH;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kW; j++) {
            const iw = w0 + j * dW;
            if (iw < 0 || iw >= W) continue;
            const v = X.data[(nc * H + ih) * W + iw] as number;
            acc = kind === "max" ? Math.max(acc, v) : acc + v;
            count++;
          }
        }
        if (kind === "avg") {
          // count_include_pad counts the padded cells, but not a ceil_mode overhang past them.
          const padded = (Math.min(h0 + kH, H + pB) - h0) * (Math.min(w0 + kW, W + pR) - w0);
          acc /= includePad ? padded : count;
        }
        data[(nc * oH + oh) * oW + ow] = acc;
      }
    }
  }
  return { dims: [N, C, oH, oW], data, dataType: X.dataType };
}
