// Trains the digits MLP on the training split and reports held-out accuracy through onnxruntime.
//   npx tsx examples/digits/train.ts [--out DIR] [--epochs N] [--seed N] [--learning-rate X]
//                                    [--batch-size N] [--hidden N]
// Writes DIR/model.onnx, DIR/metrics.json, DIR/train.csv, DIR/test.csv and DIR/input.json (the
// first held-out sample, EZKL style). Same arguments, same bytes, on any machine.
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createSession,
  evaluate,
  exportMlpOnnx,
  loadTable,
  splitTrainTest,
  toFeaturesAndLabels,
  trainMlp,
  writeEzklInput,
  writeTable,
} from "@noosphere/ml";

const here = fileURLToPath(new URL(".", import.meta.url));
const dataPath = join(here, "../data/digits.csv");

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: join(here, "out") },
    epochs: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    "split-seed": { type: "string", default: "42" },
    "learning-rate": { type: "string", default: "0.05" },
    "batch-size": { type: "string", default: "32" },
    hidden: { type: "string", default: "32" },
  },
});

const params = {
  layers: [64, Number(args.hidden), 10],
  epochs: Number(args.epochs),
  learningRate: Number(args["learning-rate"]),
  batchSize: Number(args["batch-size"]),
  momentum: 0.9,
  seed: Number(args.seed),
  // Pixels are 0..16; training sees them scaled to 0..1, the exported model takes raw pixels.
  inputScale: 1 / 16,
};
const split = { testFraction: 0.2, seed: Number(args["split-seed"]) };

const table = await loadTable(dataPath);
const { train, test } = splitTrainTest(table.rows, split);
const trainSet = toFeaturesAndLabels({ columns: table.columns, rows: train }, { label: "label" });
const testSet = toFeaturesAndLabels({ columns: table.columns, rows: test }, { label: "label" });

const started = performance.now();
const { mlp, history } = trainMlp(params, trainSet.features, trainSet.labels);
const trainSeconds = (performance.now() - started) / 1000;

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const onnx = exportMlpOnnx(mlp, {
  metadata: {
    "noosphere.train": JSON.stringify(params),
    "noosphere.split": JSON.stringify(split),
    "noosphere.data_sha256": sha256(await readFile(dataPath)),
  },
});
const session = await createSession(onnx);
const heldOut = await evaluate(session, testSet.features, testSet.labels);
const trainEval = await evaluate(session, trainSet.features, trainSet.labels);
await session.release();

const out = args.out;
await mkdir(out, { recursive: true });
await writeFile(join(out, "model.onnx"), onnx);
await writeTable(join(out, "train.csv"), { columns: table.columns, rows: train });
await writeTable(join(out, "test.csv"), { columns: table.columns, rows: test });
await writeEzklInput(join(out, "input.json"), { input_data: [testSet.features[0] ?? []] });
const metrics = {
  dataset: {
    path: "examples/data/digits.csv",
    rows: table.rows.length,
    sha256: sha256(await readFile(dataPath)),
  },
  split: { ...split, train: train.length, test: test.length },
  params,
  train: {
    seconds: Number(trainSeconds.toFixed(3)),
    accuracy: trainEval.accuracy,
    loss: trainEval.loss,
  },
  heldOut,
  history,
  model: { path: "model.onnx", bytes: onnx.length, sha256: sha256(onnx) },
  machine: { node: process.version, cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length },
};
await writeFile(join(out, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);

console.log(
  [
    `digits MLP ${params.layers.join("-")}: ${params.epochs} epochs on ${train.length} rows in ${trainSeconds.toFixed(2)} s`,
    `held-out accuracy ${heldOut.accuracy.toFixed(4)} (loss ${heldOut.loss.toFixed(4)}, n ${heldOut.n})`,
    `model sha256 ${metrics.model.sha256}`,
    `wrote ${relative(process.cwd(), out) || "."}/{model.onnx,metrics.json,train.csv,test.csv,input.json}`,
  ].join("\n"),
);
