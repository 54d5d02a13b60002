// Optimistic training jobs: the manifest's training block as a fixed-point program spec (Q16.16,
// ARITHMETIC.md in @noosphere/ml), the data set in the program's layout, one run of it, and the
// view of a run that the game players use (ProgramView).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  CNN_LIMITS,
  cnnInferProgramFromOnnx,
  createFixedDataset,
  decodeModel,
  encodeSpec,
  exportMlpOnnx,
  type FixedData,
  type FixedDataset,
  type FixedSpec,
  firstDivergence,
  type MlpTrainSpec,
  merkleLevels,
  mlpEvalProgramFromOnnx,
  mlpInferProgramFromOnnx,
  openElement,
  type ProgramRun,
  parseEzklInput,
  parseTable,
  runProgram,
  type Table,
  type TableFormat,
  tensorRoot,
  toFeaturesAndLabels,
  toQ,
  transitionTrace,
} from "@noosphere/ml";
import {
  BaseError,
  type EvaluationJobManifest,
  type InferenceJobManifest,
  type JobManifest,
  type TrainingJobManifest,
} from "@noosphere/sdk";
import { decodeAbiParameters, type Hex, keccak256 } from "viem";
import { UnsupportedClaimError } from "./claimSource.js";
import type { OpOutput, ProgramFault, ProgramView } from "./program.js";

/**
 * The data set of a table (features, integer labels) in the program's layout. Features are scaled
 * by one factor, 1 / max|x| over the whole table (digits: 1/16), so they stay well inside Q16.16;
 * the exported model folds the factor back in.
 */
export function fixedDatasetOf(
  features: readonly (readonly number[])[],
  labels: readonly number[],
): FixedDataset {
  let max = 0;
  for (const row of features) for (const x of row) max = Math.max(max, Math.abs(x));
  const scale = max === 0 ? 1 : 1 / max;
  return createFixedDataset(
    features.map((row) => row.map((x) => x * scale)),
    labels.map((y) => {
      if (!Number.isSafeInteger(y) || y < 0) {
        throw new BaseError(`Optimistic training needs class labels 0, 1, 2, ...; got ${y}.`);
      }
      return y;
    }),
    { inputScale: scale },
  );
}

/** The data set of a job's input file (CSV or JSONL text) and its label column. */
export function fixedDatasetOfText(
  text: string,
  format: TableFormat,
  labelsColumn: string | number,
  source?: string,
): FixedDataset {
  const table = parseTable(text, { format, ...(source === undefined ? {} : { source }) });
  const { features, labels } = toFeaturesAndLabels(table, { label: labelOf(table, labelsColumn) });
  return fixedDatasetOf(features, labels);
}

function labelOf(table: Table, column: string | number): string {
  if (typeof column === "string") return column;
  const name = table.columns[column];
  if (name === undefined) throw new BaseError(`The input has no column ${column}.`);
  return name;
}

/** Uniform init half-width sqrt(6 / (fanIn + fanOut)) (Glorot), in Q16.16. */
const glorotQ = (fanIn: number, fanOut: number) => toQ(Math.sqrt(6 / (fanIn + fanOut)));

/** The program a training manifest with `verification: optimistic` runs. */
export function trainSpecOf(manifest: TrainingJobManifest, data: FixedDataset): MlpTrainSpec {
  const { training } = manifest;
  if (!("architecture" in training) || training.architecture.layers.length !== 3) {
    throw new BaseError(
      "Optimistic training runs a fresh MLP with one hidden layer: training.architecture.layers [inputs, hidden, classes].",
    );
  }
  const [nIn, nHidden, nOut] = training.architecture.layers as [number, number, number];
  if (nIn !== data.nIn) {
    throw new BaseError(
      `training.architecture.layers[0] is ${nIn}, but the input has ${data.nIn} features.`,
    );
  }
  const steps = training.steps ?? Math.ceil((training.epochs * data.n) / training.batchSize);
  return {
    kind: "mlp-train",
    nIn,
    nHidden,
    nOut,
    batch: training.batchSize,
    steps,
    lrQ: toQ(training.optimizer.learningRate),
    muQ: training.optimizer.name === "momentum" ? toQ(training.optimizer.momentum) : 0,
    seed: training.seed,
    initScaleW1Q: glorotQ(nIn, nHidden),
    initScaleW2Q: glorotQ(nHidden, nOut),
    n: data.n,
    dataRoot: data.root,
  };
}

