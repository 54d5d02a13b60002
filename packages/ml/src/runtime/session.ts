import { readFile } from "node:fs/promises";
import { InvalidParameterError } from "@noosphere/sdk";
import * as ort from "onnxruntime-node";
import type { EzklInput, EzklOutput } from "../data/ezkl.js";
import { InputShapeError, ModelLoadError } from "../errors.js";
import { encodeModel } from "../onnx/codec.js";
import type { OnnxModel } from "../onnx/types.js";

export type TensorInfo = {
  name: string;
  /** onnxruntime's type name: "float32", "int64", ... */
  type: string;
  /** Sizes, or strings for symbolic dimensions (e.g. "batch"). */
  shape: (number | string)[];
};

export type MlSession = {
  readonly ort: ort.InferenceSession;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  release(): Promise<void>;
};

export type CreateSessionOptions = {
  /**
   * Threads for onnxruntime's kernels (default 1). One thread keeps each reduction in one
   * order, so repeated runs on one machine give the same bits, which redundant verification
   * compares; different CPUs may still pick different SIMD kernels.
   */
  threads?: number;
};

/** Loads an ONNX model (file path, bytes, or a model built with the ONNX writer). */
export async function createSession(
  model: string | Uint8Array | OnnxModel,
  options: CreateSessionOptions = {},
): Promise<MlSession> {
  const source =
    typeof model === "string" ? model : model instanceof Uint8Array ? "(bytes)" : "(model)";
  const threads = options.threads ?? 1;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
  };
  let session: ort.InferenceSession;
  try {
    // Read the file ourselves so a missing file and a corrupt model give the same error type.
    const bytes =
      typeof model === "string"
        ? new Uint8Array(await readFile(model))
        : model instanceof Uint8Array
          ? model
          : encodeModel(model);
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (cause) {
    throw new ModelLoadError({ source, cause });
  }
  const describe = (meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] =>
    meta.map((m) =>
      m.isTensor
        ? { name: m.name, type: m.type, shape: [...m.shape] }
        : { name: m.name, type: "non-tensor", shape: [] },
    );
  return {
    ort: session,
    inputs: describe(session.inputMetadata),
    outputs: describe(session.outputMetadata),
    release: () => session.release(),
  };
}

/** One sample (a flat row), a batch (rows), or EZKL's `{input_data: [[...]]}` (one sample). */
export type InferenceInput = readonly number[] | readonly (readonly number[])[] | EzklInput;

export type RunInferenceOptions = {
  /** Rows per onnxruntime call when the model has a symbolic batch dimension (default 256). */
  batchSize?: number;
};

/**
 * Runs the model. A flat row is reshaped to the input's shape (64 values -> [1, 1, 8, 8]).
 * One sample returns EZKL's `{output_data: [[...]]}` (one flattened array per model output);
 * a batch returns one row per input row (each row: the sample's outputs, flattened and
 * concatenated in output order).
 */
export async function runInference(
  session: MlSession,
  input: InferenceInput,
  options: RunInferenceOptions = {},
): Promise<EzklOutput> {
  const shapes = session.inputs.map(sampleShape);
  if (isEzkl(input)) {
    if (input.input_data.length !== session.inputs.length) {
      throw new InvalidParameterError({
        field: "input_data",
        expected: `${session.inputs.length} arrays, one per model input (${session.inputs.map((i) => i.name).join(", ")})`,
        received: input.input_data.length,
      });
    }
    const outputs = await runBatch(
      session,
      shapes,
      input.input_data.map((values) => [values]),
    );
    return { output_data: outputs.map((perOutput) => perOutput[0] as number[]) };
  }
  if (session.inputs.length !== 1) {
    throw new InvalidParameterError({
      field: "input",
      expected: `{"input_data": [...]} with one array per input: the model has ${session.inputs.length} inputs`,
      received: "plain rows",
    });
  }
  if (input.length === 0) {
    throw new InvalidParameterError({
      field: "input",
      expected: "a row of numbers or a non-empty list of rows",
      received: input,
    });
  }
  if (isRow(input)) {
    const outputs = await runBatch(session, shapes, [[input]]);
    return { output_data: outputs.map((perOutput) => perOutput[0] as number[]) };
  }
  const rows = input as readonly (readonly number[])[];
  const batchSize = options.batchSize ?? 256;
  const result: number[][] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const outputs = await runBatch(session, shapes, [rows.slice(start, start + batchSize)]);
    const count = Math.min(batchSize, rows.length - start);
    for (let r = 0; r < count; r++) result.push(outputs.flatMap((perOutput) => perOutput[r] ?? []));
  }
  return { output_data: result };
}

type SampleShape = {
  info: TensorInfo;
  /** "stack": symbolic first dim, samples go in one call; "single": one sample per call. */
  batching: "stack" | "single";
  /** The dims of one sample (without the batch dimension when there is one). */
  dims: (number | string)[];
  /** Whether the model's shape has a leading batch dimension of its own. */
  hasBatchDim: boolean;
};

