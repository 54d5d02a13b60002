import {
  fromOnnxTensor,
  type OnnxAttribute,
  OnnxFormatError,
  type OnnxModel,
  type OnnxNode,
  referenceOperators,
  window2d as referenceWindow2d,
  runReference,
  type TensorDataType,
} from "@noosphere/ml";
import { ZkCompileError, ZkUnsupportedOperatorError } from "../errors.js";
import { quantizeValue } from "../quantize/fixed.js";
import { AffineSum, type CircuitBuilder, constAffine, type Elem, wireAffine } from "./builder.js";
import type { Affine } from "./ir.js";

// ONNX operators -> gadgets. Every variable tensor element carries its affine expression, integer
// bounds, float interval and error bound (see Elem). Rescaling is lazy: a product leaves its
// accumulator at scale s + param_scale (so a following bias Add stays exact) and `rescale` brings
// it back to input_scale before the next non-linear op, multiplication, or graph output.

export type ConstT = {
  kind: "const";
  dims: number[];
  data: Float64Array;
  dataType: TensorDataType;
};
export type VarT = { kind: "var"; dims: number[]; scale: number; index: boolean; el: Elem[] };
export type T = ConstT | VarT;

export type Ctx = {
  b: CircuitBuilder;
  /** input_scale: the working scale every activation is rescaled to. */
  S: number;
  /** param_scale. */
  P: number;
  hashed: boolean;
  opset: number;
};

/** Operators the compiler turns into constraints (default ONNX domain, opset 13 semantics). */
export const supportedOperators = [
  "Add",
  "ArgMax",
  "AveragePool",
  "BatchNormalization",
  "Cast",
  "Concat",
  "Constant",
  "Conv",
  "Div",
  "Dropout",
  "Flatten",
  "Gather",
  "Gemm",
  "Identity",
  "MatMul",
  "MaxPool",
  "Mul",
  "Pad",
  "Relu",
  "Reshape",
  "Shape",
  "Squeeze",
  "Sub",
  "Transpose",
  "Unsqueeze",
] as const;

type Handler = (ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]) => T;

export const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (dims[i + 1] as number);
  return s;
}

const fail = (node: OnnxNode, reason: string): ZkUnsupportedOperatorError =>
  new ZkUnsupportedOperatorError({
    opType: node.opType,
    node: node.name,
    reason,
    supported: supportedOperators,
  });

const bad = (node: OnnxNode, message: string): ZkCompileError =>
  new ZkCompileError(`${node.opType}: ${message}`, { node: node.name });

function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== "int") throw bad(node, `attribute "${name}" must be an int`);
  return a.value;
}
function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== "float") throw bad(node, `attribute "${name}" must be a float`);
  return a.value;
}
function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.type !== "ints") throw bad(node, `attribute "${name}" must be a list of ints`);
  return a.value;
}
function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== "string") throw bad(node, `attribute "${name}" must be a string`);
  return a.value;
}

function need(node: OnnxNode, t: T | undefined, what: string): T {
  if (!t) throw bad(node, `missing input ${what}`);
  return t;
}
function needConst(node: OnnxNode, t: T | undefined, what: string): ConstT {
  const c = need(node, t, what);
  if (c.kind !== "const") throw fail(node, `input ${what} must be a constant (initializer)`);
  return c;
}
function needVar(node: OnnxNode, t: T | undefined, what: string): VarT {
  const v = need(node, t, what);
  return v.kind === "var" ? v : toVar(v, 0);
}

/** A constant as a variable tensor at `scale` (constant affines, no wires). */
export function toVar(c: ConstT, scale: number): VarT {
  return {
    kind: "var",
    dims: [...c.dims],
    scale,
    index: false,
    el: Array.from(c.data, (v) => {
      const q = quantizeValue(v, scale);
      return {
        a: constAffine(q),
        lo: q,
        hi: q,
        flo: v,
        fhi: v,
        err: Math.abs(Number(q) / 2 ** scale - v),
      };
    }),
  };
}

// ---------------------------------------------------------------- quantized constants

/** A constant operand: quantized values and, with hashed params, the parameter wire of each. */
type QConst = { q: bigint[]; f: Float64Array; wires: number[] | null; scale: number };

function qconst(ctx: Ctx, data: ArrayLike<number>, scale: number): QConst {
  const f = Float64Array.from(data);
  const q = Array.from(f, (v) => quantizeValue(v, scale));
  return { q, f, wires: ctx.hashed ? q.map((v) => ctx.b.param(v)) : null, scale };
}

/** x's element times constant i of w (fixed: a coefficient; hashed: a product wire). */
function addProduct(ctx: Ctx, sum: AffineSum, x: Elem, w: QConst, i: number): void {
  if (w.wires === null || x.a.wires.length === 0) {
    if (w.wires === null) sum.add(x.a, w.q[i] as bigint);
    else sum.addWire(w.wires[i] as number, x.a.k);
    return;
  }
  sum.addWire(ctx.b.mul(x.a, wireAffine(w.wires[i] as number), constAffine(0n)), 1n);
}

function addConst(sum: AffineSum, c: QConst, i: number): void {
  if (c.wires === null) sum.k += c.q[i] as bigint;
  else sum.addWire(c.wires[i] as number, 1n);
}

const mag = (e: Elem): number => Math.max(Math.abs(e.flo), Math.abs(e.fhi));

/**
 * sum_j x[j] * w[wi[j]] (+ bias[bi]) at scale x.scale + w.scale, with its float interval and
 * error: |w~| e_x + |w~ - w| M_x per term, plus the bias' quantization error.
 */