/** Reads spec bytes (as registered with the referee) back into a spec. */
export function decodeSpec(bytes: Hex): FixedSpec {
  const [kind] = decodeAbiParameters([{ type: "uint256" }], bytes);
  const u = { type: "uint256" } as const;
  const i = { type: "int256" } as const;
  const b = { type: "bytes32" } as const;
  if (kind === 1n) {
    const w = decodeAbiParameters([u, u, u, u, u, u, i, i, u, i, i, u, b], bytes);
    const n = (k: number) => Number(w[k] as bigint);
    return {
      kind: "mlp-train",
      nIn: n(1),
      nHidden: n(2),
      nOut: n(3),
      batch: n(4),
      steps: n(5),
      lrQ: n(6),
      muQ: n(7),
      seed: n(8),
      initScaleW1Q: n(9),
      initScaleW2Q: n(10),
      n: n(11),
      dataRoot: w[12] as Hex,
    };
  }
  if (kind === 2n) {
    const w = decodeAbiParameters([u, u, u, u, u, b, b, b, b, b], bytes);
    return {
      kind: "mlp-infer",
      nIn: Number(w[1]),
      nHidden: Number(w[2]),
      nOut: Number(w[3]),
      rows: Number(w[4]),
      xRoot: w[5],
      w1Root: w[6],
      b1Root: w[7],
      w2Root: w[8],
      b2Root: w[9],
    };
  }
  if (kind === 4n) {
    const w = decodeAbiParameters([u, u, u, u, u, b, b, b, b, b, b], bytes);
    return {
      kind: "mlp-eval",
      nIn: Number(w[1]),
      nHidden: Number(w[2]),
      nOut: Number(w[3]),
      rows: Number(w[4]),
      xRoot: w[5],
      w1Root: w[6],
      b1Root: w[7],
      w2Root: w[8],
      b2Root: w[9],
      yRoot: w[10],
    };
  }
  if (kind === 3n) {
    const w = decodeAbiParameters([u, u, u, u, u, u, u, b, b, b, b, b], bytes);
    return {
      kind: "cnn-infer",
      rows: Number(w[1]),
      side: Number(w[2]),
      channels: Number(w[3]),
      classes: Number(w[4]),
      convPad: Number(w[5]),
      poolPad: Number(w[6]),
      xRoot: w[7],
      convWRoot: w[8],
      convBRoot: w[9],
      fcWRoot: w[10],
      fcBRoot: w[11],
    };
  }
  throw new BaseError(
    `Unknown program kind ${kind} in the spec (expected 1 mlp-train, 2 mlp-infer, 3 cnn-infer or 4 mlp-eval).`,
  );
}

/** Runs the program (with a test fault, if any). */
export function runFixed(spec: FixedSpec, data: FixedData, fault?: ProgramFault): ProgramRun {
  return runProgram(spec, data, {
    ...(fault && "corrupt" in fault ? { corrupt: fault.corrupt } : {}),
    ...(fault && "lie" in fault ? { lie: fault.lie } : {}),
    checkpointEvery: 10,
    // Only the final state is hashed while training; a game asks for a few others (stateAt
    // replays them from the nearest checkpoint), so honest runs pay no per-step hashing.
    commit: "final",
  });
}

