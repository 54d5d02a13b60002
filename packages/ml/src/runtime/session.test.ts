import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { InputShapeError, ModelLoadError } from "../errors.js";
import { createGraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/codec.js";
import { createCnnOnnx } from "../onnx/models.js";
import { runReference } from "../onnx/reference.js";
import type { Dim, OnnxModel } from "../onnx/types.js";
import { createSession, type MlSession, runInference } from "./session.js";

const sessions: MlSession[] = [];
afterAll(async () => {
  for (const s of sessions) await s.release();
});

async function open(model: string | Uint8Array | OnnxModel): Promise<MlSession> {
  const session = await createSession(model);
  sessions.push(session);
  return session;
}

/** y = 2x + 1 on an input of the given shape. */
function affine(shape: Dim[]): OnnxModel {
  const g = createGraphBuilder("affine");
  const x = g.input("x", "float32", shape);
  const two = g.initializer("two", "float32", [], [2]);
  const one = g.initializer("one", "float32", [], [1]);
  g.output(g.node("Add", [g.node("Mul", [x, two]), one], {}, { outputs: ["y"] }), "float32", shape);
  return g.build();
}

const sample = (seed: number): number[] =>
  Array.from({ length: 64 }, (_, i) => (i * 7 + seed) % 17);

function expectClose(got: number[], want: ArrayLike<number>): void {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => {
    expect(v).toBeCloseTo(want[i] as number, 5);
  });
}

describe("createSession", () => {
  test("reads shapes and names from the model (path, bytes or model)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "noos-ml-session-"));
    const path = join(dir, "cnn.onnx");
    await writeFile(path, encodeModel(createCnnOnnx({ seed: 1, input: "image" })));
    for (const source of [path, await import("node:fs/promises").then((fs) => fs.readFile(path))]) {
      const session = await open(source);
      expect(session.inputs).toEqual([
        { name: "input", type: "float32", shape: ["batch_size", 1, 8, 8] },
      ]);
      expect(session.outputs).toEqual([
        { name: "output", type: "float32", shape: ["batch_size", 10] },
      ]);
    }
  });

  test("a model that cannot load gives ModelLoadError", async () => {
    await expect(createSession(Uint8Array.of(1, 2, 3))).rejects.toThrow(ModelLoadError);
    await expect(createSession("/nonexistent/model.onnx")).rejects.toThrow(
      /Cannot load the ONNX model \/nonexistent\/model\.onnx\./,
    );
    const g = createGraphBuilder();
    g.output(g.node("NoSuchOp", [g.input("x", "float32", [1])]), "float32", [1]);
    await expect(createSession(g.build())).rejects.toThrow(/NoSuchOp/);
  });
});

describe("runInference", () => {
  test("a flat row is reshaped to [1, 1, 8, 8]; one sample gives EZKL output_data", async () => {
    const model = createCnnOnnx({ seed: 5, input: "image" });
    const session = await open(model);
    const row = sample(1);
    const want =
      runReference(model, { input: { dims: [1, 1, 8, 8], data: row } }).output?.data ?? [];
    const out = await runInference(session, row);
    expect(out.output_data).toHaveLength(1);
    expectClose(out.output_data[0] ?? [], want);
    expect(await runInference(session, { input_data: [row] })).toEqual(out);
  });

  test("a batch gives one output row per input row, across chunks", async () => {
    const model = createCnnOnnx({ seed: 5 });
    const session = await open(model);
    const rows = Array.from({ length: 7 }, (_, i) => sample(i));
    const { output_data } = await runInference(session, rows, { batchSize: 3 });
    expect(output_data).toHaveLength(7);
    const want =
      runReference(model, { input: { dims: [7, 64], data: rows.flat() } }).output?.data ?? [];
    expectClose(output_data.flat(), want);
  });

  test("fixed batch 1 and no batch dimension run sample by sample", async () => {
    for (const shape of [[1, 4], [4], [2, 2]]) {
      const session = await open(affine(shape));
      const { output_data } = await runInference(session, [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
      ]);
      expect(output_data).toEqual([
        [1, 3, 5, 7],
        [9, 11, 13, 15],
      ]);
    }
  });

  test("one symbolic non-batch dimension is inferred from the row length", async () => {
    const session = await open(affine(["batch", 2, "seq"]));
    expect((await runInference(session, [1, 2, 3, 4, 5, 6])).output_data).toEqual([
      [3, 5, 7, 9, 11, 13],
    ]);
    await expect(runInference(session, [1, 2, 3])).rejects.toThrow(/a multiple of 2/);
  });

  test("multi-input models take EZKL input_data, one array per input", async () => {
    const g = createGraphBuilder();
    const a = g.input("a", "float32", [1, 3]);
    const b = g.input("b", "float32", [3]);
    g.output(g.node("Sub", [a, b], {}, { outputs: ["d"] }), "float32", [1, 3]);
    const session = await open(g.build());
    expect(
      await runInference(session, {
        input_data: [
          [5, 5, 5],
          [1, 2, 3],
        ],
      }),
    ).toEqual({
      output_data: [[4, 3, 2]],
    });
    await expect(runInference(session, [1, 2, 3])).rejects.toThrow(/the model has 2 inputs/);
    await expect(runInference(session, { input_data: [[1, 2, 3]] })).rejects.toThrow(
      /Invalid input_data: expected 2 arrays, one per model input \(a, b\), received 1\./,
    );
  });

  test("errors name the expected shape", async () => {
    const session = await open(createCnnOnnx({ seed: 5, input: "image" }));
    const err = await runInference(session, [1, 2, 3]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputShapeError);
    expect((err as InputShapeError).shortMessage).toBe(
      'Input "input" expects shape [batch_size, 1, 8, 8]: a sample needs 64 values, received 3.',
    );
    await expect(runInference(session, [sample(1), [1, 2]])).rejects.toThrow(
      /rows differ in length \(64 and 2\)/,
    );
    await expect(runInference(session, [])).rejects.toThrow(/Invalid input/);
  });
});
