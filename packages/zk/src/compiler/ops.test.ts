import {
  createGraphBuilder,
  createRng,
  createSession,
  encodeModel,
  type GraphBuilder,
  runInference,
} from "@noosphere/ml";
import { afterAll, describe, expect, test } from "vitest";
import { terminateSnarkjs } from "../circom/witness.js";
import { toField } from "../field.js";
import { runQuantized } from "../quantize/run.js";
import { genSettings } from "../settings.js";
import { buildCircuit, tempDir, witnessOf } from "../testing/harness.js";
import { compileCircuit } from "./compile.js";

// One tiny model per operator. For each: (a) the dequantized fixed-point result is within the
// compiler's proven error bound of onnxruntime, (b) the circom witness has exactly the outputs
// runQuantized computes, (c) the witness satisfies the R1CS.

const tmp = tempDir("zk-ops-");
afterAll(async () => {
  await terminateSnarkjs();
  tmp.remove();
});

const rng = createRng(7);
const uniform = (n: number, limit = 1): number[] =>
  Array.from({ length: n }, () => (2 * rng.nextFloat() - 1) * limit);

type Case = {
  name: string;
  input: number[];
  build(g: GraphBuilder, x: string): string;
  outShape: number[];
  range?: [number, number];
  /**
   * The output is an ArgMax index over the logits `build` passes through `logits`: it must equal
   * the argmax of the quantized logits exactly, and onnxruntime's where the float margin allows.
   */
  index?: boolean;
};

