import { createHash } from "node:crypto";
import { afterAll, describe, expect, test } from "vitest";
import { decodeModel } from "../onnx/codec.js";
import { createRng } from "../random.js";
import { createSession, type MlSession, runInference } from "../runtime/session.js";
import { createMlp, exportMlpOnnx, type Mlp, predictMlp, trainMlp } from "./mlp.js";

const sessions: MlSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

/** Three noisy clusters in 8-D with integer features 0..16, like digits pixels. */
function toyData(n: number, seed: number): { rows: number[][]; labels: number[] } {
  const rng = createRng(seed);
  const centers = [
    [2, 14, 2, 14, 2, 14, 2, 14],
    [14, 2, 14, 2, 14, 2, 14, 2],
    [8, 8, 16, 0, 0, 16, 8, 8],
  ];
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 3;
    const center = centers[label] as number[];
    rows.push(
      center.map((c) => Math.min(16, Math.max(0, Math.round(c + (rng.nextFloat() - 0.5) * 10)))),
    );
    labels.push(label);
  }
  return { rows, labels };
}

const sha256 = (...parts: Uint8Array[]): string => {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(p);
  return hash.digest("hex");
};

const weightBytes = (mlp: Mlp): Uint8Array[] =>
  [...mlp.weights, ...mlp.biases].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

const params = {
  layers: [8, 16, 3],
  epochs: 5,
  learningRate: 0.05,
  batchSize: 8,
  seed: 123,
  inputScale: 1 / 16,
} as const;

describe("trainMlp", () => {
  test("deterministic: two runs give byte-identical weights and ONNX files (pinned hashes)", () => {
    const { rows, labels } = toyData(300, 9);
    const a = trainMlp(params, rows, labels);
    const b = trainMlp(params, rows, labels);
    const onnxA = exportMlpOnnx(a.mlp);
    const onnxB = exportMlpOnnx(b.mlp);
    expect(sha256(...weightBytes(a.mlp))).toBe(sha256(...weightBytes(b.mlp)));
    expect(sha256(onnxA)).toBe(sha256(onnxB));
    expect(a.history).toEqual(b.history);
    // Pinned: a change here means training is no longer bit-identical to earlier releases or
    // other machines (or the algorithm changed on purpose: then update these).
    expect(sha256(...weightBytes(a.mlp))).toBe(
      "5b02a1e594c8f7e0f72dcfb988426816be9c9edec41b71745bbf90c4aeb7efa7",
    );
    expect(sha256(onnxA)).toBe("db3d0648c2685ad94d49d7779d7f90cf386b0409d68a8f47bbeba8cf51542071");
  });

  test("another seed gives other weights", () => {
    const { rows, labels } = toyData(60, 9);
    const a = trainMlp(params, rows, labels);
    const b = trainMlp({ ...params, seed: 124 }, rows, labels);
    expect(sha256(...weightBytes(a.mlp))).not.toBe(sha256(...weightBytes(b.mlp)));
  });

  test("learns, and the exported ONNX (raw inputs, folded scale) matches the float64 model", async () => {
    const train = toyData(300, 1);
    const test = toyData(90, 2);
    const epochs: number[] = [];
    const { mlp, history } = trainMlp(
      { ...params, onEpoch: (s) => epochs.push(s.epoch) },
      train.rows,
      train.labels,
    );
    expect(epochs).toEqual([1, 2, 3, 4, 5]);
    expect((history.at(-1)?.loss ?? 1) < (history[0]?.loss ?? 0)).toBe(true);
    expect(history.at(-1)?.accuracy).toBeGreaterThan(0.95);

    const session = await createSession(exportMlpOnnx(mlp));
    sessions.push(session);
    const { output_data } = await runInference(session, test.rows);
    const want = predictMlp(mlp, test.rows);
    let worst = 0;
    output_data.forEach((row, i) => {
      row.forEach((v, k) => {
        worst = Math.max(worst, Math.abs(v - (want[i]?.[k] as number)));
      });
    });
    expect(worst).toBeLessThan(1e-4); // float32 weights vs float64
    const predicted = output_data.map((row) => row.indexOf(Math.max(...row)));
    expect(
      predicted.filter((p, i) => p === test.labels[i]).length / test.rows.length,
    ).toBeGreaterThan(0.95);
  });

  test("exported graph: Gemm/Relu, float32 weights in PyTorch's layout, metadata", () => {
    const mlp = createMlp({ layers: [64, 32, 10], seed: 1, inputScale: 1 / 16 });
    const model = decodeModel(exportMlpOnnx(mlp, { metadata: { "noosphere.seed": "1" } }));
    expect(model.opsetImports).toEqual([{ domain: "", version: 13 }]);
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(["Gemm", "Relu", "Gemm"]);
    expect(model.graph.inputs).toEqual([
      { name: "input", dataType: "float32", shape: ["batch", 64] },
    ]);
    expect(model.graph.outputs).toEqual([
      { name: "logits", dataType: "float32", shape: ["batch", 10] },
    ]);
    const w1 = model.graph.initializers[0];
    expect(w1?.name).toBe("fc1.weight");
    expect(w1?.dims).toEqual([32, 64]);
    expect(w1?.data[5]).toBe(Math.fround((mlp.weights[0]?.[5] as number) / 16));
    expect(model.metadata).toMatchObject({ "noosphere.layers": "64,32,10", "noosphere.seed": "1" });
  });

  test("rejects bad parameters and data, naming the field", () => {
    const { rows, labels } = toyData(6, 1);
    expect(() => trainMlp({ ...params, layers: [8] }, rows, labels)).toThrow(/Invalid layers/);
    expect(() => trainMlp({ ...params, epochs: 0 }, rows, labels)).toThrow(/Invalid epochs/);
    expect(() => trainMlp({ ...params, learningRate: -1 }, rows, labels)).toThrow(
      /Invalid learningRate/,
    );
    expect(() => trainMlp({ ...params, batchSize: 1.5 }, rows, labels)).toThrow(
      /Invalid batchSize/,
    );
    expect(() => trainMlp({ ...params, momentum: 1 }, rows, labels)).toThrow(/Invalid momentum/);
    expect(() => trainMlp({ ...params, inputScale: [1, 2] }, rows, labels)).toThrow(
      /Invalid inputScale/,
    );
    expect(() => trainMlp(params, rows, labels.slice(1))).toThrow(
      /Invalid labels: expected one label per row/,
    );
    expect(() => trainMlp(params, [[1, 2], ...rows.slice(1)], labels)).toThrow(
      /Invalid rows\[0\]: expected 8 features, received 2\./,
    );
    expect(() => trainMlp(params, rows, [3, ...labels.slice(1)])).toThrow(
      /Invalid labels\[0\]: expected a class index in \[0, 3\)/,
    );
  });
});
