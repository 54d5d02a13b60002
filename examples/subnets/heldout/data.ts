// The held-out inference subnet's data: the vendored digits (examples/data/digits.csv) split once
// with a fixed seed. Miners train on `minerTrain`; validators hold `heldOut`, which no miner's
// training set contains, and each validator keeps only its own disjoint part of it.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTable, splitTrainTest } from "@noosphere/ml";

export const DIGITS_CSV = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../data/digits.csv",
);
/** 30 % of the digits are held out from every miner's training data. */
export const SPLIT = { testFraction: 0.3, seed: 12 } as const;

export type Sample = { pixels: number[]; label: number };

export async function loadDigitsSplit(): Promise<{ minerTrain: Sample[]; heldOut: Sample[] }> {
  const table = await loadTable(DIGITS_CSV);
  const labelAt = table.columns.indexOf("label");
  const toSample = (row: number[]): Sample => ({
    pixels: row.filter((_, i) => i !== labelAt),
    label: row[labelAt] as number,
  });
  const { train, test } = splitTrainTest(table.rows, SPLIT);
  return { minerTrain: train.map(toSample), heldOut: test.map(toSample) };
}

/** Validator `part` of `of`'s private samples: every of-th held-out sample, disjoint between parts. */
export async function validatorSamples(part: number, of: number): Promise<Sample[]> {
  const { heldOut } = await loadDigitsSplit();
  return heldOut.filter((_, i) => i % of === part);
}

/** The "random" miner's answer: a label from a hash of the pixels and its seed (no model). */
export function randomLabel(pixels: readonly number[], seed: number): number {
  let h = (2166136261 ^ seed) >>> 0; // FNV-1a over the pixel values
  for (const p of pixels) h = Math.imul(h ^ p, 16777619) >>> 0;
  return h % 10;
}
