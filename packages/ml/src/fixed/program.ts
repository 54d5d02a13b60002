// Op graphs of the programs (ARITHMETIC.md §4): layouts, whole-tensor evaluation (the executor) and
// single-element evaluation from operand accessors (what the referee computes on chain).
import { dot, momentum, relu, sat, softmaxGradElement, softmaxGradRow, update } from "./arith.js";
import { batchIndices } from "./feistel.js";
import { initElement, initTensor } from "./prng.js";
import {
  type CnnInferSpec,
  cnnGeometry,
  type FixedSpec,
  type MlpTrainSpec,
  numTransitions,
  sampleStride,
} from "./spec.js";

export type OperandRef =
  | { from: "start"; index: number }
  | { from: "op"; index: number }
  | { from: "data" };

export type OpType =
  | "INIT"
  | "ZEROS"
  | "GATHER_X"
  | "GATHER_Y"
  | "LINEAR"
  | "RELU"
  | "SOFTMAX_GRAD"
  | "TRANSPOSE"
  | "ROWSUM"
  | "RELU_MASK"
  | "MOMENTUM"
  | "UPDATE"
  | "CURSOR"
  | "IM2COL"
  | "AVGPOOL"
  | "ARGMAX_EQ"
  | "CUMSUM"
  | "LAST";

export type OpDef = {
  name: string;
  type: OpType;
  inputs: OperandRef[];
  /** Output dims (row-major). */
  dims: number[];
  /** Output element count (product of dims). */
  size: number;
  /** LINEAR: A [M][K], W [N][K]; TRANSPOSE/ROWSUM: input [R][C]; LAST: input size C; INIT: tensorId, scaleQ. */
  p: {
    M?: number;
    K?: number;
    N?: number;
    R?: number;
    C?: number;
    tensorId?: number;
    scaleQ?: number;
    bias?: boolean;
  };
};

export type TransitionLayout = {
  /** Element counts of the start components. */
  startSizes: number[];
  ops: OpDef[];
  /** For each end component, the op whose output it is. */
  endSources: number[];
};

const S = (index: number): OperandRef => ({ from: "start", index });
const O = (index: number): OperandRef => ({ from: "op", index });
const D: OperandRef = { from: "data" };

function op(
  name: string,
  type: OpType,
  inputs: OperandRef[],
  dims: number[],
  p: OpDef["p"] = {},
): OpDef {
  return { name, type, inputs, dims, size: dims.reduce((a, b) => a * b, 1), p };
}

/** Component element counts of states >= 1 of a training program. */
export function trainComponentSizes(spec: MlpTrainSpec): number[] {
  const { nIn: I, nHidden: H, nOut: C } = spec;
  return [H * I, H, C * H, C, H * I, H, C * H, C, 1];
}

export const TRAIN_COMPONENT_NAMES = [
  "W1",
  "b1",
  "W2",
  "b2",
  "vW1",
  "vb1",
  "vW2",
  "vb2",
  "cursor",
] as const;

const layoutCache = new WeakMap<FixedSpec, TransitionLayout[]>();

/** The layout of transition t (state t -> t + 1). */
export function transitionLayout(spec: FixedSpec, t: number): TransitionLayout {
  const n = numTransitions(spec);
  if (!(Number.isSafeInteger(t) && t >= 0 && t < n))
    throw new RangeError(`transition must be in [0, ${n}), got ${t}`);
  let cached = layoutCache.get(spec);
  if (!cached) {
    cached = buildLayouts(spec);
    layoutCache.set(spec, cached);
  }
  return (spec.kind === "mlp-train" && t >= 1 ? cached[1] : cached[0]) as TransitionLayout;
}

