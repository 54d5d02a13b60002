import { fileURLToPath } from "node:url";
import {
  createCnnOnnx,
  createSession,
  encodeModel,
  exportMlpOnnx,
  loadTable,
  predictMlp,
  runInference,
  splitTrainTest,
  toFeaturesAndLabels,
  trainMlp,
} from "@noosphere/ml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { calibrateSettings, genSettings } from "../calibrate.js";
import { terminateSnarkjs } from "../circom/witness.js";
import { toField } from "../field.js";
import { evaluateFast, fastPlan } from "../quantize/fast.js";
import { graphOf, quantizeInput, runQuantized } from "../quantize/run.js";
import { buildCircuit, tempDir, witnessOf } from "../testing/harness.js";
import { compileCircuit } from "./compile.js";

// Whole models: the digits MLP (64-32-10, trained as packages/ml does) and the PyTorch-layout
// CNN. Accuracy is measured on the held-out split through the integer reference, which the
// per-operator tests show equals the circuit bit for bit; one sample per model also goes
// through the compiled circuit here.

const digitsPath = fileURLToPath(new URL("../../../../examples/data/digits.csv", import.meta.url));
const tmp = tempDir("zk-models-");
afterAll(async () => {
  await terminateSnarkjs();
  tmp.remove();
});

type Split = { features: number[][]; labels: number[] };
let trainSet: Split;
let testSet: Split;

beforeAll(async () => {
  const table = await loadTable(digitsPath);
  const { train, test: held } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
  trainSet = toFeaturesAndLabels({ columns: table.columns, rows: train }, { label: "label" });
  testSet = toFeaturesAndLabels({ columns: table.columns, rows: held }, { label: "label" });
});

const argmax = (v: readonly number[]): number => v.indexOf(Math.max(...v));

describe("digits MLP 64-32-10", () => {
  test("calibrated circuit keeps held-out accuracy within 0.5 points of float and proves", async () => {
    const { mlp } = trainMlp(
      {
        layers: [64, 32, 10],
        epochs: 10,
        learningRate: 0.05,
        batchSize: 32,
        seed: 1,
        inputScale: 1 / 16,
      },
      trainSet.features,
      trainSet.labels,
    );
    const bytes = exportMlpOnnx(mlp);
    const settings = calibrateSettings(bytes, genSettings(bytes), trainSet.features, {
      target: "resources",
    });
    expect(settings.run_args.input_range).toEqual([0, 16]);
    const cal = settings.calibration;
    expect(cal?.samples).toBe(1437);
    // The proven bound holds on the data it was calibrated on.
    expect(cal?.max_abs_error).toBeLessThanOrEqual(cal?.error_bound as number);
    expect(cal?.argmax_agreement).toBeGreaterThanOrEqual(0.995);

    const compiled = compileCircuit(bytes, settings);
    const float = predictMlp(mlp, testSet.features);
    let floatHits = 0;
    let quantHits = 0;
    testSet.features.forEach((row, i) => {
      if (argmax(float[i] as number[]) === testSet.labels[i]) floatHits++;
      if (argmax(runQuantized(compiled, row).outputsFloat) === testSet.labels[i]) quantHits++;
    });
    const floatAcc = floatHits / testSet.features.length;
    const quantAcc = quantHits / testSet.features.length;
    console.log(
      `digits MLP: float ${floatAcc}, quantized ${quantAcc} (scale ${settings.run_args.input_scale}), ` +
        `${compiled.stats.constraints} constraints (input hashed, output public)`,
    );
    expect(floatAcc).toBeGreaterThanOrEqual(0.9);
    expect(quantAcc).toBeGreaterThanOrEqual(floatAcc - 0.005);

    // The fast calibration evaluator agrees with the bigint reference.
    const plan = fastPlan(graphOf(compiled));
    expect(plan).not.toBeNull();
    for (const row of testSet.features.slice(0, 20)) {
      const q = quantizeInput(compiled, row).map(Number);
      expect(evaluateFast(plan as NonNullable<typeof plan>, q)).toEqual(
        runQuantized(compiled, row).outputs.map(Number),
      );
    }

    const built = await buildCircuit(compiled, `${tmp.path}/mlp`);
    expect(built.constraints).toBe(compiled.stats.constraints);
    expect(built.constraints).toBeLessThan(2 ** 14);
    const row = testSet.features[0] as number[];
    const { witness, ok } = await witnessOf(built, row);
    expect(ok).toBe(true);
    // Public signals: the input hash, then the 10 logits.
    expect(compiled.layout).toEqual({ paramHash: false, inputs: 1, outputs: 10, total: 11 });
    expect(witness.slice(2, 12)).toEqual(runQuantized(compiled, row).outputs.map(toField));
  }, 300_000); // trains, compiles and proves: minutes on a loaded 2-core machine
});

describe("PyTorch-layout CNN", () => {
  test("Reshape/Conv/Relu/Pad/AveragePool/Flatten/Gemm compiles and matches", async () => {
    const bytes = encodeModel(createCnnOnnx({ seed: 3 }));
    const settings = genSettings(bytes, { inputRange: [0, 16], inputVisibility: "public" });
    const compiled = compileCircuit(bytes, settings);
    console.log(`CNN: ${compiled.stats.constraints} constraints (input public, output public)`);
    const rows = testSet.features.slice(0, 3);
    const session = await createSession(bytes);
    const ort = (await runInference(session, rows)).output_data;
    await session.release();
    rows.forEach((row, i) => {
      const q = runQuantized(compiled, row).outputsFloat;
      q.forEach((v, j) => {
        const f = (ort[i] as number[])[j] as number;
        expect(Math.abs(v - f)).toBeLessThanOrEqual(
          compiled.stats.errorBound + 1e-5 * (1 + Math.abs(f)),
        );
      });
    });
    const built = await buildCircuit(compiled, `${tmp.path}/cnn`);
    expect(built.constraints).toBe(compiled.stats.constraints);
    const { witness, ok } = await witnessOf(built, rows[0] as number[]);
    expect(ok).toBe(true);
    const q = quantizeInput(compiled, rows[0] as number[]);
    const expected = [...q, ...runQuantized(compiled, rows[0] as number[]).outputs].map(toField);
    expect(witness.slice(1, 1 + compiled.layout.total)).toEqual(expected);
  });
});
