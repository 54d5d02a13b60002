// Runs one job manifest on local files: inference, training or evaluation, with the ML runtime.
// It is what the worker process executes; the provider fetches inputs and stores outputs.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createSession,
  evaluate,
  exportMlpOnnx,
  loadTable,
  type MlSession,
  readEzklInput,
  runInference,
  type Table,
  toFeaturesAndLabels,
  trainMlp,
} from "@noosphere/ml";
import { InvalidParameterError, type JobManifest } from "@noosphere/sdk";
import { executeOptimisticModelJob, executeOptimisticTraining } from "../verify/fixedJob.js";
import type { ProgramFault } from "../verify/program.js";

export type ExecuteJobParameters = {
  manifest: JobManifest;
  /** Local copies of the manifest's references. */
  modelPath?: string | undefined;
  inputPath: string;
  outDir: string;
  /** Opens the model (default: a new session); the worker reuses sessions by the model's CID. */
  loadSession?: ((modelPath: string) => Promise<MlSession>) | undefined;
  /** Testing: a wrong value the fixed-point program of an optimistic job writes into its run. */
  fault?: ProgramFault | undefined;
};

export type ExecuteJobResult = {
  /** The result document (JSON), the file whose CID and hash go on chain. */
  resultPath: string;
  /** Other files the result refers to by name (e.g. the trained model). */
  artifacts: Record<string, string>;
  summary: Record<string, number | string>;
};

export async function executeJob(params: ExecuteJobParameters): Promise<ExecuteJobResult> {
  const { manifest, outDir } = params;
  const resultPath = path.join(outDir, "result.json");
  const loadSession = params.loadSession ?? ((modelPath: string) => createSession(modelPath));
  // The runner fills a compute-to-data job's input from the data asset's file.
  const format = manifest.input?.format;
  if (!format) throw new Error("The job has no input to read.");
  if (manifest.verification.mode === "optimistic") {
    // Optimistic jobs run the fixed-point program the chain's referee can replay.
    if (manifest.kind !== "training") {
      return executeOptimisticModelJob({
        manifest,
        modelPath: requireModel(params),
        inputPath: params.inputPath,
        format: format === "json" ? "json" : tableFormat(format),
        outDir,
        fault: params.fault,
      });
    }
    return executeOptimisticTraining({
      manifest,
      inputPath: params.inputPath,
      format: tableFormat(format),
      outDir,
      fault: params.fault,
    });
  }
  if (manifest.kind === "inference") {
    const session = await loadSession(requireModel(params));
    const input =
      format === "json"
        ? await readEzklInput(params.inputPath)
        : (await loadTable(params.inputPath, { format })).rows;
    const output = await runInference(session, input);
    await writeJson(resultPath, { kind: "inference", ...output });
    return { resultPath, artifacts: {}, summary: { rows: output.output_data.length } };
  }

  const table = await loadTable(params.inputPath, { format: tableFormat(format) });
  if (manifest.kind === "evaluation") {
    const { features, labels } = toFeaturesAndLabels(table, {
      label: labelName(table, manifest.evaluation.labelsColumn),
    });
    const session = await loadSession(requireModel(params));
    const metrics = await evaluate(session, features, labels);
    await writeJson(resultPath, { kind: "evaluation", ...metrics });
    return { resultPath, artifacts: {}, summary: { ...metrics } };
  }

  const { training } = manifest;
  if (!("architecture" in training)) {
    throw new InvalidParameterError({
      field: "training.initialModel",
      expected: "training.architecture (fine-tuning an initial ONNX model is not supported yet)",
      received: training.initialModel,
    });
  }
  const { features, labels } = toFeaturesAndLabels(table, {
    label: labelName(table, training.labelsColumn),
  });
  const started = performance.now();
  const { mlp, history } = trainMlp(
    {
      layers: training.architecture.layers,
      epochs: training.epochs,
      learningRate: training.optimizer.learningRate,
      batchSize: training.batchSize,
      seed: training.seed,
      momentum: training.optimizer.name === "momentum" ? training.optimizer.momentum : 0,
      inputScale: featureScale(features),
    },
    features,
    labels,
  );
  const modelPath = path.join(outDir, "model.onnx");
  await writeFile(modelPath, exportMlpOnnx(mlp));
  const last = history.at(-1);
  const summary = {
    epochs: training.epochs,
    trainLoss: last?.loss ?? Number.NaN,
    trainAccuracy: last?.accuracy ?? Number.NaN,
    trainSeconds: (performance.now() - started) / 1000,
  };
  await writeJson(resultPath, {
    kind: "training",
    model: "model.onnx",
    ...summary,
    trainSeconds: undefined,
  });
  return { resultPath, artifacts: { "model.onnx": modelPath }, summary };
}

/**
 * Per-feature scale 1 / max|x| from the training data, folded into the exported model: the
 * manifest names no preprocessing, and unscaled inputs (digits pixels are 0..16) make SGD diverge.
 * Deterministic: it depends only on the data.
 */
export function featureScale(rows: readonly (readonly number[])[]): number[] {
  const width = rows[0]?.length ?? 0;
  const max = new Array<number>(width).fill(0);
  for (const row of rows) {
    for (let i = 0; i < width; i++) max[i] = Math.max(max[i] as number, Math.abs(row[i] as number));
  }
  return max.map((m) => (m === 0 ? 1 : 1 / m));
}

function requireModel(params: ExecuteJobParameters): string {
  if (!params.modelPath) {
    throw new InvalidParameterError({
      field: "model",
      expected: "a model file",
      received: undefined,
    });
  }
  return params.modelPath;
}

function tableFormat(format: "json" | "csv" | "jsonl"): "csv" | "jsonl" {
  if (format === "json") {
    throw new InvalidParameterError({
      field: "input.format",
      expected: "csv | jsonl for training and evaluation",
      received: format,
    });
  }
  return format;
}

function labelName(table: Table, column: string | number): string {
  if (typeof column === "string") return column;
  const name = table.columns[column];
  if (name === undefined) {
    throw new InvalidParameterError({
      field: "labelsColumn",
      expected: `a column index 0..${table.columns.length - 1}`,
      received: column,
    });
  }
  return name;
}

async function writeJson(file: string, value: unknown) {
  await writeFile(file, `${JSON.stringify(value)}\n`);
}