function sampleShape(info: TensorInfo): SampleShape {
  const [first, ...rest] = info.shape;
  if (first !== undefined && (typeof first === "string" || first < 0)) {
    return { info, batching: "stack", dims: rest, hasBatchDim: true };
  }
  if (first === 1 && rest.length > 0) {
    return { info, batching: "single", dims: rest, hasBatchDim: true };
  }
  return { info, batching: "single", dims: [...info.shape], hasBatchDim: false };
}

/** Resolves a sample's dims from its length: at most one symbolic dimension is inferred. */
function resolveDims(shape: SampleShape, length: number): number[] {
  const fixed = shape.dims.filter((d): d is number => typeof d === "number" && d >= 0);
  const known = fixed.reduce((a, b) => a * b, 1);
  const open = shape.dims.length - fixed.length;
  const expected = shape.info.shape;
  if (open > 1) {
    throw new InputShapeError({
      input: shape.info.name,
      expected,
      reason: "more than one dimension besides the batch is symbolic, so a flat row is ambiguous.",
    });
  }
  if (open === 0 ? length !== known : known === 0 || length % known !== 0) {
    throw new InputShapeError({
      input: shape.info.name,
      expected,
      reason: `a sample needs ${open === 0 ? known : `a multiple of ${known}`} values, received ${length}.`,
    });
  }
  return shape.dims.map((d) => (typeof d === "number" && d >= 0 ? d : length / known));
}

/**
 * Runs `samplesPerInput[i]` (the same number of samples for every input) and returns, for each
 * model output, one flattened array per sample.
 */
async function runBatch(
  session: MlSession,
  shapes: SampleShape[],
  samplesPerInput: (readonly (readonly number[])[])[],
): Promise<number[][][]> {
  const count = samplesPerInput[0]?.length ?? 0;
  const stack = shapes.every((s) => s.batching === "stack");
  const groups = stack ? [[0, count]] : Array.from({ length: count }, (_, i) => [i, i + 1]);
  const perOutput: number[][][] = session.outputs.map(() => []);
  for (const [start, end] of groups as [number, number][]) {
    const feeds: Record<string, ort.Tensor> = {};
    shapes.forEach((shape, i) => {
      const samples = (samplesPerInput[i] ?? []).slice(start, end);
      const dims = resolveDims(shape, samples[0]?.length ?? 0);
      for (const s of samples) {
        if (s.length !== (samples[0]?.length ?? 0)) {
          throw new InputShapeError({
            input: shape.info.name,
            expected: shape.info.shape,
            reason: `rows differ in length (${samples[0]?.length} and ${s.length}).`,
          });
        }
      }
      const fullDims = shape.hasBatchDim ? [samples.length, ...dims] : dims;
      feeds[shape.info.name] = toOrtTensor(shape.info, samples, fullDims);
    });
    const results = await session.ort.run(feeds);
    session.outputs.forEach((output, o) => {
      const tensor = results[output.name];
      if (!tensor) return;
      const values = toNumbers(tensor.data);
      const n = end - start;
      const per = values.length / n;
      for (let r = 0; r < n; r++) {
        (perOutput[o] as number[][]).push(values.slice(r * per, (r + 1) * per));
      }
    });
  }
  return perOutput;
}

function toOrtTensor(
  info: TensorInfo,
  samples: readonly (readonly number[])[],
  dims: number[],
): ort.Tensor {
  const flat = samples.flat();
  switch (info.type) {
    case "float32":
      return new ort.Tensor("float32", Float32Array.from(flat), dims);
    case "float64":
      return new ort.Tensor("float64", Float64Array.from(flat), dims);
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(flat, checkInteger(info)), dims);
    case "int64":
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(flat, (v) => BigInt(checkInteger(info)(v))),
        dims,
      );
    default:
      throw new InputShapeError({
        input: info.name,
        expected: info.shape,
        reason: `inputs of type ${info.type} are not supported (float32, float64, int32, int64).`,
      });
  }
}

function checkInteger(info: TensorInfo): (v: number) => number {
  return (v) => {
    if (!Number.isInteger(v)) {
      throw new InputShapeError({
        input: info.name,
        expected: info.shape,
        reason: `the input is ${info.type}, received the non-integer ${v}.`,
      });
    }
    return v;
  };
}

function toNumbers(data: ort.Tensor["data"]): number[] {
  if (Array.isArray(data)) return data.map(Number);
  const out: number[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number((data as ArrayLike<number | bigint>)[i]);
  return out;
}

function isEzkl(input: InferenceInput): input is EzklInput {
  return !Array.isArray(input) && typeof input === "object" && "input_data" in input;
}

function isRow(input: readonly number[] | readonly (readonly number[])[]): input is number[] {
  return typeof input[0] === "number";
}
