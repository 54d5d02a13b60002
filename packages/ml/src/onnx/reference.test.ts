import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import { createRng } from "../random.js";
import { createSession } from "../runtime/session.js";
import { createMlp, mlpToOnnx } from "../train/mlp.js";
import { type AttributeInput, createGraphBuilder } from "./builder.js";
import { createCnnOnnx } from "./models.js";
import { referenceOperators, runReference } from "./reference.js";
import type { OnnxModel, TensorDataType } from "./types.js";

// Every operator the reference evaluator supports, written by our ONNX writer, run by
// onnxruntime (float32) and by the float64 reference: they must agree to 1e-5 (relative to the
// value's magnitude when it exceeds 1).

const TOLERANCE = 1e-5;
const rng = createRng(2024);
const random = (n: number, scale = 1): number[] =>
  Array.from({ length: n }, () => (2 * rng.nextFloat() - 1) * scale);
const count = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

type Operand =
  | { dims: number[]; data?: number[] } // graph input, random float32 unless data is given
  | { dims: number[]; data: number[]; constant: TensorDataType }; // initializer

/** Builds a one-node model, runs it both ways, and compares every output value. */
async function checkOp(
  opType: string,
  operands: Operand[],
  attributes: Record<string, AttributeInput> = {},
  outputType: TensorDataType = "float32",
): Promise<number[]> {
  const g = createGraphBuilder(opType);
  const feeds: Record<string, { dims: number[]; data: number[] }> = {};
  const names = operands.map((operand, i) => {
    const name = `in${i}`;
    if ("constant" in operand)
      return g.initializer(name, operand.constant, operand.dims, operand.data);
    const data = operand.data ?? random(count(operand.dims));
    feeds[name] = { dims: operand.dims, data: Array.from(Float32Array.from(data)) };
    return g.input(name, "float32", operand.dims);
  });
  const y = g.node(opType, names, attributes, { outputs: ["y"] });
  g.output(y, outputType, null);
  return compare(g.build(), feeds);
}

async function compare(
  model: OnnxModel,
  feeds: Record<string, { dims: number[]; data: number[] }>,
): Promise<number[]> {
  const session = await createSession(model);
  try {
    const ortFeeds = Object.fromEntries(
      Object.entries(feeds).map(([name, f]) => [
        name,
        new ort.Tensor("float32", Float32Array.from(f.data), f.dims),
      ]),
    );
    const results = await session.ort.run(ortFeeds);
    const reference = runReference(model, feeds);
    const out: number[] = [];
    for (const { name } of model.graph.outputs) {
      const got = results[name];
      const want = reference[name];
      if (!got || !want) throw new Error(`missing output ${name}`);
      expect(want.dims).toEqual([...got.dims]);
      const values = Array.from(got.data as ArrayLike<number | bigint>, Number);
      values.forEach((v, i) => {
        const w = want.data[i] as number;
        const err = Math.abs(v - w) / Math.max(1, Math.abs(w));
        if (!(err <= TOLERANCE)) expect.fail(`${name}[${i}]: onnxruntime ${v}, reference ${w}`);
      });
      out.push(...values);
    }
    return out;
  } finally {
    await session.release();
  }
}

const int64 = (values: number[]): Operand => ({
  dims: [values.length],
  data: values,
  constant: "int64",
});

