import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { splitTrainTest } from "../data/split.js";
import { loadTable, toFeaturesAndLabels } from "../data/table.js";
import { evaluate } from "../runtime/evaluate.js";
import { createSession, type MlSession } from "../runtime/session.js";
import { exportMlpOnnx, trainMlp } from "./mlp.js";

// End to end on the vendored UCI digits: the same split as examples/digits, a shorter run.
const digitsPath = fileURLToPath(new URL("../../../../examples/data/digits.csv", import.meta.url));

let session: MlSession | undefined;
afterAll(() => session?.release());

describe("digits", () => {
  test("an MLP trained for 10 epochs reaches >= 0.90 held-out accuracy through onnxruntime", async () => {
    const table = await loadTable(digitsPath);
    const { train, test: held } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
    const trainSet = toFeaturesAndLabels(
      { columns: table.columns, rows: train },
      { label: "label" },
    );
    const testSet = toFeaturesAndLabels({ columns: table.columns, rows: held }, { label: "label" });
    expect(trainSet.features).toHaveLength(1437);
    expect(testSet.features).toHaveLength(360);

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
    session = await createSession(exportMlpOnnx(mlp));
    const result = await evaluate(session, testSet.features, testSet.labels);
    expect(result.n).toBe(360);
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.loss).toBeLessThan(0.5);
  });
});