function buildLayouts(spec: FixedSpec): TransitionLayout[] {
  if (spec.kind === "cnn-infer") {
    const { rows: M, side, channels: Ch, classes } = spec;
    const g = cnnGeometry(spec);
    const P = g.convSide * g.convSide;
    return [
      {
        startSizes: [M * side * side, Ch * 9, Ch, classes * g.features, classes],
        ops: [
          op("im2col", "IM2COL", [S(0)], [M * P, 9]),
          op("conv", "LINEAR", [O(0), S(1), S(2)], [M * P, Ch], {
            M: M * P,
            K: 9,
            N: Ch,
            bias: true,
          }),
          op("relu", "RELU", [O(1)], [M * P, Ch]),
          op("pool", "AVGPOOL", [O(2)], [M, g.features]),
          op("logits", "LINEAR", [O(3), S(3), S(4)], [M, classes], {
            M,
            K: g.features,
            N: classes,
            bias: true,
          }),
        ],
        endSources: [4],
      },
    ];
  }
  const { nIn: I, nHidden: H, nOut: C } = spec;
  if (spec.kind === "mlp-eval") {
    const M = spec.rows;
    return [
      {
        startSizes: [M * I, H * I, H, C * H, C, M],
        ops: [
          op("z1", "LINEAR", [S(0), S(1), S(2)], [M, H], { M, K: I, N: H, bias: true }),
          op("h1", "RELU", [O(0)], [M, H]),
          op("logits", "LINEAR", [O(1), S(3), S(4)], [M, C], { M, K: H, N: C, bias: true }),
          op("correct", "ARGMAX_EQ", [O(2), S(5)], [M], { R: M, C }),
          // Prefix sums (operand 1 is the op's own output: element e - 1), then the last one: each
          // element check opens O(1) leaves whatever the row count (ARITHMETIC.md R14).
          op("correct_cumsum", "CUMSUM", [O(3), O(4)], [M]),
          op("correct_count", "LAST", [O(4)], [1], { C: M }),
        ],
        endSources: [2, 5],
      },
    ];
  }
  if (spec.kind === "mlp-infer") {
    const M = spec.rows;
    return [
      {
        startSizes: [M * I, H * I, H, C * H, C],
        ops: [
          op("z1", "LINEAR", [S(0), S(1), S(2)], [M, H], { M, K: I, N: H, bias: true }),
          op("h1", "RELU", [O(0)], [M, H]),
          op("logits", "LINEAR", [O(1), S(3), S(4)], [M, C], { M, K: H, N: C, bias: true }),
        ],
        endSources: [2],
      },
    ];
  }
  const B = spec.batch;
  const init: TransitionLayout = {
    startSizes: [],
    ops: [
      op("init_W1", "INIT", [], [H, I], { tensorId: 0, scaleQ: spec.initScaleW1Q }),
      op("zeros_b1", "ZEROS", [], [H]),
      op("init_W2", "INIT", [], [C, H], { tensorId: 2, scaleQ: spec.initScaleW2Q }),
      op("zeros_b2", "ZEROS", [], [C]),
      op("zeros_vW1", "ZEROS", [], [H, I]),
      op("zeros_vb1", "ZEROS", [], [H]),
      op("zeros_vW2", "ZEROS", [], [C, H]),
      op("zeros_vb2", "ZEROS", [], [C]),
      op("zeros_cursor", "ZEROS", [], [1]),
    ],
    endSources: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  };
  const step: TransitionLayout = {
    startSizes: trainComponentSizes(spec),
    ops: [
      op("gather_x", "GATHER_X", [D], [B, I]),
      op("gather_y", "GATHER_Y", [D], [B]),
      op("z1", "LINEAR", [O(0), S(0), S(1)], [B, H], { M: B, K: I, N: H, bias: true }),
      op("h1", "RELU", [O(2)], [B, H]),
      op("z2", "LINEAR", [O(3), S(2), S(3)], [B, C], { M: B, K: H, N: C, bias: true }),
      op("g2", "SOFTMAX_GRAD", [O(4), O(1)], [B, C], { R: B, C }),
      op("g2_t", "TRANSPOSE", [O(5)], [C, B], { R: B, C }),
      op("h1_t", "TRANSPOSE", [O(3)], [H, B], { R: B, C: H }),
      op("dw2", "LINEAR", [O(6), O(7)], [C, H], { M: C, K: B, N: H, bias: false }),
      op("db2", "ROWSUM", [O(6)], [C], { R: C, C: B }),
      op("w2_t", "TRANSPOSE", [S(2)], [H, C], { R: C, C: H }),
      op("dh1", "LINEAR", [O(5), O(10)], [B, H], { M: B, K: C, N: H, bias: false }),
      op("dz1", "RELU_MASK", [O(11), O(2)], [B, H]),
      op("dz1_t", "TRANSPOSE", [O(12)], [H, B], { R: B, C: H }),
      op("x_t", "TRANSPOSE", [O(0)], [I, B], { R: B, C: I }),
      op("dw1", "LINEAR", [O(13), O(14)], [H, I], { M: H, K: B, N: I, bias: false }),
      op("db1", "ROWSUM", [O(13)], [H], { R: H, C: B }),
      op("mom_W1", "MOMENTUM", [S(4), O(15)], [H, I]),
      op("mom_b1", "MOMENTUM", [S(5), O(16)], [H]),
      op("mom_W2", "MOMENTUM", [S(6), O(8)], [C, H]),
      op("mom_b2", "MOMENTUM", [S(7), O(9)], [C]),
      op("upd_W1", "UPDATE", [S(0), O(17)], [H, I]),
      op("upd_b1", "UPDATE", [S(1), O(18)], [H]),
      op("upd_W2", "UPDATE", [S(2), O(19)], [C, H]),
      op("upd_b2", "UPDATE", [S(3), O(20)], [C]),
      op("cursor", "CURSOR", [S(8)], [1]),
    ],
    endSources: [21, 22, 23, 24, 17, 18, 19, 20, 25],
  };
  return [init, step];
}