describe("writer + onnxruntime agree with the float64 reference", () => {
  const tested = new Set<string>();
  const op = (name: string, fn: () => Promise<unknown>): void => {
    tested.add(name);
    test(name, fn);
  };

  op("Gemm", async () => {
    await checkOp("Gemm", [{ dims: [5, 7] }, { dims: [7, 3] }, { dims: [3] }]);
    await checkOp("Gemm", [{ dims: [7, 5] }, { dims: [3, 7] }, { dims: [5, 3] }], {
      transA: 1,
      transB: 1,
      alpha: 0.5,
      beta: 2,
    });
    await checkOp("Gemm", [{ dims: [4, 6] }, { dims: [3, 6] }, { dims: [4, 1] }], { transB: 1 });
    await checkOp("Gemm", [{ dims: [4, 6] }, { dims: [6, 2] }]);
  });

  op("MatMul", async () => {
    await checkOp("MatMul", [{ dims: [4, 6] }, { dims: [6, 3] }]);
    await checkOp("MatMul", [{ dims: [2, 1, 4, 6] }, { dims: [3, 6, 5] }]);
    await checkOp("MatMul", [{ dims: [6] }, { dims: [6, 3] }]);
    await checkOp("MatMul", [{ dims: [2, 4, 6] }, { dims: [6] }]);
  });

  for (const name of ["Add", "Sub", "Mul", "Div"]) {
    op(name, async () => {
      await checkOp(name, [{ dims: [2, 3, 4] }, { dims: [2, 3, 4] }]);
      await checkOp(name, [{ dims: [2, 3, 4] }, { dims: [4] }]);
      await checkOp(name, [{ dims: [2, 1, 4] }, { dims: [3, 1] }]);
      await checkOp(name, [{ dims: [3, 4] }, { dims: [1], data: [0.75], constant: "float32" }]);
    });
  }

  op("Relu", async () => {
    await checkOp("Relu", [{ dims: [3, 5, 2] }]);
  });

  op("Conv", async () => {
    await checkOp("Conv", [{ dims: [2, 1, 8, 8] }, { dims: [4, 1, 3, 3] }, { dims: [4] }], {
      pads: [1, 1, 1, 1],
    });
    await checkOp("Conv", [{ dims: [1, 4, 9, 7] }, { dims: [6, 2, 3, 2] }], {
      group: 2,
      strides: [2, 1],
      pads: [1, 0, 2, 1],
      dilations: [1, 2],
    });
    await checkOp("Conv", [{ dims: [1, 3, 7, 7] }, { dims: [2, 3, 3, 3] }, { dims: [2] }], {
      auto_pad: "SAME_UPPER",
      strides: [2, 2],
    });
    await checkOp("Conv", [{ dims: [1, 2, 6, 6] }, { dims: [2, 2, 3, 3] }], {
      auto_pad: "VALID",
      kernel_shape: [3, 3],
    });
  });

  op("AveragePool", async () => {
    await checkOp("AveragePool", [{ dims: [2, 3, 8, 8] }], {
      kernel_shape: [2, 2],
      strides: [2, 2],
    });
    await checkOp("AveragePool", [{ dims: [1, 2, 7, 6] }], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
    });
    await checkOp("AveragePool", [{ dims: [1, 2, 7, 6] }], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      count_include_pad: 1,
    });
    await checkOp("AveragePool", [{ dims: [1, 1, 7, 7] }], {
      kernel_shape: [2, 2],
      strides: [2, 2],
      ceil_mode: 1,
    });
  });

  op("MaxPool", async () => {
    await checkOp("MaxPool", [{ dims: [2, 3, 8, 8] }], { kernel_shape: [2, 2], strides: [2, 2] });
    await checkOp("MaxPool", [{ dims: [1, 2, 7, 6] }], {
      kernel_shape: [3, 2],
      strides: [2, 1],
      pads: [1, 0, 1, 1],
    });
    await checkOp("MaxPool", [{ dims: [1, 1, 9, 9] }], {
      kernel_shape: [2, 2],
      dilations: [2, 2],
      ceil_mode: 1,
      strides: [2, 2],
    });
  });

  op("Pad", async () => {
    await checkOp("Pad", [{ dims: [1, 2, 4, 4] }, int64([0, 0, 1, 2, 0, 0, 2, 1])]);
    await checkOp("Pad", [
      { dims: [2, 3] },
      int64([1, 0, 0, 2]),
      { dims: [], data: [1.5], constant: "float32" },
    ]);
    await checkOp("Pad", [{ dims: [1, 1, 4, 5] }, int64([0, 0, 2, 3, 0, 0, 3, 1])], {
      mode: "reflect",
    });
    await checkOp("Pad", [{ dims: [1, 1, 4, 5] }, int64([0, 0, 2, 3, 0, 0, 3, 1])], {
      mode: "edge",
    });
    await checkOp("Pad", [{ dims: [3, 5] }, int64([-1, 1, 0, -2])]);
  });

  op("Flatten", async () => {
    await checkOp("Flatten", [{ dims: [2, 3, 4, 5] }]);
    await checkOp("Flatten", [{ dims: [2, 3, 4, 5] }], { axis: 0 });
    await checkOp("Flatten", [{ dims: [2, 3, 4, 5] }], { axis: -1 });
  });

  op("Reshape", async () => {
    await checkOp("Reshape", [{ dims: [3, 64] }, int64([-1, 1, 8, 8])]);
    await checkOp("Reshape", [{ dims: [2, 3, 4] }, int64([0, -1])]);
  });

  op("Softmax", async () => {
    await checkOp("Softmax", [{ dims: [4, 10], data: random(40, 5) }]);
    await checkOp("Softmax", [{ dims: [2, 3, 4] }], { axis: 1 });
  });

  op("ArgMax", async () => {
    await checkOp("ArgMax", [{ dims: [5, 10] }], { axis: 1 }, "int64");
    await checkOp("ArgMax", [{ dims: [2, 3, 4] }], { axis: 0, keepdims: 0 }, "int64");
    const ties = [1, 3, 3, 0, 2, 2, 2, 1];
    await checkOp("ArgMax", [{ dims: [2, 4], data: ties }], { axis: 1 }, "int64");
    expect(
      await checkOp(
        "ArgMax",
        [{ dims: [2, 4], data: ties }],
        { axis: 1, select_last_index: 1 },
        "int64",
      ),
    ).toEqual([2, 2]);
  });

  op("BatchNormalization", async () => {
    const c = 3;
    await checkOp(
      "BatchNormalization",
      [
        { dims: [2, c, 4, 4] },
        { dims: [c], data: random(c), constant: "float32" },
        { dims: [c], data: random(c), constant: "float32" },
        { dims: [c], data: random(c), constant: "float32" },
        { dims: [c], data: random(c).map((v) => v * v + 0.5), constant: "float32" },
      ],
      { epsilon: 1e-3 },
    );
  });

  op("Constant", async () => {
    const g = createGraphBuilder();
    const x = g.input("x", "float32", [2, 3]);
    const values = random(6);
    const k = g.node("Constant", [], {
      value: { name: "", dataType: "float32", dims: [2, 3], data: Float32Array.from(values) },
    });
    const f = g.node("Constant", [], { value_float: 2 });
    const y = g.node("Mul", [g.node("Add", [x, k]), f], {}, { outputs: ["y"] });
    g.output(y, "float32", [2, 3]);
    await compare(g.build(), {
      x: { dims: [2, 3], data: Array.from(Float32Array.from(random(6))) },
    });
  });

  op("Identity", async () => {
    await checkOp("Identity", [{ dims: [4, 2] }]);
  });

  test("every supported operator has a case here", () => {
    expect([...tested].sort()).toEqual([...referenceOperators].sort());
  });
});