/** The game's view of a run. */
export function programViewOf(spec: FixedSpec, data: FixedData, run: ProgramRun): ProgramView {
  const specHash = keccak256(encodeSpec(spec));
  const opTrees = new Map<string, Uint8Array[]>();
  return {
    specHash,
    n: run.n,
    stateAt: (t) => run.stateAt(t),
    trace: (t) => {
      const tr = transitionTrace(spec, data, run, t);
      return {
        startComponents: tr.startComponents,
        opRoots: tr.opRoots,
        endComponents: tr.endComponents,
        opNames: tr.opNames,
      };
    },
    opOutput: (t, op): OpOutput => {
      const out = transitionTrace(spec, data, run, t).opOutputs[op];
      if (!out) throw new BaseError(`Transition ${t} has no op ${op}.`);
      return Array.from(out);
    },
    opening: (t, op, element) => openElement(spec, data, run, t, op, element),
    divergence: async (t, theirOpRoots, theirOutput) => {
      const first = firstDivergence(spec, data, run, t, theirOpRoots);
      const values = await theirOutput?.(first.op).catch(() => undefined);
      // Values the other side serves count only if they are the tensor it committed to.
      const committed =
        values !== undefined &&
        tensorRoot(Int32Array.from(values)).toLowerCase() ===
          (theirOpRoots[first.op] ?? "").toLowerCase();
      if (!values || !committed)
        return { op: first.op, element: first.element, elementKnown: false };
      const outputs: Int32Array[] = [];
      outputs[first.op] = Int32Array.from(values);
      const known = firstDivergence(spec, data, run, t, theirOpRoots, outputs);
      return { op: known.op, element: known.element, elementKnown: true };
    },
    opLevels: (t, op) => {
      const key = `${t}:${op}`;
      let levels = opTrees.get(key);
      if (!levels) {
        const out = transitionTrace(spec, data, run, t).opOutputs[op];
        if (!out) throw new BaseError(`Transition ${t} has no op ${op}.`);
        levels = merkleLevels(out);
        // A game descends one op's tree (a few reveals): keep the last few.
        if (opTrees.size >= 4) opTrees.delete(opTrees.keys().next().value as string);
        opTrees.set(key, levels);
      }
      return levels;
    },
  };
}

/** Where an optimistic job's program data comes from (what the provider saves to recompute it). */
export type FixedJobInputs = {
  kind: "training" | "inference" | "evaluation";
  inputCid: string;
  /** csv / jsonl tables; json: an EZKL input ({"input_data": [[...]]}, inference only). */
  format: TableFormat | "json";
  labelsColumn?: string | number | undefined;
  /** Inference and evaluation: the ONNX model (Gemm, Relu, Gemm; inference also a small CNN). */
  modelCid?: string | undefined;
};

/** The inputs of an optimistic job's manifest. */
export function fixedJobInputsOf(manifest: JobManifest): FixedJobInputs {
  if (!manifest.input || !("cid" in manifest.input)) {
    throw new UnsupportedClaimError("the manifest names no input by CID");
  }
  const format =
    manifest.input.format === "json" ? "json" : manifest.input.format === "jsonl" ? "jsonl" : "csv";
  if (manifest.kind === "training") {
    return {
      kind: "training",
      inputCid: manifest.input.cid,
      format,
      labelsColumn: manifest.training.labelsColumn,
    };
  }
  if (!("cid" in manifest.model))
    throw new UnsupportedClaimError("the manifest names no model by CID");
  return {
    kind: manifest.kind,
    inputCid: manifest.input.cid,
    format,
    modelCid: manifest.model.cid,
    ...(manifest.kind === "evaluation" ? { labelsColumn: manifest.evaluation.labelsColumn } : {}),
  };
}

/** Input rows (and labels, with a label column) of an inference or evaluation input. */
function rowsOf(
  text: string,
  format: TableFormat | "json",
  labelsColumn: string | number | undefined,
  source?: string,
): { rows: number[][]; labels?: number[] } {
  if (format === "json") {
    if (labelsColumn !== undefined)
      throw new BaseError("An evaluation input is a CSV or JSONL table.");
    return { rows: parseEzklInput(JSON.parse(text), source).input_data };
  }
  const table = parseTable(text, { format, ...(source === undefined ? {} : { source }) });
  if (labelsColumn === undefined) return { rows: table.rows };
  const { features, labels } = toFeaturesAndLabels(table, { label: labelOf(table, labelsColumn) });
  return { rows: features, labels };
}

/**
 * The program of an optimistic inference (mlp-infer, kind 2; cnn-infer, kind 3, for a model with a
 * Conv node like examples/zk/models/cnn.onnx) or evaluation (mlp-eval, kind 4) job: the ONNX
 * model's weights and the input rows in Q16.16 (what the provider runs and the watcher re-executes).
 */
