// Datasets in the R12 layout (ARITHMETIC.md §3) and inference inputs.
import { readFileSync } from "node:fs";
import type { Hex } from "viem";
import { toQ } from "./arith.js";
import { tensorRoot } from "./merkle.js";
import { sampleStride } from "./spec.js";

export type FixedDataset = {
  /** Number of samples N. */
  n: number;
  nIn: number;
  /** Elements per sample (8 * ceil((nIn + 1) / 8)). */
  stride: number;
  /** N * stride elements: features (Q16.16), label, zeros. */
  values: Int32Array;
  /** R10 root of `values` (the spec's dataRoot). */
  root: Hex;
  /** Real-valued factor applied to raw features to get the committed ones (digits: 1/16); used by toMlp. */
  inputScale: number;
};

/** Builds a dataset from real-valued features (already scaled) and integer labels. */
export function createFixedDataset(
  features: readonly (readonly number[])[],
  labels: readonly number[],
  options: { inputScale?: number } = {},
): FixedDataset {
  const n = features.length;
  if (n < 1) throw new RangeError("dataset: needs at least one sample");
  if (labels.length !== n)
    throw new RangeError(`dataset: ${labels.length} labels for ${n} samples`);
  const nIn = (features[0] as readonly number[]).length;
  const stride = sampleStride(nIn);
  const values = new Int32Array(n * stride);
  for (let j = 0; j < n; j++) {
    const row = features[j] as readonly number[];
    if (row.length !== nIn)
      throw new RangeError(`dataset: sample ${j} has ${row.length} features, expected ${nIn}`);
    for (let f = 0; f < nIn; f++) values[j * stride + f] = toQ(row[f] as number);
    const y = labels[j] as number;
    if (!Number.isSafeInteger(y))
      throw new RangeError(`dataset: label ${j} must be an integer, got ${y}`);
    values[j * stride + nIn] = y;
  }
  return { n, nIn, stride, values, root: tensorRoot(values), inputScale: options.inputScale ?? 1 };
}

export type DigitsRows = { features: number[][]; labels: number[] };

/** Parses examples/data/digits.csv (header p0..p63,label): raw pixel rows and labels. */
export function readDigitsCsv(csvPath: string): DigitsRows {
  const lines = readFileSync(csvPath, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",");
  const labelCol = header.indexOf("label");
  if (labelCol < 0) throw new TypeError(`${csvPath}: no "label" column in the header`);
  const features: number[][] = [];
  const labels: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(",").map(Number);
    labels.push(cells[labelCol] as number);
    features.push(cells.filter((_, k) => k !== labelCol));
  }
  return { features, labels };
}

/** Digits split of ARITHMETIC.md §3: data row i is training when i % 5 != 0, held-out when i % 5 == 0. */
export function splitDigits(rows: DigitsRows): { train: DigitsRows; test: DigitsRows } {
  const train: DigitsRows = { features: [], labels: [] };
  const test: DigitsRows = { features: [], labels: [] };
  rows.features.forEach((f, i) => {
    const dst = i % 5 === 0 ? test : train;
    dst.features.push(f);
    dst.labels.push(rows.labels[i] as number);
  });
  return { train, test };
}

/**
 * The digits training dataset (rows i % 5 != 0, features pixel / 16) from the CSV path or parsed rows
 * (all rows of the file, in order; the split is applied here).
 */
export function loadDigitsDataset(source: string | DigitsRows): FixedDataset {
  const rows = typeof source === "string" ? readDigitsCsv(source) : source;
  const { train } = splitDigits(rows);
  return createFixedDataset(
    train.features.map((r) => r.map((p) => p / 16)),
    train.labels,
    { inputScale: 1 / 16 },
  );
}

/** The tensors of an mlp-infer program (genesis components, in order). */
export type FixedInferInput = {
  x: Int32Array;
  w1: Int32Array;
  b1: Int32Array;
  w2: Int32Array;
  b2: Int32Array;
};

/** The tensors of an mlp-eval program (genesis components, in order): mlp-infer's and the labels y [rows]. */
export type FixedEvalInput = FixedInferInput & { y: Int32Array };

/** The tensors of a cnn-infer program (genesis components, in order): x [rows][side * side], convW [channels][9],
 * convB [channels], fcW [classes][features], fcB [classes]. */
export type FixedCnnInput = {
  x: Int32Array;
  convW: Int32Array;
  convB: Int32Array;
  fcW: Int32Array;
  fcB: Int32Array;
};