describe("whole models", () => {
  const digitsLike = (n: number): number[] =>
    Array.from({ length: n * 64 }, () => Math.floor(rng.nextFloat() * 17));

  test("PyTorch-style CNN: Reshape, Conv, Relu, Pad, AveragePool, Flatten, Gemm", async () => {
    for (const input of ["flat", "image"] as const) {
      const model = createCnnOnnx({ seed: 11, input, channels: 6 });
      const dims = input === "flat" ? [5, 64] : [5, 1, 8, 8];
      const out = await compare(model, { input: { dims, data: digitsLike(5) } });
      expect(out).toHaveLength(50);
      expect(Math.max(...out.map(Math.abs))).toBeGreaterThan(1); // not vacuously small
    }
  });

  test("MLP with random weights (Gemm, Relu)", async () => {
    const mlp = createMlp({ layers: [64, 32, 16, 10], seed: 3, inputScale: 1 / 16 });
    const out = await compare(mlpToOnnx(mlp), { input: { dims: [8, 64], data: digitsLike(8) } });
    expect(out).toHaveLength(80);
  });

  test("an unsupported operator names the node", () => {
    const g = createGraphBuilder();
    const x = g.input("x", "float32", [2]);
    g.output(g.node("Tanh", [x], {}, { name: "act" }), "float32", [2]);
    expect(() => runReference(g.build(), { x: { dims: [2], data: [1, 2] } })).toThrow(
      /node "act" \(Tanh\): operator Tanh is not supported by the reference evaluator/,
    );
  });

  test("missing or mis-sized feeds", () => {
    const model = createCnnOnnx({ seed: 1 });
    expect(() => runReference(model, {})).toThrow(
      /Invalid feeds: expected a value for every graph input \(input\)/,
    );
    expect(() => runReference(model, { input: { dims: [1, 64], data: [1] } })).toThrow(
      /Invalid feeds\.input: expected 64 values/,
    );
  });
});