/** Context of one transition: the spec, t, and (training) the dataset tensor and the batch's sample indices. */
export type OpContext = { spec: FixedSpec; t: number; data?: Int32Array; batch?: number[] };

export function makeContext(spec: FixedSpec, t: number, data?: Int32Array): OpContext {
  const ctx: OpContext = { spec, t };
  if (data) ctx.data = data;
  if (spec.kind === "mlp-train" && t >= 1)
    ctx.batch = batchIndices(spec.seed, spec.n, spec.batch, t - 1);
  return ctx;
}

function trainSpec(ctx: OpContext): MlpTrainSpec {
  if (ctx.spec.kind !== "mlp-train") throw new TypeError("op needs a training spec");
  return ctx.spec;
}

function rowMaxAbs(x: Int32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(x[r * cols + c] as number);
      if (v > m) m = v;
    }
    out[r] = m;
  }
  return out;
}

const TWO53 = 9007199254740992;

function cnnSpec(ctx: OpContext): CnnInferSpec {
  if (ctx.spec.kind !== "cnn-infer") throw new TypeError("op needs a cnn-infer spec");
  return ctx.spec;
}

/** IM2COL element e = (m * P + y * convSide + x) * 9 + dy * 3 + dx: the input element it copies, or -1 (zero padding). */
function im2colSource(spec: CnnInferSpec, e: number): number {
  const { convSide } = cnnGeometry(spec);
  const P = convSide * convSide;
  const k = e % 9;
  const pos = Math.floor(e / 9);
  const m = Math.floor(pos / P);
  const y = Math.floor((pos % P) / convSide);
  const x = pos % convSide;
  const iy = y + Math.floor(k / 3) - spec.convPad;
  const ix = x + (k % 3) - spec.convPad;
  if (iy < 0 || ix < 0 || iy >= spec.side || ix >= spec.side) return -1;
  return m * spec.side * spec.side + iy * spec.side + ix;
}

/** AVGPOOL element e = m * features + (c * poolSide + py) * poolSide + px: the (up to 4) conv elements it averages. */
function poolSources(spec: CnnInferSpec, e: number): number[] {
  const g = cnnGeometry(spec);
  const Ch = spec.channels;
  const m = Math.floor(e / g.features);
  const r = e % g.features;
  const c = Math.floor(r / (g.poolSide * g.poolSide));
  const py = Math.floor((r % (g.poolSide * g.poolSide)) / g.poolSide);
  const px = r % g.poolSide;
  const out: number[] = [];
  for (let a = 0; a < 2; a++)
    for (let b = 0; b < 2; b++) {
      const y = 2 * py + a - spec.poolPad;
      const x = 2 * px + b - spec.poolPad;
      if (y >= 0 && x >= 0 && y < g.convSide && x < g.convSide)
        out.push((m * g.convSide * g.convSide + y * g.convSide + x) * Ch + c);
    }
  return out;
}

/** R13 (mlp-eval "correct"): 1 iff the index of the row's first maximum equals the label, else 0. */
function argmaxEq(row: ArrayLike<number>, label: number): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if ((row[c] as number) > (row[best] as number)) best = c;
  return best === label ? 1 : 0;
}

