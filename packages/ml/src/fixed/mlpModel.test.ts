import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readOnnx } from "../onnx/codec.js";
import { runReference } from "../onnx/reference.js";
import { capacityOf } from "./merkle.js";
import { mlpEvalProgramFromOnnx, mlpInferProgramFromOnnx } from "./mlpModel.js";
import { openElement, verifyOpening } from "./opening.js";
import { transitionLayout } from "./program.js";
import { runProgram, stateHash, transitionTrace } from "./run.js";
import { encodeSpec } from "./spec.js";

const modelPath = fileURLToPath(new URL("../../../../examples/digits/mlp.onnx", import.meta.url));
const testPath = fileURLToPath(new URL("../../../../examples/digits/test.csv", import.meta.url));

function digitsTest(n: number) {
  const lines = readFileSync(testPath, "utf8").trim().split(/\r?\n/);
  const header = (lines[0] as string).split(",");
  const li = header.indexOf("label");
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const line of lines.slice(1, n + 1)) {
    const cells = line.split(",").map(Number);
    labels.push(cells[li] as number);
    rows.push(cells.filter((_, k) => k !== li));
  }
  return { rows, labels };
}

describe("mlp-infer and mlp-eval programs of examples/digits/mlp.onnx", () => {
  test("logits match the float reference; every op's element opens and checks; a lie in the prefix sums or the count fails", async () => {
    const model = await readOnnx(modelPath);
    const { rows, labels } = digitsTest(40);
    const infer = mlpInferProgramFromOnnx(model, rows);
    expect(infer.spec).toMatchObject({ nIn: 64, nOut: 10, rows: 40 });
    const inferRun = runProgram(infer.spec, infer.input);
    const ref = runReference(model, { input: { dims: [40, 64], data: rows.flat() } });
    const out = Object.values(ref)[0]?.data as Float64Array;
    const logits = inferRun.components[0] as Int32Array;
    for (let i = 0; i < out.length; i++)
      expect(Math.abs((logits[i] as number) / 65536 - (out[i] as number))).toBeLessThan(2 ** -6);

    const ev = mlpEvalProgramFromOnnx(model, rows, labels);
    expect((encodeSpec(ev.spec).length - 2) / 2).toBe(11 * 32);
    const run = runProgram(ev.spec, ev.input);
    expect(Array.from(run.components[0] as Int32Array)).toEqual(Array.from(logits));
    let correct = 0;
    labels.forEach((y, i) => {
      const row = Array.from(out.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === y) correct++;
    });
    expect((run.components[1] as Int32Array)[0]).toBe(correct);
    expect(correct).toBeGreaterThan(34);

    const tr = transitionTrace(ev.spec, ev.input, run, 0);
    expect(stateHash(run.specHash, 1, tr.endComponents)).toBe(run.finalState);
    transitionLayout(ev.spec, 0).ops.forEach((o, k) => {
      for (const e of new Set([0, 5, Math.floor(o.size / 2), o.size - 1, capacityOf(o.size) - 1])) {
        const opening = openElement(ev.spec, ev.input, run, 0, k, e);
        expect(
          verifyOpening(ev.spec, 0, k, e, tr.startComponents, tr.opRoots, opening),
          `${o.name}[${e}]`,
        ).toBe(true);
      }
    });
    // correct_cumsum: element 0 (no prev leaf), 20 (prev in the same leaf as the output), 24 (prev in the
    // leaf before); correct_count: the copy of the last prefix sum.
    for (const [op, element] of [
      [3, 7],
      [4, 0],
      [4, 20],
      [4, 24],
      [5, 0],
    ] as const) {
      const liar = runProgram(ev.spec, ev.input, { lie: { transition: 0, op, element, delta: 1 } });
      const lt = transitionTrace(ev.spec, ev.input, liar, 0);
      // A lie in a prefix sum other than the last stays inside the transition (its op root only).
      expect(liar.finalState === run.finalState).toBe(op === 4);
      expect(
        verifyOpening(
          ev.spec,
          0,
          op,
          element,
          lt.startComponents,
          lt.opRoots,
          openElement(ev.spec, ev.input, liar, 0, op, element),
        ),
      ).toBe(false);
    }
  });
});
