import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { predictMlp, trainMlp } from "../train/mlp.js";
import { loadDigitsDataset, readDigitsCsv, splitDigits } from "./dataset.js";
import { digitsTrainSpecFor, fixedAccuracy } from "./digits.js";
import { runProgram } from "./run.js";

const digitsPath = fileURLToPath(new URL("../../../../examples/data/digits.csv", import.meta.url));

describe("digits MLP 64-32-10 in Q16.16 (B = 32, T = 1000, momentum)", () => {
  test("reaches >= 0.95 held-out accuracy, beside the float trainer on the same split", () => {
    const rows = readDigitsCsv(digitsPath);
    const { train, test: held } = splitDigits(rows);
    const data = loadDigitsDataset(rows);
    expect(data.n).toBe(1437);
    expect(held.labels).toHaveLength(360);
    const spec = digitsTrainSpecFor(data);
    expect(spec.steps).toBe(1000);
    const run = runProgram(spec, data, { commit: "final" });
    const scaled = held.features.map((r) => r.map((p) => p / 16));
    const fixed = fixedAccuracy(run.components, scaled, held.labels, spec);

    // The float trainer with the same layers, batch, learning rate and momentum, for ~1000 steps (22 epochs of 45).
    const { mlp } = trainMlp(
      {
        layers: [64, 32, 10],
        epochs: 22,
        learningRate: 0.05,
        batchSize: 32,
        seed: 1,
        momentum: 0.9,
        inputScale: 1 / 16,
      },
      train.features,
      train.labels,
    );
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    const float =
      predictMlp(mlp, held.features).filter((p, i) => argmax(p) === held.labels[i]).length / 360;
    // The fixed weights as a float MLP (what gets exported to ONNX) classify the same way, nearly.
    const viaFloat =
      predictMlp(run.toMlp(), held.features).filter((p, i) => argmax(p) === held.labels[i]).length /
      360;
    console.log(
      `digits held-out accuracy: fixed Q16.16 ${fixed.toFixed(4)}, float trainer ${float.toFixed(4)}, fixed weights in float ${viaFloat.toFixed(4)}`,
    );
    expect(fixed).toBeGreaterThanOrEqual(0.95);
    expect(Math.abs(viaFloat - fixed)).toBeLessThanOrEqual(0.02);
  });
});