const cases: Case[] = [
  {
    name: "Gemm (transB, alpha, beta, bias)",
    input: [1, 6],
    outShape: [1, 4],
    build: (g, x) =>
      g.node(
        "Gemm",
        [
          x,
          g.initializer("W", "float32", [4, 6], uniform(24)),
          g.initializer("C", "float32", [4], uniform(4)),
        ],
        { transB: 1, alpha: 0.75, beta: 1.5 },
      ),
  },
  {
    name: "Gemm (transA, bias broadcast from [1, N])",
    input: [6, 1],
    outShape: [1, 3],
    build: (g, x) =>
      g.node(
        "Gemm",
        [
          x,
          g.initializer("W", "float32", [6, 3], uniform(18)),
          g.initializer("C", "float32", [1, 3], uniform(3)),
        ],
        { transA: 1 },
      ),
  },
  {
    name: "MatMul (variable x constant, constant x variable)",
    input: [1, 5],
    outShape: [2, 1],
    build: (g, x) => {
      const y = g.node("MatMul", [x, g.initializer("W", "float32", [5, 4], uniform(20))]);
      const t = g.node("Transpose", [y], { perm: [1, 0] });
      return g.node("MatMul", [g.initializer("V", "float32", [2, 4], uniform(8)), t]);
    },
  },
  {
    name: "Add / Sub (variable + constant, variable + variable at different scales)",
    input: [1, 4],
    outShape: [1, 4],
    build: (g, x) => {
      const lin = g.node("MatMul", [x, g.initializer("W", "float32", [4, 4], uniform(16))]);
      const s = g.node("Add", [lin, x]); // lin is still at input_scale + param_scale
      const c = g.node("Sub", [g.initializer("c", "float32", [4], uniform(4)), s]);
      return g.node("Sub", [c, g.initializer("d", "float32", [1], [0.3])]);
    },
  },
  {
    name: "Mul / Div (by constants with broadcasting, and variable x variable)",
    input: [1, 2, 3],
    outShape: [1, 2, 3],
    build: (g, x) => {
      const a = g.node("Mul", [x, g.initializer("m", "float32", [2, 1], [0.6, -1.7])]);
      const b = g.node("Mul", [a, x]);
      return g.node("Div", [b, g.initializer("d", "float32", [], [3])]);
    },
  },
  {
    name: "Relu",
    input: [1, 8],
    outShape: [1, 8],
    build: (g, x) =>
      g.node("Relu", [g.node("MatMul", [x, g.initializer("W", "float32", [8, 8], uniform(64))])]),
  },
  {
    name: "Conv (stride 2, asymmetric pads, bias) + Relu",
    input: [1, 2, 6, 5],
    outShape: [1, 3, 3, 3],
    build: (g, x) =>
      g.node("Relu", [
        g.node(
          "Conv",
          [
            x,
            g.initializer("W", "float32", [3, 2, 3, 3], uniform(54, 0.5)),
            g.initializer("B", "float32", [3], uniform(3)),
          ],
          { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 1] },
        ),
      ]),
  },
  {
    name: "Conv (group 2, dilation 2, no bias)",
    input: [1, 2, 5, 5],
    outShape: [1, 2, 5, 5],
    build: (g, x) =>
      g.node("Conv", [x, g.initializer("W", "float32", [2, 1, 2, 2], uniform(8))], {
        group: 2,
        dilations: [2, 2],
        pads: [1, 1, 1, 1],
      }),
  },
  {
    name: "AveragePool (3x3, stride 2, pads, count_include_pad 0: divisors 4, 6, 9)",
    input: [1, 1, 5, 5],
    outShape: [1, 1, 3, 3],
    build: (g, x) =>
      g.node("AveragePool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
  },
  {
    name: "AveragePool after Conv (pending rescale folded into the division)",
    input: [1, 1, 4, 4],
    outShape: [1, 2, 2, 2],
    build: (g, x) => {
      const c = g.node("Conv", [x, g.initializer("W", "float32", [2, 1, 3, 3], uniform(18, 0.5))], {
        pads: [1, 1, 1, 1],
      });
      return g.node("AveragePool", [c], { kernel_shape: [2, 2], strides: [2, 2] });
    },
  },
  {
    name: "MaxPool (2x2, stride 2, pads)",
    input: [1, 2, 5, 5],
    outShape: [1, 2, 3, 3],
    build: (g, x) =>
      g.node("MaxPool", [x], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0] }),
  },
  {
    name: "Pad (constant 0.5) + Flatten + Gemm",
    input: [1, 1, 2, 3],
    outShape: [1, 2],
    build: (g, x) => {
      const p = g.node(
        "Pad",
        [
          x,
          g.initializer("pads", "int64", [8], [0, 0, 1, 0, 0, 0, 0, 1]),
          g.initializer("v", "float32", [], [0.5]),
        ],
        {
          mode: "constant",
        },
      );
      const f = g.node("Flatten", [p], { axis: 1 });
      return g.node("Gemm", [f, g.initializer("W", "float32", [2, 12], uniform(24))], {
        transB: 1,
      });
    },
  },
  {
    name: "Reshape (-1, 0) / Constant / Identity / Transpose / Squeeze / Unsqueeze",
    input: [1, 6],
    outShape: [3, 1, 2],
    build: (g, x) => {
      const shape = g.node("Constant", [], {
        value: { name: "", dataType: "int64", dims: [3], data: BigInt64Array.of(0n, -1n, 2n) },
      });
      const r = g.node("Reshape", [x, shape]); // [1, 3, 2]
      const i = g.node("Identity", [r]);
      const t = g.node("Transpose", [i], { perm: [1, 0, 2] }); // [3, 1, 2]
      const s = g.node("Squeeze", [t, g.initializer("ax", "int64", [1], [1])]); // [3, 2]
      const u = g.node("Unsqueeze", [s, g.initializer("ax2", "int64", [1], [1])]); // [3, 1, 2]
      return g.node("Add", [u, g.initializer("b", "float32", [2], [0.25, -0.125])]);
    },
  },
  {
    name: "PyTorch view(size(0), -1): Shape/Gather/Unsqueeze/Concat/Reshape + Dropout/Cast/Concat",
    input: [1, 2, 3],
    outShape: [1, 2],
    build: (g, x) => {
      const shape = g.node("Shape", [x]);
      const n = g.node("Gather", [shape, g.initializer("i0", "int64", [], [0])], { axis: 0 });
      const u = g.node("Unsqueeze", [n, g.initializer("a0", "int64", [1], [0])]);
      const target = g.node("Concat", [u, g.initializer("m1", "int64", [1], [-1])], { axis: 0 });
      const flat = g.node("Reshape", [x, target]); // [1, 6]
      const d = g.node("Dropout", [flat]);
      const c = g.node("Cast", [d], { to: 1 });
      const both = g.node(
        "Concat",
        [c, g.node("Relu", [c]), g.initializer("k", "float32", [1, 1], [0.5])],
        { axis: 1 },
      );
      return g.node("Gemm", [both, g.initializer("W", "float32", [13, 2], uniform(26))]);
    },
  },
  {
    name: "BatchNormalization",
    input: [1, 3, 2, 2],
    outShape: [1, 3, 2, 2],
    build: (g, x) =>
      g.node("BatchNormalization", [
        x,
        g.initializer("s", "float32", [3], [1.5, -0.5, 0.8]),
        g.initializer("b", "float32", [3], [0.1, 0.2, -0.3]),
        g.initializer("m", "float32", [3], [0.05, -0.2, 0.4]),
        g.initializer("v", "float32", [3], [0.9, 2.0, 0.3]),
      ]),
  },
  {
    name: "ArgMax (axis 1, keepdims 0) of Gemm logits",
    input: [1, 6],
    outShape: [1],
    index: true,
    build: (g, x) =>
      g.node("ArgMax", [g.node("Gemm", [x, argmaxWeights(g)], { transB: 1 })], {
        axis: 1,
        keepdims: 0,
      }),
  },
];

