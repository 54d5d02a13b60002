// Optimistic training jobs: the manifest's training block as a fixed-point program spec (Q16.16,
// ARITHMETIC.md in @noosphere/ml), the data set in the program's layout, one run of it, and the
// view of a run that the game players use (ProgramView).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createFixedDataset,
  encodeSpec,
  exportMlpOnnx,
  type FixedData,
  type FixedDataset,
  type FixedSpec,
  firstDivergence,
  type MlpTrainSpec,
  openElement,
  type ProgramRun,
  parseTable,
  runProgram,
  type Table,
  type TableFormat,
  tensorRoot,
  toFeaturesAndLabels,
  toQ,
  transitionTrace,
} from "@noosphere/ml";
import { BaseError, type JobManifest, type TrainingJobManifest } from "@noosphere/sdk";
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
  throw new BaseError(
    `Unknown program kind ${kind} in the spec (expected 1 mlp-train or 2 mlp-infer).`,
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
      if (!values || !committed) return { op: first.op, element: first.element };
      const outputs: Int32Array[] = [];
      outputs[first.op] = Int32Array.from(values);
      const known = firstDivergence(spec, data, run, t, theirOpRoots, outputs);
      return { op: known.op, element: known.element };
    },
  };
}

/**
 * The program data of an optimistic job, from its manifest and content (what the provider ran):
 * training, the input table as a data set (its root must be the spec's dataRoot).
 */
export async function fixedDataOfManifest(
  manifest: JobManifest,
  spec: FixedSpec,
  fetchContent: (cid: string) => Promise<Uint8Array>,
): Promise<FixedData> {
  if (!manifest.input || !("cid" in manifest.input)) {
    throw new UnsupportedClaimError("the manifest names no input by CID");
  }
  const text = new TextDecoder().decode(await fetchContent(manifest.input.cid));
  const format = manifest.input.format === "jsonl" ? "jsonl" : "csv";
  if (manifest.kind === "training" && spec.kind === "mlp-train") {
    const data = fixedDatasetOfText(
      text,
      format,
      manifest.training.labelsColumn,
      manifest.input.cid,
    );
    if (data.root.toLowerCase() !== spec.dataRoot.toLowerCase()) {
      throw new BaseError(
        `The input has data root ${data.root}, the spec commits to ${spec.dataRoot}.`,
      );
    }
    return data;
  }
  throw new UnsupportedClaimError(
    `a ${manifest.kind} job with a ${spec.kind} program is not re-executed`,
  );
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