export function fixedProgramOfModel(
  kind: "inference" | "evaluation",
  modelBytes: Uint8Array,
  inputText: string,
  format: TableFormat | "json",
  labelsColumn?: string | number,
  source?: string,
): { spec: FixedSpec; data: FixedData } {
  let model: ReturnType<typeof decodeModel>;
  try {
    model = decodeModel(modelBytes, source);
  } catch (err) {
    throw new UnsupportedClaimError(`the model is not ONNX: ${String(err)}`);
  }
  const { rows, labels } = rowsOf(
    inputText,
    format,
    kind === "evaluation" ? labelsColumn : undefined,
    source,
  );
  if (isCnnModel(model)) {
    if (kind === "evaluation") {
      throw new UnsupportedClaimError(
        "optimistic evaluation runs one-hidden-layer MLPs (a CNN model is served as inference, cnn-infer)",
      );
    }
    try {
      const p = cnnInferProgramFromOnnx(model, rows);
      // The spec's bounds (CNN_LIMITS: rows, side, channels, ...) are the referee's.
      encodeSpec(p.spec);
      return { spec: p.spec, data: p.input };
    } catch (err) {
      throw new UnsupportedClaimError(
        `optimistic CNN inference (cnn-infer: Conv 3x3 on one channel, ReLU, AveragePool 2x2, Gemm; at most ${CNN_LIMITS.rows} rows): ${String(err)}`,
      );
    }
  }
  try {
    const p =
      kind === "evaluation"
        ? mlpEvalProgramFromOnnx(model, rows, labels ?? [])
        : mlpInferProgramFromOnnx(model, rows);
    return { spec: p.spec, data: p.input };
  } catch (err) {
    throw new UnsupportedClaimError(
      `optimistic ${kind} runs one-hidden-layer MLPs (or, for inference, a small CNN): ${String(err)}`,
    );
  }
}

/** A model with a Conv node is run as the cnn-infer program (kind 3), any other as an MLP. */
function isCnnModel(model: ReturnType<typeof decodeModel>): boolean {
  return model.graph.nodes.some((n) => n.opType === "Conv");
}

/**
 * The program data of an optimistic job (what the provider ran), checked against the claim's spec:
 * training, the input table as a data set; inference and evaluation, the model's and the input's
 * tensors.
 */
export async function fixedDataOfJob(
  job: FixedJobInputs,
  spec: FixedSpec,
  fetchContent: (cid: string) => Promise<Uint8Array>,
): Promise<FixedData> {
  const text = new TextDecoder().decode(await fetchContent(job.inputCid));
  if (job.kind === "training") {
    if (spec.kind !== "mlp-train" || job.format === "json") {
      throw new UnsupportedClaimError(
        `a training job with a ${spec.kind} program is not re-executed`,
      );
    }
    const data = fixedDatasetOfText(text, job.format, job.labelsColumn ?? "label", job.inputCid);
    if (data.root.toLowerCase() !== spec.dataRoot.toLowerCase()) {
      throw new BaseError(
        `The input has data root ${data.root}, the spec commits to ${spec.dataRoot}.`,
      );
    }
    return data;
  }
  if (!job.modelCid) throw new UnsupportedClaimError(`the ${job.kind} job names no model`);
  const mine = fixedProgramOfModel(
    job.kind,
    await fetchContent(job.modelCid),
    text,
    job.format,
    job.labelsColumn,
    job.inputCid,
  );
  // The claim's spec commits to the tensors' roots: the same job gives the same bytes.
  if (encodeSpec(mine.spec) !== encodeSpec(spec)) {
    throw new BaseError(
      `The ${job.kind} job's model and input give a different program than the claim's spec (${mine.spec.kind} vs ${spec.kind}).`,
    );
  }
  return mine.data;
}

/** The program data of an optimistic job's manifest (fixedDataOfJob of its inputs). */
export function fixedDataOfManifest(
  manifest: JobManifest,
  spec: FixedSpec,
  fetchContent: (cid: string) => Promise<Uint8Array>,
): Promise<FixedData> {
  return fixedDataOfJob(fixedJobInputsOf(manifest), spec, fetchContent);
}

/**
 * Runs an optimistic inference or evaluation job: the fixed-point program of the ONNX MLP on the
 * input. The result document's output IS the program's output (Q16.16 logits / 2^16; the
 * evaluation's correct count and accuracy), the bits the chain's referee can check, not the float
 * runtime's; `arithmetic` and `outputOf` say so.
 */
