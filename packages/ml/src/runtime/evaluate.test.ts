import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createGraphBuilder } from "../onnx/builder.js";
import { evaluate, logSoftmaxAt } from "./evaluate.js";
import { createSession, type MlSession } from "./session.js";

/** A model that outputs its input unchanged: the rows are the logits. */
let identity: MlSession;
beforeAll(async () => {
  identity = await session();
});
afterAll(() => identity.release());

async function session(softmax = false): Promise<MlSession> {
  const g = createGraphBuilder();
  const x = g.input("x", "float32", ["batch", 3]);
  g.output(g.node(softmax ? "Softmax" : "Identity", [x], {}, { outputs: ["y"] }), "float32", [
    "batch",
    3,
  ]);
  return createSession(g.build());
}

describe("evaluate", () => {
  test("accuracy and cross-entropy of logits", async () => {
    const rows = [
      [2, 1, 0],
      [0, 3, 1],
      [1, 1, 0], // tie: the lower index wins
      [0, 0, 5],
    ];
    const labels = [0, 1, 1, 0];
    const result = await evaluate(identity, rows, labels);
    expect(result.n).toBe(4);
    expect(result.accuracy).toBe(0.5);
    const manual =
      rows.reduce((sum, row, i) => {
        const z = row.map(Math.exp);
        return sum - Math.log((z[labels[i] as number] as number) / z.reduce((a, b) => a + b));
      }, 0) / 4;
    expect(result.loss).toBeCloseTo(manual, 12);
  });

  test("probability outputs", async () => {
    const softmax = await session(true);
    const rows = [
      [2, 1, 0],
      [0, 3, 1],
    ];
    const probs = await evaluate(softmax, rows, [0, 2], { outputs: "probabilities" });
    const logits = await evaluate(identity, rows, [0, 2]);
    expect(probs.accuracy).toBe(0.5);
    expect(probs.loss).toBeCloseTo(logits.loss, 6);
    await softmax.release();
  });

  test("labels must match the rows and the classes", async () => {
    await expect(evaluate(identity, [[1, 2, 3]], [])).rejects.toThrow(
      /Invalid labels: expected one label per row/,
    );
    await expect(evaluate(identity, [[1, 2, 3]], [3])).rejects.toThrow(
      /Invalid labels\[0\]: expected a class index in \[0, 3\), received 3/,
    );
  });

  test("logSoftmaxAt is stable for large logits", () => {
    expect(logSoftmaxAt([1000, 0], 0)).toBeCloseTo(0, 12);
    expect(logSoftmaxAt([1000, 0], 1)).toBeCloseTo(-1000, 9);
  });
});