/** Evaluates a whole op output from its operand tensors (in op.inputs order). */
export function evalOp(o: OpDef, ins: readonly Int32Array[], ctx: OpContext): Int32Array {
  const out = new Int32Array(o.size);
  const in0 = ins[0] as Int32Array;
  const in1 = ins[1] as Int32Array;
  switch (o.type) {
    case "ZEROS":
      return out;
    case "INIT": {
      const s = trainSpec(ctx);
      return initTensor(s.seed, o.p.tensorId as number, o.size, o.p.scaleQ as number);
    }
    case "GATHER_X":
    case "GATHER_Y": {
      const s = trainSpec(ctx);
      const stride = sampleStride(s.nIn);
      const idx = ctx.batch as number[];
      for (let i = 0; i < s.batch; i++) {
        const base = (idx[i] as number) * stride;
        if (o.type === "GATHER_Y") out[i] = in0[base + s.nIn] as number;
        else for (let f = 0; f < s.nIn; f++) out[i * s.nIn + f] = in0[base + f] as number;
      }
      return out;
    }
    case "LINEAR": {
      const M = o.p.M as number;
      const K = o.p.K as number;
      const N = o.p.N as number;
      const ma = rowMaxAbs(in0, M, K);
      const mw = rowMaxAbs(in1, N, K);
      const bias = o.p.bias ? (ins[2] as Int32Array) : undefined;
      for (let m = 0; m < M; m++) {
        const aOff = m * K;
        for (let n = 0; n < N; n++) {
          const wOff = n * K;
          const bv = bias ? (bias[n] as number) : 0;
          if ((ma[m] as number) * (mw[n] as number) * K < TWO53) {
            let s = 0;
            for (let k = 0; k < K; k++) s += (in0[aOff + k] as number) * (in1[wOff + k] as number);
            out[m * N + n] = sat(Math.floor(s / 65536) + bv);
          } else {
            out[m * N + n] = dot(in0, aOff, in1, wOff, K, bv);
          }
        }
      }
      return out;
    }
    case "RELU":
      for (let e = 0; e < o.size; e++) out[e] = relu(in0[e] as number);
      return out;
    case "RELU_MASK":
      for (let e = 0; e < o.size; e++) out[e] = (in1[e] as number) > 0 ? (in0[e] as number) : 0;
      return out;
    case "SOFTMAX_GRAD": {
      const s = trainSpec(ctx);
      const R = o.p.R as number;
      const C = o.p.C as number;
      for (let r = 0; r < R; r++)
        softmaxGradRow(in0, r * C, C, in1[r] as number, s.batch, out, r * C);
      return out;
    }
    case "TRANSPOSE": {
      const R = o.p.R as number;
      const C = o.p.C as number;
      for (let r = 0; r < R; r++)
        for (let c = 0; c < C; c++) out[c * R + r] = in0[r * C + c] as number;
      return out;
    }
    case "ROWSUM": {
      const R = o.p.R as number;
      const C = o.p.C as number;
      for (let r = 0; r < R; r++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += in0[r * C + c] as number;
        out[r] = sat(s);
      }
      return out;
    }
    case "MOMENTUM": {
      const mu = trainSpec(ctx).muQ;
      for (let e = 0; e < o.size; e++) out[e] = momentum(mu, in0[e] as number, in1[e] as number);
      return out;
    }
    case "UPDATE": {
      const lr = trainSpec(ctx).lrQ;
      for (let e = 0; e < o.size; e++) out[e] = update(lr, in0[e] as number, in1[e] as number);
      return out;
    }
    case "CURSOR":
      out[0] = sat((in0[0] as number) + trainSpec(ctx).batch);
      return out;
    case "IM2COL": {
      const s = cnnSpec(ctx);
      for (let e = 0; e < o.size; e++) {
        const src = im2colSource(s, e);
        out[e] = src < 0 ? 0 : (in0[src] as number);
      }
      return out;
    }
    case "ARGMAX_EQ": {
      const C = o.p.C as number;
      for (let r = 0; r < o.size; r++)
        out[r] = argmaxEq(in0.subarray(r * C, r * C + C), in1[r] as number);
      return out;
    }
    case "CUMSUM": {
      // ins[1] (the op's own output) is not read here: the prefix sums are built in order.
      let s = 0;
      for (let e = 0; e < o.size; e++) {
        s = e === 0 ? (in0[0] as number) : sat(s + (in0[e] as number));
        out[e] = s;
      }
      return out;
    }
    case "LAST":
      out[0] = in0[(o.p.C as number) - 1] as number;
      return out;
    case "AVGPOOL": {
      const s = cnnSpec(ctx);
      for (let e = 0; e < o.size; e++) {
        let sum = 0;
        for (const src of poolSources(s, e)) sum += in0[src] as number;
        out[e] = Math.floor(sum / 4);
      }
      return out;
    }
  }
}