const argmaxW = uniform(30);
const argmaxWeights = (g: GraphBuilder): string => g.initializer("W", "float32", [5, 6], argmaxW);

/** The ArgMax case's logits alone, to check the index against. */
function argmaxLogitsModel(): Uint8Array {
  const g = createGraphBuilder("logits");
  const x = g.input("x", "float32", [1, 6]);
  g.output(g.node("Gemm", [x, argmaxWeights(g)], { transB: 1 }), "float32", [1, 5]);
  return encodeModel(g.build());
}

const argmaxOf = (v: readonly number[]): number => v.indexOf(Math.max(...v));

const samples = 4;

describe("per-operator circuits", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const g = createGraphBuilder("op");
      const x = g.input("x", "float32", c.input);
      const y = c.build(g, x);
      g.output(y, c.index ? "int64" : "float32", c.outShape);
      const bytes = encodeModel(g.build());
      const range = c.range ?? [-2, 2];
      const settings = genSettings(bytes, {
        inputVisibility: "private",
        outputVisibility: "public",
        inputRange: range,
      });
      const compiled = compileCircuit(bytes, settings);
      const n = c.input.reduce((a, b) => a * b, 1);
      const inputs = Array.from({ length: samples }, () => uniform(n, range[1]));
      // Edge values: the range ends and zero.
      inputs.push(
        Array.from({ length: n }, (_, i) => (i % 3 === 0 ? range[0] : i % 3 === 1 ? range[1] : 0)),
      );

      const session = await createSession(bytes);
      const ort = (await runInference(session, inputs)).output_data;
      await session.release();
      const bound = compiled.stats.errorBound;
      const logits = c.index ? argmaxLogitsModel() : undefined;
      const logitsCompiled = logits
        ? compileCircuit(logits, genSettings(logits, { inputRange: range }))
        : undefined;
      if (!c.index) expect(bound).toBeGreaterThan(0);

      const built = await buildCircuit(compiled, `${tmp.path}/${cases.indexOf(c)}`);
      expect(built.constraints).toBe(compiled.stats.constraints);
      for (let s = 0; s < inputs.length; s++) {
        const input = inputs[s] as number[];
        const q = runQuantized(compiled, input);
        const expected = ort[s] as number[];
        expect(q.outputsFloat).toHaveLength(expected.length);
        if (logitsCompiled) {
          const l = runQuantized(logitsCompiled, input).outputsFloat;
          expect(q.outputsFloat[0]).toBe(argmaxOf(l));
          const sorted = [...l].sort((a, b) => b - a);
          if ((sorted[0] as number) - (sorted[1] as number) > 2 * logitsCompiled.stats.errorBound) {
            expect(q.outputsFloat[0]).toBe(expected[0]);
          }
        } else {
          q.outputsFloat.forEach((v, i) => {
            const f = expected[i] as number;
            // The bound is against exact arithmetic; onnxruntime adds float32 rounding.
            expect(Math.abs(v - f)).toBeLessThanOrEqual(bound + 1e-5 * (1 + Math.abs(f)));
          });
        }
        const { witness, ok } = await witnessOf(built, input);
        expect(ok).toBe(true);
        const pub = witness.slice(1, 1 + compiled.layout.total);
        expect(pub).toEqual(q.outputs.map(toField));
      }
    });
  }
});