export async function executeOptimisticModelJob(params: {
  manifest: InferenceJobManifest | EvaluationJobManifest;
  modelPath: string;
  inputPath: string;
  format: TableFormat | "json";
  outDir: string;
  fault?: ProgramFault | undefined;
}): Promise<{
  resultPath: string;
  artifacts: Record<string, string>;
  summary: Record<string, number | string>;
}> {
  const { manifest } = params;
  const labelsColumn =
    manifest.kind === "evaluation" ? manifest.evaluation.labelsColumn : undefined;
  const { spec, data } = fixedProgramOfModel(
    manifest.kind,
    new Uint8Array(await readFile(params.modelPath)),
    await readFile(params.inputPath, "utf8"),
    params.format,
    labelsColumn,
    params.inputPath,
  );
  const started = performance.now();
  const run = runFixed(spec, data, params.fault);
  const seconds = (performance.now() - started) / 1000;
  const bytes = encodeSpec(spec);
  const optimistic: OptimisticResultBlock = {
    spec: bytes,
    specHash: keccak256(bytes),
    finalState: run.finalState,
    steps: 1,
  };
  if (spec.kind === "mlp-train") throw new BaseError("unreachable");
  // The final state's first component is the logits [rows][classes] (mlp-infer, mlp-eval, cnn-infer).
  const logits = run.components[0] as Int32Array;
  const nOut = spec.kind === "cnn-infer" ? spec.classes : spec.nOut;
  const outputData: number[][] = [];
  for (let r = 0; r < spec.rows; r++)
    outputData.push(Array.from(logits.subarray(r * nOut, (r + 1) * nOut), (v) => v / 65536));
  const common = {
    arithmetic: "fixed-q16.16",
    program: spec.kind,
    outputOf: `the fixed-point program ${spec.kind} (Q16.16; values are integers / 65536), the bits the chain's referee checks`,
    optimistic,
  };
  const resultPath = path.join(params.outDir, "result.json");
  let summary: Record<string, number | string>;
  if (spec.kind === "mlp-eval") {
    const correct = (run.components[1] as Int32Array)[0] as number;
    const accuracy = correct / spec.rows;
    await writeFile(
      resultPath,
      `${JSON.stringify({ kind: "evaluation", accuracy, correct, rows: spec.rows, ...common })}\n`,
    );
    summary = { rows: spec.rows, correct, accuracy, seconds, finalState: run.finalState };
  } else {
    await writeFile(
      resultPath,
      `${JSON.stringify({ kind: "inference", output_data: outputData, ...common })}\n`,
    );
    summary = { rows: spec.rows, seconds, finalState: run.finalState };
  }
  return { resultPath, artifacts: {}, summary };
}

/** What an optimistic training job leaves in its result document (`optimistic`). */
export type OptimisticResultBlock = {
  spec: Hex;
  specHash: Hex;
  finalState: Hex;
  steps: number;
};

/**
 * Runs an optimistic training job: the fixed-point program on the input, the trained weights
 * exported as ONNX (mlpToOnnx of the run's weights), and the spec and final state in the result
 * document (the provider posts them as its claim).
 */
export async function executeOptimisticTraining(params: {
  manifest: TrainingJobManifest;
  inputPath: string;
  format: TableFormat;
  outDir: string;
  fault?: ProgramFault | undefined;
}): Promise<{
  resultPath: string;
  artifacts: Record<string, string>;
  summary: Record<string, number | string>;
}> {
  const { manifest, outDir } = params;
  const text = await readFile(params.inputPath, "utf8");
  const data = fixedDatasetOfText(text, params.format, manifest.training.labelsColumn);
  const spec = trainSpecOf(manifest, data);
  const started = performance.now();
  const run = runFixed(spec, data, params.fault);
  const trainSeconds = (performance.now() - started) / 1000;
  const modelPath = path.join(outDir, "model.onnx");
  await writeFile(modelPath, exportMlpOnnx(run.toMlp()));
  const bytes = encodeSpec(spec);
  const optimistic: OptimisticResultBlock = {
    spec: bytes,
    specHash: keccak256(bytes),
    finalState: run.finalState,
    steps: spec.steps,
  };
  const resultPath = path.join(outDir, "result.json");
  await writeFile(
    resultPath,
    `${JSON.stringify({ kind: "training", model: "model.onnx", arithmetic: "fixed-q16.16", optimistic })}\n`,
  );
  return {
    resultPath,
    artifacts: { "model.onnx": modelPath },
    summary: { steps: spec.steps, trainSeconds, finalState: run.finalState },
  };
}