/** Which elements of each operand (in op.inputs order) element e of the op reads. */
export function operandElements(o: OpDef, e: number, ctx: OpContext): number[][] {
  const range = (start: number, len: number) => Array.from({ length: len }, (_, k) => start + k);
  switch (o.type) {
    case "ZEROS":
    case "INIT":
      return [];
    case "GATHER_X": {
      const s = trainSpec(ctx);
      const i = Math.floor(e / s.nIn);
      const f = e % s.nIn;
      return [[((ctx.batch as number[])[i] as number) * sampleStride(s.nIn) + f]];
    }
    case "GATHER_Y": {
      const s = trainSpec(ctx);
      return [[((ctx.batch as number[])[e] as number) * sampleStride(s.nIn) + s.nIn]];
    }
    case "LINEAR": {
      const K = o.p.K as number;
      const N = o.p.N as number;
      const m = Math.floor(e / N);
      const n = e % N;
      const els = [range(m * K, K), range(n * K, K)];
      if (o.p.bias) els.push([n]);
      return els;
    }
    case "RELU":
      return [[e]];
    case "RELU_MASK":
    case "MOMENTUM":
    case "UPDATE":
      return [[e], [e]];
    case "SOFTMAX_GRAD": {
      const C = o.p.C as number;
      const r = Math.floor(e / C);
      return [range(r * C, C), [r]];
    }
    case "TRANSPOSE": {
      const R = o.p.R as number;
      const C = o.p.C as number;
      const c = Math.floor(e / R);
      const r = e % R;
      return [[r * C + c]];
    }
    case "ROWSUM": {
      const C = o.p.C as number;
      return [range(e * C, C)];
    }
    case "CURSOR":
      return [[0]];
    case "IM2COL": {
      const src = im2colSource(cnnSpec(ctx), e);
      return [src < 0 ? [] : [src]];
    }
    case "AVGPOOL":
      return [poolSources(cnnSpec(ctx), e)];
    case "ARGMAX_EQ": {
      const C = o.p.C as number;
      return [range(e * C, C), [e]];
    }
    case "CUMSUM":
      return [[e], e > 0 ? [e - 1] : []];
    case "LAST":
      return [[(o.p.C as number) - 1]];
  }
}

/**
 * Element e (< o.size) of the op, computed from operand values: vals[j] are the values of the elements
 * operandElements(o, e, ctx)[j], in that order. This is what the referee recomputes on chain.
 */
export function evalElement(
  o: OpDef,
  e: number,
  vals: readonly number[][],
  ctx: OpContext,
): number {
  const v0 = (vals[0] ?? []) as number[];
  const v1 = (vals[1] ?? []) as number[];
  switch (o.type) {
    case "ZEROS":
      return 0;
    case "INIT":
      return initElement(trainSpec(ctx).seed, o.p.tensorId as number, e, o.p.scaleQ as number);
    case "GATHER_X":
    case "GATHER_Y":
      return v0[0] as number;
    case "LINEAR":
      return dot(
        v0,
        0,
        v1,
        0,
        o.p.K as number,
        o.p.bias ? ((vals[2] as number[])[0] as number) : 0,
      );
    case "RELU":
      return relu(v0[0] as number);
    case "RELU_MASK":
      return (v1[0] as number) > 0 ? (v0[0] as number) : 0;
    case "SOFTMAX_GRAD": {
      const C = o.p.C as number;
      return softmaxGradElement(v0, v1[0] as number, e % C, trainSpec(ctx).batch);
    }
    case "TRANSPOSE":
      return v0[0] as number;
    case "ROWSUM":
      return sat(v0.reduce((a, b) => a + b, 0));
    case "MOMENTUM":
      return momentum(trainSpec(ctx).muQ, v0[0] as number, v1[0] as number);
    case "UPDATE":
      return update(trainSpec(ctx).lrQ, v0[0] as number, v1[0] as number);
    case "CURSOR":
      return sat((v0[0] as number) + trainSpec(ctx).batch);
    case "IM2COL":
      return v0.length === 0 ? 0 : (v0[0] as number);
    case "AVGPOOL":
      return Math.floor(v0.reduce((a, b) => a + b, 0) / 4);
    case "ARGMAX_EQ":
      return argmaxEq(v0, v1[0] as number);
    case "CUMSUM":
      return e === 0 ? (v0[0] as number) : sat((v1[0] as number) + (v0[0] as number));
    case "LAST":
      return v0[0] as number;
  }
}
