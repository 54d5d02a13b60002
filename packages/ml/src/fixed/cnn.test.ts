import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { readOnnx } from "../onnx/codec.js";
import { foldConstants } from "../onnx/fold.js";
import { runReference } from "../onnx/reference.js";
import { cnnInferProgramFromOnnx } from "./cnn.js";
import { capacityOf } from "./merkle.js";
import { openElement, verifyOpening } from "./opening.js";
import { transitionLayout } from "./program.js";
import { runProgram, stateHash, transitionTrace } from "./run.js";
import { encodeSpec } from "./spec.js";

const modelPath = fileURLToPath(
  new URL("../../../../examples/zk/models/cnn.onnx", import.meta.url),
);
const inputPath = fileURLToPath(
  new URL("../../../../examples/zk/data/cnn.input.json", import.meta.url),
);

describe("cnn-infer program (examples/zk/models/cnn.onnx)", () => {
  test("matches the float ONNX reference within 2^-7, and every op's element opens and checks", async () => {
    const model = await readOnnx(modelPath);
    const first = (JSON.parse(readFileSync(inputPath, "utf8")) as { input_data: number[][] })
      .input_data[0] as number[];
    const rows = [first, first.map((v, i) => (i % 3 === 0 ? 1 - v : v))];
    const { spec, input } = cnnInferProgramFromOnnx(model, rows);
    expect(spec).toMatchObject({ side: 8, channels: 4, classes: 10, convPad: 0, poolPad: 1 });
    expect((encodeSpec(spec).length - 2) / 2).toBe(12 * 32);
    const run = runProgram(spec, input);
    const logits = run.components[0] as Int32Array;
    const ref = runReference(foldConstants(model), { input: { dims: [2, 64], data: rows.flat() } });
    const out = Object.values(ref)[0]?.data as Float64Array;
    expect(out).toHaveLength(20);
    for (let i = 0; i < 20; i++)
      expect(Math.abs((logits[i] as number) / 65536 - (out[i] as number))).toBeLessThan(2 ** -7);

    const tr = transitionTrace(spec, input, run, 0);
    expect(stateHash(run.specHash, 1, tr.endComponents)).toBe(run.finalState);
    transitionLayout(spec, 0).ops.forEach((o, k) => {
      for (const e of new Set([0, 5, Math.floor(o.size / 2), o.size - 1, capacityOf(o.size) - 1])) {
        const opening = openElement(spec, input, run, 0, k, e);
        expect(
          verifyOpening(spec, 0, k, e, tr.startComponents, tr.opRoots, opening),
          `${o.name}[${e}]`,
        ).toBe(true);
      }
    });
    const liar = runProgram(spec, input, { lie: { transition: 0, op: 3, element: 17, delta: 1 } });
    const lt = transitionTrace(spec, input, liar, 0);
    expect(
      verifyOpening(
        spec,
        0,
        3,
        17,
        lt.startComponents,
        lt.opRoots,
        openElement(spec, input, liar, 0, 3, 17),
      ),
    ).toBe(false);
  });

  test("the pool padding is the one that gives fc.weight's input size; another one is refused", async () => {
    const model = await readOnnx(modelPath);
    const row = Array.from({ length: 64 }, (_, i) => (i % 5) / 4);
    expect(cnnInferProgramFromOnnx(model, [row]).spec.poolPad).toBe(1);
    expect(cnnInferProgramFromOnnx(model, [row], { poolPad: 1 }).spec.poolPad).toBe(1);
    expect(() => cnnInferProgramFromOnnx(model, [row], { poolPad: 0 })).toThrow(
      /fc.weight takes 64 features, but 4 channels of a 8x8 input pooled 2x2 with padding 0 give 36/,
    );
    // A 12x12 input pools to at least 5x5 (100 features) with any padding >= 0.
    expect(() => cnnInferProgramFromOnnx(model, [Array.from({ length: 144 }, () => 0)])).toThrow(
      /fc.weight takes 64 features/,
    );
  });
});