function dotConst(
  ctx: Ctx,
  xs: readonly Elem[],
  w: QConst,
  wi: readonly number[],
  bias: QConst | null,
  bi: number,
  accScale: number,
): Elem {
  const sum = new AffineSum();
  let flo = 0;
  let fhi = 0;
  let err = 0;
  const ws = 2 ** w.scale;
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j] as Elem;
    const i = wi[j] as number;
    addProduct(ctx, sum, x, w, i);
    const fw = w.f[i] as number;
    const qw = Number(w.q[i]) / ws;
    const a = fw * x.flo;
    const b = fw * x.fhi;
    flo += Math.min(a, b);
    fhi += Math.max(a, b);
    err += Math.abs(qw) * x.err + Math.abs(qw - fw) * mag(x);
  }
  if (bias) {
    addConst(sum, bias, bi);
    const fb = bias.f[bi] as number;
    flo += fb;
    fhi += fb;
    err += Math.abs(Number(bias.q[bi]) / 2 ** accScale - fb);
  }
  const a = sum.build();
  const [lo, hi] = ctx.b.bounds(a);
  return { a, lo, hi, flo, fhi, err };
}

/** sum_j x[j] * y[j] for two variable operands: one product constraint per term. */
function dotVar(ctx: Ctx, pairs: readonly [Elem, Elem][]): Elem {
  const sum = new AffineSum();
  let flo = 0;
  let fhi = 0;
  let err = 0;
  for (const [x, y] of pairs) {
    if (x.a.wires.length === 0) sum.add(y.a, x.a.k);
    else if (y.a.wires.length === 0) sum.add(x.a, y.a.k);
    else sum.addWire(ctx.b.mul(x.a, y.a, constAffine(0n)), 1n);
    const p = [x.flo * y.flo, x.flo * y.fhi, x.fhi * y.flo, x.fhi * y.fhi];
    flo += Math.min(...p);
    fhi += Math.max(...p);
    err += (mag(x) + x.err) * y.err + mag(y) * x.err;
  }
  const a = sum.build();
  const [lo, hi] = ctx.b.bounds(a);
  return { a, lo, hi, flo, fhi, err };
}

/** Brings a tensor above the working scale back to it: floor(acc / 2^(s - S)) per element. */
export function rescale(ctx: Ctx, t: VarT): VarT {
  if (t.index || t.scale <= ctx.S) return t;
  const d = 1n << BigInt(t.scale - ctx.S);
  const floorErr = 2 ** -ctx.S;
  return {
    ...t,
    scale: ctx.S,
    el: t.el.map((e) => {
      const a = ctx.b.div(e.a, d);
      const [lo, hi] = ctx.b.bounds(a);
      return { a, lo, hi, flo: e.flo, fhi: e.fhi, err: e.err + floorErr };
    }),
  };
}

// ---------------------------------------------------------------- broadcasting

