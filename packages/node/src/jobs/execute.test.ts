// The executor on the vendored digits data: training is bit-for-bit reproducible (what
// redundant verification relies on), and inference and evaluation use the trained model.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTable, splitTrainTest, writeTable } from "@noosphere/ml";
import { parseJobManifest } from "@noosphere/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeJob } from "./execute.js";

const digits = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../examples/data/digits.csv",
);
let dir: string;
let trainCsv: string;
let testFeaturesCsv: string;
let testCsv: string;
let testLabels: number[];

const common = `
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1", token: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }
verification: { mode: none }
deadline: 10m
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-exec-"));
  const table = await loadTable(digits);
  const { train, test } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
  trainCsv = path.join(dir, "train.csv");
  testCsv = path.join(dir, "test.csv");
  testFeaturesCsv = path.join(dir, "test-features.csv");
  await writeTable(trainCsv, { columns: table.columns, rows: train });
  await writeTable(testCsv, { columns: table.columns, rows: test });
  await writeTable(testFeaturesCsv, {
    columns: table.columns.slice(0, 64),
    rows: test.map((r) => r.slice(0, 64)),
  });
  testLabels = test.map((r) => r[64] as number);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function train(outName: string) {
  const manifest = parseJobManifest(`version: "1"
kind: training
input: ${trainCsv}
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: 10
  batchSize: 32
  seed: 7
  labelsColumn: label
${common}`);
  const outDir = path.join(dir, outName);
  await mkdir(outDir);
  return executeJob({ manifest, inputPath: trainCsv, outDir });
}

const sha = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

describe("job executor", () => {
  it("trains the same bits twice, then infers and evaluates with the model", async () => {
    const a = await train("a");
    const b = await train("b");
    expect(await sha(a.resultPath)).toBe(await sha(b.resultPath));
    const modelPath = a.artifacts["model.onnx"] as string;
    expect(await sha(modelPath)).toBe(await sha(b.artifacts["model.onnx"] as string));

    const inference = parseJobManifest(`version: "1"
kind: inference
model: ${modelPath}
input: ${testFeaturesCsv}
${common}`);
    const inferred = await executeJob({
      manifest: inference,
      modelPath,
      inputPath: testFeaturesCsv,
      outDir: path.join(dir, "a"),
    });
    const { output_data } = JSON.parse(await readFile(inferred.resultPath, "utf8")) as {
      output_data: number[][];
    };
    expect(output_data).toHaveLength(testLabels.length);
    const argmax = (row: number[]) => row.indexOf(Math.max(...row));
    const correct = output_data.filter((row, i) => argmax(row) === testLabels[i]).length;
    expect(correct / testLabels.length).toBeGreaterThanOrEqual(0.9);

    const evaluation = parseJobManifest(`version: "1"
kind: evaluation
model: ${modelPath}
input: ${testCsv}
evaluation: { labelsColumn: label }
${common}`);
    const evaluated = await executeJob({
      manifest: evaluation,
      modelPath,
      inputPath: testCsv,
      outDir: path.join(dir, "b"),
    });
    expect(evaluated.summary.accuracy).toBeCloseTo(correct / testLabels.length, 10);
  });
});