function broadcastDims(node: OnnxNode, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw bad(node, `shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const rank = outDims.length;
  const aligned = [...new Array<number>(rank - dims.length).fill(1), ...dims];
  const src = stridesOf(aligned).map((s, i) => (aligned[i] === 1 ? 0 : s));
  const n = size(outDims);
  const index = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += (counter[d] as number) * (src[d] as number);
    index[flat] = at;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d] = (counter[d] as number) + 1;
      if ((counter[d] as number) < (outDims[d] as number)) break;
      counter[d] = 0;
    }
  }
  return index;
}

// ---------------------------------------------------------------- element-wise arithmetic

function addSub(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[], sign: 1n | -1n): T {
  const A = need(node, inputs[0], "A");
  const B = need(node, inputs[1], "B");
  const dims = broadcastDims(node, A.dims, B.dims);
  const ia = broadcastIndex(A.dims, dims);
  const ib = broadcastIndex(B.dims, dims);
  if (A.kind === "var" && B.kind === "var") {
    if (A.index || B.index) throw fail(node, "arithmetic on ArgMax indices is not supported");
    const s = Math.max(A.scale, B.scale);
    const fa = 1n << BigInt(s - A.scale);
    const fb = 1n << BigInt(s - B.scale);
    const el = Array.from({ length: size(dims) }, (_, i): Elem => {
      const x = A.el[ia[i] as number] as Elem;
      const y = B.el[ib[i] as number] as Elem;
      const a = new AffineSum()
        .add(x.a, fa)
        .add(y.a, fb * sign)
        .build();
      const [lo, hi] = ctx.b.bounds(a);
      const [ylo, yhi] = sign === 1n ? [y.flo, y.fhi] : [-y.fhi, -y.flo];
      return { a, lo, hi, flo: x.flo + ylo, fhi: x.fhi + yhi, err: x.err + y.err };
    });
    return { kind: "var", dims, scale: s, index: false, el };
  }
  // One side constant: quantized at the variable's (possibly accumulator) scale.
  const varFirst = A.kind === "var";
  const V = (varFirst ? A : B) as VarT;
  const C = (varFirst ? B : A) as ConstT;
  if (V.index) throw fail(node, "arithmetic on ArgMax indices is not supported");
  const iv = varFirst ? ia : ib;
  const ic = varFirst ? ib : ia;
  const c = qconst(ctx, C.data, V.scale);
  // A - B: negate B's side.
  const sv = varFirst ? 1n : sign;
  const sc = varFirst ? sign : 1n;
  const el = Array.from({ length: size(dims) }, (_, i): Elem => {
    const x = V.el[iv[i] as number] as Elem;
    const j = ic[i] as number;
    const sum = new AffineSum().add(x.a, sv);
    if (c.wires === null) sum.k += (c.q[j] as bigint) * sc;
    else sum.addWire(c.wires[j] as number, sc);
    const a = sum.build();
    const [lo, hi] = ctx.b.bounds(a);
    const fc = (c.f[j] as number) * Number(sc);
    const [xlo, xhi] = sv === 1n ? [x.flo, x.fhi] : [-x.fhi, -x.flo];
    const cerr = Math.abs(Number(c.q[j]) / 2 ** V.scale - (c.f[j] as number));
    return { a, lo, hi, flo: xlo + fc, fhi: xhi + fc, err: x.err + cerr };
  });
  return { kind: "var", dims, scale: V.scale, index: false, el };
}

function mul(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[], divide: boolean): T {
  const A0 = need(node, inputs[0], "A");
  const B0 = need(node, inputs[1], "B");
  if (divide) {
    if (B0.kind !== "const") throw fail(node, "division by a variable tensor is not supported");
    if (B0.data.some((v) => v === 0)) throw bad(node, "division by zero");
  }
  const dims = broadcastDims(node, A0.dims, B0.dims);
  const ia = broadcastIndex(A0.dims, dims);
  const ib = broadcastIndex(B0.dims, dims);
  if (A0.kind === "var" && B0.kind === "var") {
    if (A0.index || B0.index) throw fail(node, "arithmetic on ArgMax indices is not supported");
    const A = rescale(ctx, A0);
    const B = rescale(ctx, B0);
    const el = Array.from({ length: size(dims) }, (_, i) =>
      dotVar(ctx, [[A.el[ia[i] as number] as Elem, B.el[ib[i] as number] as Elem]]),
    );
    return { kind: "var", dims, scale: A.scale + B.scale, index: false, el };
  }
  const varFirst = A0.kind === "var";
  const V = rescale(ctx, (varFirst ? A0 : B0) as VarT);
  if (V.index) throw fail(node, "arithmetic on ArgMax indices is not supported");
  const C = (varFirst ? B0 : A0) as ConstT;
  const data = divide ? C.data.map((v) => 1 / v) : C.data;
  const w = qconst(ctx, data, ctx.P);
  const iv = varFirst ? ia : ib;
  const ic = varFirst ? ib : ia;
  const el = Array.from({ length: size(dims) }, (_, i) =>
    dotConst(ctx, [V.el[iv[i] as number] as Elem], w, [ic[i] as number], null, 0, V.scale + ctx.P),
  );
  return { kind: "var", dims, scale: V.scale + ctx.P, index: false, el };
}

function relu(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = rescale(ctx, needVar(node, inputs[0], "X"));
  if (X.index) return X;
  return { ...X, el: X.el.map((e) => reluElem(ctx, e)) };
}

function reluElem(ctx: Ctx, e: Elem): Elem {
  const flo = Math.max(e.flo, 0);
  const fhi = Math.max(e.fhi, 0);
  if (e.lo >= 0n) return { ...e, flo, fhi };
  if (e.hi < 0n) return { a: constAffine(0n), lo: 0n, hi: 0n, flo, fhi, err: e.err };
  const pos = ctx.b.sign(e.a);
  const w = ctx.b.mul(e.a, wireAffine(pos), constAffine(0n));
  // x * [x >= 0] lies in [0, max(hi, 0)]: tighter than the generic product interval.
  ctx.b.wireLo[w] = 0n;
  ctx.b.wireHi[w] = e.hi;
  return { a: wireAffine(w), lo: 0n, hi: e.hi, flo, fhi, err: e.err };
}

/** max(x, y) = (x - y) * [x - y >= 0] + y. */
function maxElem(ctx: Ctx, x: Elem, y: Elem): Elem {
  if (x.lo >= y.hi) return x;
  if (y.lo >= x.hi) return y;
  const diff = new AffineSum().add(x.a, 1n).add(y.a, -1n).build();
  const pos = ctx.b.sign(diff);
  const w = ctx.b.mul(diff, wireAffine(pos), y.a);
  const lo = x.lo > y.lo ? x.lo : y.lo;
  const hi = x.hi > y.hi ? x.hi : y.hi;
  ctx.b.wireLo[w] = lo;
  ctx.b.wireHi[w] = hi;
  return {
    a: wireAffine(w),
    lo,
    hi,
    flo: Math.max(x.flo, y.flo),
    fhi: Math.max(x.fhi, y.fhi),
    err: Math.max(x.err, y.err),
  };
}

// ---------------------------------------------------------------- linear algebra

function gemm(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const A = need(node, inputs[0], "A");
  const B = need(node, inputs[1], "B");
  const Cb = inputs[2];
  if (A.dims.length !== 2 || B.dims.length !== 2) throw bad(node, "Gemm needs 2-D A and B");
  const alpha = attrFloat(node, "alpha", 1);
  const beta = attrFloat(node, "beta", 1);
  const transA = attrInt(node, "transA", 0) === 1;
  const transB = attrInt(node, "transB", 0) === 1;
  const [a0, a1] = A.dims as [number, number];
  const [b0, b1] = B.dims as [number, number];
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [K2, N] = transB ? [b1, b0] : [b0, b1];
  if (K !== K2) throw bad(node, `inner dimensions differ: ${K} vs ${K2}`);
  const aAt = (m: number, k: number): number => (transA ? k * a1 + m : m * a1 + k);
  const bAt = (k: number, n: number): number => (transB ? n * b1 + k : k * b1 + n);
  let C: ConstT | undefined;
  if (Cb) {
    if (Cb.kind !== "const") throw fail(node, "a variable bias C is not supported");
    C = Cb;
  }
  const ci = C ? broadcastIndex(C.dims, [M, N]) : undefined;
  return contract(
    ctx,
    node,
    A,
    B,
    M,
    K,
    N,
    aAt,
    bAt,
    alpha,
    C ? { c: C, index: ci as Int32Array, beta } : null,
  );
}

function matmul(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const A = need(node, inputs[0], "A");
  const B = need(node, inputs[1], "B");
  if (A.dims.length > 2 || B.dims.length > 2) {
    // Batched MatMul: only a leading batch of 1 (our batch size) is supported.
    const strip = (d: number[]): number[] => {
      const rest = d.slice(0, -2);
      if (rest.some((x) => x !== 1))
        throw fail(node, "batched MatMul with batch > 1 is not supported");
      return d.slice(-2);
    };
    const aDims = A.dims.length > 2 ? strip(A.dims) : A.dims;
    const bDims = B.dims.length > 2 ? strip(B.dims) : B.dims;
    const out = matmul(ctx, node, [{ ...A, dims: aDims } as T, { ...B, dims: bDims } as T]);
    const rank = Math.max(A.dims.length, B.dims.length);
    return { ...out, dims: [...new Array<number>(rank - out.dims.length).fill(1), ...out.dims] };
  }
  const aDims = A.dims.length === 1 ? [1, A.dims[0] as number] : A.dims;
  const bDims = B.dims.length === 1 ? [B.dims[0] as number, 1] : B.dims;
  const [M, K] = aDims as [number, number];
  const [K2, N] = bDims as [number, number];
  if (K !== K2)
    throw bad(node, `shapes [${A.dims.join(", ")}] and [${B.dims.join(", ")}] do not match`);
  const out = contract(
    ctx,
    node,
    A,
    B,
    M,
    K,
    N,
    (m, k) => m * K + k,
    (k, n) => k * N + n,
    1,
    null,
  );
  const dims: number[] = [];
  if (A.dims.length > 1) dims.push(M);
  if (B.dims.length > 1) dims.push(N);
  return { ...out, dims };
}

/** out[m, n] = alpha * sum_k A[m, k] B[k, n] (+ beta C[m, n]); one side may be constant. */
function contract(
  ctx: Ctx,
  node: OnnxNode,
  A0: T,
  B0: T,
  M: number,
  K: number,
  N: number,
  aAt: (m: number, k: number) => number,
  bAt: (k: number, n: number) => number,
  alpha: number,
  bias: { c: ConstT; index: Int32Array; beta: number } | null,
): T {
  if (A0.kind === "const" && B0.kind === "const") throw new Error("internal: constant contraction");
  if ((A0.kind === "var" && A0.index) || (B0.kind === "var" && B0.index)) {
    throw fail(node, "arithmetic on ArgMax indices is not supported");
  }
  const el: Elem[] = [];
  if (A0.kind === "var" && B0.kind === "var") {
    const A = rescale(ctx, A0);
    const B = rescale(ctx, B0);
    if (alpha !== 1 || bias)
      throw fail(node, "alpha/bias with two variable operands is not supported");
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        const pairs: [Elem, Elem][] = [];
        for (let k = 0; k < K; k++) pairs.push([A.el[aAt(m, k)] as Elem, B.el[bAt(k, n)] as Elem]);
        el.push(dotVar(ctx, pairs));
      }
    }
    return { kind: "var", dims: [M, N], scale: A.scale + B.scale, index: false, el };
  }
  const varIsA = A0.kind === "var";
  const X = rescale(ctx, (varIsA ? A0 : B0) as VarT);
  const W = (varIsA ? B0 : A0) as ConstT;
  const w = qconst(ctx, alpha === 1 ? W.data : W.data.map((v) => alpha * v), ctx.P);
  const accScale = X.scale + ctx.P;
  const bq = bias
    ? qconst(
        ctx,
        bias.c.data.map((v) => bias.beta * v),
        accScale,
      )
    : null;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      const xs: Elem[] = [];
      const wi: number[] = [];
      for (let k = 0; k < K; k++) {
        xs.push(X.el[varIsA ? aAt(m, k) : bAt(k, n)] as Elem);
        wi.push(varIsA ? bAt(k, n) : aAt(m, k));
      }
      el.push(dotConst(ctx, xs, w, wi, bq, bias ? (bias.index[m * N + n] as number) : 0, accScale));
    }
  }
  return { kind: "var", dims: [M, N], scale: accScale, index: false, el };
}

// ---------------------------------------------------------------- convolution and pooling

/** The reference interpreter's window geometry (ONNX spec), with errors naming the node. */
function window2d(
  ...args: Parameters<typeof referenceWindow2d>
): ReturnType<typeof referenceWindow2d> {
  try {
    return referenceWindow2d(...args);
  } catch (err) {
    if (err instanceof OnnxFormatError) throw bad(args[0], err.shortMessage);
    throw err;
  }
}

function conv(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X0 = needVar(node, inputs[0], "X");
  const W = needConst(node, inputs[1], "W");
  const Bc = inputs[2] ? needConst(node, inputs[2], "B") : undefined;
  if (X0.dims.length !== 4 || W.dims.length !== 4) {
    throw fail(node, "only 2-D convolution (4-D X and W) is supported");
  }
  const X = rescale(ctx, X0);
  const [N, C, H, Wd] = X.dims as [number, number, number, number];
  const [M, Cg, kH, kW] = W.dims as [number, number, number, number];
  const group = attrInt(node, "group", 1);
  if (Cg * group !== C || M % group !== 0) {
    throw bad(node, `channels do not match: X has ${C}, W expects ${Cg} x group ${group}`);
  }
  const kernel = attrInts(node, "kernel_shape") ?? [kH, kW];
  if (kernel[0] !== kH || kernel[1] !== kW) throw bad(node, "kernel_shape does not match W");
  const [sH, sW] = (attrInts(node, "strides") ?? [1, 1]) as [number, number];
  const [dH, dW] = (attrInts(node, "dilations") ?? [1, 1]) as [number, number];
  const win = window2d(node, [H, Wd], [kH, kW], [sH, sW], [dH, dW], false);
  const [oH, oW] = win.out;
  const [pT, pL] = win.begin;
  const w = qconst(ctx, W.data, ctx.P);
  const accScale = X.scale + ctx.P;
  const bq = Bc ? qconst(ctx, Bc.data, accScale) : null;
  const mPerGroup = M / group;
  const el: Elem[] = [];
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / mPerGroup);
      for (let oh = 0; oh < oH; oh++) {
        for (let ow = 0; ow < oW; ow++) {
          const xs: Elem[] = [];
          const wi: number[] = [];
          for (let c = 0; c < Cg; c++) {
            for (let i = 0; i < kH; i++) {
              const ih = oh * sH - pT + i * dH;
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < kW; j++) {
                const iw = ow * sW - pL + j * dW;
                if (iw < 0 || iw >= Wd) continue;
                xs.push(X.el[((n * C + g * Cg + c) * H + ih) * Wd + iw] as Elem);
                wi.push(((m * Cg + c) * kH + i) * kW + j);
              }
            }
          }
          el.push(dotConst(ctx, xs, w, wi, bq, m, accScale));
        }
      }
    }
  }
  return { kind: "var", dims: [N, M, oH, oW], scale: accScale, index: false, el };
}

function pool(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[], kind: "avg" | "max"): T {
  const X0 = needVar(node, inputs[0], "X");
  if (X0.dims.length !== 4) throw fail(node, "only 2-D pooling (4-D input) is supported");
  if (X0.index) throw fail(node, "pooling ArgMax indices is not supported");
  if (node.outputs.length > 1 && node.outputs[1] !== "") {
    throw fail(node, "the Indices output of MaxPool is not supported");
  }
  // Max commutes with floor, but rescaling first keeps the comparisons narrow. Average pooling
  // folds the pending rescale into its one division.
  const X = kind === "max" ? rescale(ctx, X0) : X0;
  const [N, C, H, W] = X.dims as [number, number, number, number];
  const kernel = attrInts(node, "kernel_shape");
  if (kernel?.length !== 2) throw bad(node, "kernel_shape must have 2 values");
  const [kH, kW] = kernel as [number, number];
  const [sH, sW] = (attrInts(node, "strides") ?? [1, 1]) as [number, number];
  const [dH, dW] = (attrInts(node, "dilations") ?? [1, 1]) as [number, number];
  if (kind === "avg" && (dH !== 1 || dW !== 1)) throw fail(node, "dilations are not supported");
  const ceilMode = attrInt(node, "ceil_mode", 0) === 1;
  const includePad = attrInt(node, "count_include_pad", 0) === 1;
  const win = window2d(node, [H, W], [kH, kW], [sH, sW], [dH, dW], ceilMode);
  const [oH, oW] = win.out;
  const [pT, pL] = win.begin;
  const [pB, pR] = win.end;
  const shift = kind === "avg" ? Math.max(0, X.scale - ctx.S) : 0;
  const outScale = X.scale - shift;
  const el: Elem[] = [];
  for (let nc = 0; nc < N * C; nc++) {
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        const h0 = oh * sH - pT;
        const w0 = ow * sW - pL;
        const cells: Elem[] = [];
        for (let i = 0; i < kH; i++) {
          const ih = h0 + i * dH;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kW; j++) {
            const iw = w0 + j * dW;
            if (iw < 0 || iw >= W) continue;
            cells.push(X.el[(nc * H + ih) * W + iw] as Elem);
          }
        }
        if (kind === "max") {
          el.push(cells.reduce((a, b) => maxElem(ctx, a, b)));
          continue;
        }
        const padded = (Math.min(h0 + kH, H + pB) - h0) * (Math.min(w0 + kW, W + pR) - w0);
        const count = includePad ? padded : cells.length;
        const sum = new AffineSum();
        let flo = 0;
        let fhi = 0;
        let err = 0;
        for (const c of cells) {
          sum.add(c.a, 1n);
          flo += c.flo;
          fhi += c.fhi;
          err += c.err;
        }
        const d = BigInt(count) << BigInt(shift);
        const a = ctx.b.div(sum.build(), d);
        const [lo, hi] = ctx.b.bounds(a);
        el.push({
          a,
          lo,
          hi,
          flo: flo / count,
          fhi: fhi / count,
          err: err / count + (d === 1n ? 0 : 2 ** -outScale),
        });
      }
    }
  }
  return { kind: "var", dims: [N, C, oH, oW], scale: outScale, index: false, el };
}

function batchNorm(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X0 = needVar(node, inputs[0], "X");
  const s = needConst(node, inputs[1], "scale");
  const bias = needConst(node, inputs[2], "B");
  const mean = needConst(node, inputs[3], "input_mean");
  const v = needConst(node, inputs[4], "input_var");
  if (attrInt(node, "training_mode", 0) !== 0) throw fail(node, "training mode is not supported");
  const eps = attrFloat(node, "epsilon", 1e-5);
  const X = rescale(ctx, X0);
  const C = X.dims[1] ?? 1;
  // Folded: y = a x + c with a = scale / sqrt(var + eps), c = B - mean a.
  const a = new Float64Array(C);
  const c = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    a[i] = (s.data[i] as number) / Math.sqrt((v.data[i] as number) + eps);
    c[i] = (bias.data[i] as number) - (mean.data[i] as number) * (a[i] as number);
  }
  const accScale = X.scale + ctx.P;
  const qa = qconst(ctx, a, ctx.P);
  const qc = qconst(ctx, c, accScale);
  const inner = size(X.dims.slice(2));
  const el = X.el.map((e, i) => {
    const ch = Math.floor(i / inner) % C;
    return dotConst(ctx, [e], qa, [ch], qc, ch, accScale);
  });
  return { kind: "var", dims: [...X.dims], scale: accScale, index: false, el };
}

function argMax(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = rescale(ctx, needVar(node, inputs[0], "data"));
  const rank = X.dims.length;
  const raw = attrInt(node, "axis", 0);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) throw bad(node, `axis ${raw} is out of range for rank ${rank}`);
  const keepDims = attrInt(node, "keepdims", 1) === 1;
  const last = attrInt(node, "select_last_index", 0) === 1;
  const outer = size(X.dims.slice(0, axis));
  const len = X.dims[axis] as number;
  const inner = size(X.dims.slice(axis + 1));
  const el: Elem[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = X.el[o * len * inner + i] as Elem;
      let idx: Affine = constAffine(0n);
      for (let k = 1; k < len; k++) {
        const x = X.el[(o * len + k) * inner + i] as Elem;
        // Strictly greater replaces (the lowest index wins ties, as onnxruntime); with
        // select_last_index a tie replaces too.
        const diff = new AffineSum().add(x.a, 1n).add(best.a, -1n);
        if (!last) diff.k -= 1n;
        const d = diff.build();
        const pos = ctx.b.sign(d);
        const step = new AffineSum().add(x.a, 1n).add(best.a, -1n).build();
        const bw = ctx.b.mul(step, wireAffine(pos), best.a);
        const lo = x.lo > best.lo ? x.lo : best.lo;
        const hi = x.hi > best.hi ? x.hi : best.hi;
        ctx.b.wireLo[bw] = lo;
        ctx.b.wireHi[bw] = hi;
        const iw = ctx.b.mul(new AffineSum().add(idx, -1n).build(), wireAffine(pos), idx);
        // (k - idx) * pos + idx: the constant k goes in through a second term.
        idx = new AffineSum().addWire(iw, 1n).addWire(pos, BigInt(k)).build();
        best = { a: wireAffine(bw), lo, hi, flo: 0, fhi: 0, err: 0 };
      }
      const [lo, hi] = ctx.b.bounds(idx);
      el.push({ a: idx, lo, hi, flo: 0, fhi: len - 1, err: 0 });
    }
  }
  const dims = keepDims
    ? X.dims.map((d, i) => (i === axis ? 1 : d))
    : X.dims.filter((_, i) => i !== axis);
  return { kind: "var", dims, scale: 0, index: true, el };
}

// ---------------------------------------------------------------- shapes and layout

/** Reorders/copies elements: out[i] = in[src[i]] (works for constants and variables). */
function gather(t: T, dims: number[], src: ArrayLike<number>): T {
  if (t.kind === "const") {
    return {
      ...t,
      dims,
      data: Float64Array.from({ length: src.length }, (_, i) => t.data[src[i] as number] as number),
    };
  }
  return {
    ...t,
    dims,
    el: Array.from({ length: src.length }, (_, i) => t.el[src[i] as number] as Elem),
  };
}

const withDims = (t: T, dims: number[]): T => ({ ...t, dims });

function intsOf(node: OnnxNode, t: T | undefined, what: string): number[] {
  const c = needConst(node, t, what);
  return Array.from(c.data);
}

function reshape(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  const shape = intsOf(node, inputs[1], "shape");
  const allowZero = attrInt(node, "allowzero", 0) === 1;
  const dims = shape.map((d, i) => (d === 0 && !allowZero ? (X.dims[i] ?? 0) : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const inferred = dims.indexOf(-1);
  if (inferred >= 0) dims[inferred] = known === 0 ? 0 : size(X.dims) / known;
  if (size(dims) !== size(X.dims) || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw bad(node, `cannot reshape [${X.dims.join(", ")}] to [${shape.join(", ")}]`);
  }
  return withDims(X, dims);
}

function flatten(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "input");
  const rank = X.dims.length;
  const raw = attrInt(node, "axis", 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis > rank) throw bad(node, `axis ${raw} is out of range`);
  return withDims(X, [size(X.dims.slice(0, axis)), size(X.dims.slice(axis))]);
}

function axesOf(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): number[] | undefined {
  // Opset 13 moved axes from an attribute to the second input.
  if (ctx.opset >= 13) return inputs[1] ? intsOf(node, inputs[1], "axes") : undefined;
  return attrInts(node, "axes");
}

function squeeze(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  const rank = X.dims.length;
  const axes = axesOf(ctx, node, inputs)?.map((a) => (a < 0 ? a + rank : a));
  const dims = X.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  if (axes?.some((a) => X.dims[a] !== 1)) throw bad(node, "squeezed axes must have size 1");
  return withDims(X, dims);
}

function unsqueeze(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  const axes = axesOf(ctx, node, inputs);
  if (!axes) throw bad(node, "axes are required");
  const rank = X.dims.length + axes.length;
  const norm = axes.map((a) => (a < 0 ? a + rank : a));
  const dims: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) dims.push(norm.includes(i) ? 1 : (X.dims[j++] as number));
  return withDims(X, dims);
}

function transpose(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  const rank = X.dims.length;
  const perm = attrInts(node, "perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const dims = perm.map((p) => X.dims[p] as number);
  const inStrides = stridesOf(X.dims);
  const n = size(dims);
  const src = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let at = 0;
    for (let d = 0; d < rank; d++)
      at += (counter[d] as number) * (inStrides[perm[d] as number] as number);
    src[flat] = at;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d] = (counter[d] as number) + 1;
      if ((counter[d] as number) < (dims[d] as number)) break;
      counter[d] = 0;
    }
  }
  return gather(X, dims, src);
}

function pad(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  if (inputs[3]) throw fail(node, "the axes input (opset 18) is not supported");
  const rank = X.dims.length;
  const pads = inputs[1] ? intsOf(node, inputs[1], "pads") : (attrInts(node, "pads") ?? []);
  if (pads.length !== 2 * rank) throw bad(node, `needs ${2 * rank} pads for rank ${rank}`);
  if (pads.some((p) => p < 0)) throw fail(node, "negative pads are not supported");
  const mode = attrString(node, "mode", "constant");
  if (mode !== "constant") throw fail(node, `mode "${mode}" is not supported (only "constant")`);
  const value = inputs[2]
    ? (needConst(node, inputs[2], "constant_value").data[0] ?? 0)
    : attrFloat(node, "value", 0);
  const dims = X.dims.map((d, i) => d + (pads[i] as number) + (pads[i + rank] as number));
  const inStrides = stridesOf(X.dims);
  const n = size(dims);
  const src = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let at = 0;
    for (let d = 0; d < rank; d++) {
      const i = (counter[d] as number) - (pads[d] as number);
      if (i < 0 || i >= (X.dims[d] as number)) {
        at = -1;
        break;
      }
      at += i * (inStrides[d] as number);
    }
    src[flat] = at;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d] = (counter[d] as number) + 1;
      if ((counter[d] as number) < (dims[d] as number)) break;
      counter[d] = 0;
    }
  }
  if (X.kind === "const") {
    return {
      ...X,
      dims,
      data: Float64Array.from(src, (s) => (s < 0 ? value : (X.data[s] as number))),
    };
  }
  const q = quantizeValue(value, X.scale);
  const fill: Elem = {
    a: constAffine(q),
    lo: q,
    hi: q,
    flo: value,
    fhi: value,
    err: Math.abs(Number(q) / 2 ** X.scale - value),
  };
  return { ...X, dims, el: Array.from(src, (s) => (s < 0 ? fill : (X.el[s] as Elem))) };
}

function constant(_ctx: Ctx, node: OnnxNode): T {
  const a: OnnxAttribute | undefined =
    node.attributes.value ??
    node.attributes.value_float ??
    node.attributes.value_floats ??
    node.attributes.value_int ??
    node.attributes.value_ints;
  if (a?.type === "tensor") {
    const t = fromOnnxTensor(a.value);
    return { kind: "const", dims: t.dims, data: t.data, dataType: t.dataType };
  }
  if (a?.type === "float" || a?.type === "int") {
    return {
      kind: "const",
      dims: [],
      data: Float64Array.of(a.value),
      dataType: a.type === "int" ? "int64" : "float32",
    };
  }
  if (a?.type === "floats" || a?.type === "ints") {
    return {
      kind: "const",
      dims: [a.value.length],
      data: Float64Array.from(a.value),
      dataType: a.type === "ints" ? "int64" : "float32",
    };
  }
  throw bad(node, "needs a value, value_float(s) or value_int(s) attribute");
}

function shape(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  const rank = X.dims.length;
  const norm = (a: number): number => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
  const start = norm(attrInt(node, "start", 0));
  const end = norm(attrInt(node, "end", rank));
  const dims = X.dims.slice(start, end);
  return { kind: "const", dims: [dims.length], data: Float64Array.from(dims), dataType: "int64" };
}

function gatherOp(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "data");
  const idx = needConst(node, inputs[1], "indices");
  const rank = X.dims.length;
  const raw = attrInt(node, "axis", 0);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) throw bad(node, `axis ${raw} is out of range for rank ${rank}`);
  const len = X.dims[axis] as number;
  const outer = size(X.dims.slice(0, axis));
  const inner = size(X.dims.slice(axis + 1));
  const picks = Array.from(idx.data, (i) => {
    const j = i < 0 ? i + len : i;
    if (!Number.isInteger(j) || j < 0 || j >= len) throw bad(node, `index ${i} is out of range`);
    return j;
  });
  const src: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const j of picks) for (let i = 0; i < inner; i++) src.push((o * len + j) * inner + i);
  }
  const dims = [...X.dims.slice(0, axis), ...idx.dims, ...X.dims.slice(axis + 1)];
  return gather(X, dims, src);
}

function concat(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const parts = inputs.map((t, i) => need(node, t, `input ${i}`));
  const first = parts[0] as T;
  const rank = first.dims.length;
  const raw = attrInt(node, "axis", 0);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) throw bad(node, `axis ${raw} is out of range for rank ${rank}`);
  for (const p of parts) {
    if (p.dims.length !== rank || p.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      throw bad(node, "inputs must match outside the concatenation axis");
    }
  }
  const dims = first.dims.map((d, i) =>
    i === axis ? parts.reduce((n, p) => n + (p.dims[axis] as number), 0) : d,
  );
  const outer = size(first.dims.slice(0, axis));
  const inner = size(first.dims.slice(axis + 1));
  if (parts.every((p) => p.kind === "const")) {
    const data: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts as ConstT[]) {
        const chunk = (p.dims[axis] as number) * inner;
        data.push(...p.data.subarray(o * chunk, (o + 1) * chunk));
      }
    }
    return {
      kind: "const",
      dims,
      data: Float64Array.from(data),
      dataType: (first as ConstT).dataType,
    };
  }
  // Variables: bring every part to one scale (constants are quantized at it).
  const vars = parts.filter((p): p is VarT => p.kind === "var");
  if (vars.some((v) => v.index) && !vars.every((v) => v.index)) {
    throw fail(node, "mixing ArgMax indices with values is not supported");
  }
  const scale = Math.max(...vars.map((v) => v.scale));
  const el: Elem[] = [];
  const aligned = parts.map((p) => {
    const v = p.kind === "const" ? toVar(p, scale) : p;
    const f = 1n << BigInt(scale - v.scale);
    if (f === 1n) return v;
    return {
      ...v,
      el: v.el.map((e) => {
        const a = new AffineSum().add(e.a, f).build();
        return { ...e, a, lo: e.lo * f, hi: e.hi * f };
      }),
    };
  });
  for (let o = 0; o < outer; o++) {
    for (const v of aligned) {
      const chunk = (v.dims[axis] as number) * inner;
      el.push(...v.el.slice(o * chunk, (o + 1) * chunk));
    }
  }
  return { kind: "var", dims, scale, index: vars.every((v) => v.index), el };
}

function cast(_ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const X = need(node, inputs[0], "input");
  const to = attrInt(node, "to", 1);
  // TensorProto codes: 1 float, 10 float16, 11 double; 6 int32, 7 int64.
  const floatTypes = [1, 10, 11, 16];
  if (X.kind === "const") {
    if (floatTypes.includes(to)) return { ...X, dataType: "float32" };
    if (to === 6 || to === 7)
      return { ...X, data: X.data.map(Math.trunc), dataType: to === 7 ? "int64" : "int32" };
    throw fail(node, `cast to type ${to} is not supported`);
  }
  if (floatTypes.includes(to) || ((to === 6 || to === 7) && X.index)) return X;
  throw fail(node, `casting a variable tensor to type ${to} is not supported`);
}

const handlers: Record<string, Handler> = {
  Identity: (_c, node, [x]) => need(node, x, "input"),
  // Inference mode: Dropout is the identity (its mask output is refused in applyNode).
  Dropout: (_c, node, [x]) => need(node, x, "data"),
  Shape: shape,
  Gather: gatherOp,
  Concat: concat,
  Cast: cast,
  Constant: (ctx, node) => constant(ctx, node),
  Add: (ctx, node, inputs) => addSub(ctx, node, inputs, 1n),
  Sub: (ctx, node, inputs) => addSub(ctx, node, inputs, -1n),
  Mul: (ctx, node, inputs) => mul(ctx, node, inputs, false),
  Div: (ctx, node, inputs) => mul(ctx, node, inputs, true),
  Relu: relu,
  Gemm: gemm,
  MatMul: matmul,
  Conv: conv,
  AveragePool: (ctx, node, inputs) => pool(ctx, node, inputs, "avg"),
  MaxPool: (ctx, node, inputs) => pool(ctx, node, inputs, "max"),
  BatchNormalization: batchNorm,
  ArgMax: argMax,
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Pad: pad,
};

/** Ops whose handler works on constants too (layout only); other all-constant nodes are folded. */
const layoutOps = new Set([
  "Identity",
  "Dropout",
  "Shape",
  "Gather",
  "Concat",
  "Cast",
  "Constant",
  "Reshape",
  "Flatten",
  "Squeeze",
  "Unsqueeze",
  "Transpose",
  "Pad",
]);

/** Evaluates one node: constraints for variable inputs, float folding for constant ones. */
export function applyNode(ctx: Ctx, node: OnnxNode, inputs: (T | undefined)[]): T {
  const handler =
    node.domain === "" || node.domain === "ai.onnx" ? handlers[node.opType] : undefined;
  if (!handler) {
    throw new ZkUnsupportedOperatorError({
      opType: node.domain ? `${node.domain}.${node.opType}` : node.opType,
      node: node.name,
      supported: supportedOperators,
    });
  }
  const allConst = inputs.every((t) => t === undefined || t.kind === "const");
  if (allConst && !layoutOps.has(node.opType)) return fold(node, inputs as (ConstT | undefined)[]);
  return handler(ctx, node, inputs);
}

/** Runs a node whose inputs are all constant through the float64 reference interpreter. */
function fold(node: OnnxNode, inputs: (ConstT | undefined)[]): ConstT {
  if (!(referenceOperators as readonly string[]).includes(node.opType)) {
    throw fail(node, "this operator cannot be folded over constants");
  }
  const names = inputs.map((_, i) => (inputs[i] ? `in${i}` : ""));
  const model: OnnxModel = {
    irVersion: 8,
    opsetImports: [{ domain: "", version: 13 }],
    producerName: "",
    producerVersion: "",
    docString: "",
    metadata: {},
    graph: {
      name: "fold",
      inputs: [],
      outputs: [{ name: "out", dataType: "float32", shape: null }],
      nodes: [{ ...node, inputs: names, outputs: ["out"] }],
      initializers: inputs.flatMap((t, i) =>
        t ? [{ name: `in${i}`, dataType: "float64" as const, dims: t.dims, data: t.data }] : [],
      ),
      valueInfo: [],
    },
  };
  const out = runReference(model, {}).out;
  if (!out) throw bad(node, "constant folding produced no output");
  return { kind: "const", dims: out.dims, data: out.data, dataType: out.dataType };
}
