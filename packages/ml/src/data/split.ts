import { InvalidParameterError } from "@noosphere/sdk";
import { createRng, shuffleInPlace } from "../random.js";

export type SplitTrainTestParameters = {
  /** Share of rows held out for testing, in (0, 1); the test set gets ceil(n * testFraction). */
  testFraction: number;
  /** PRNG seed, an integer in [0, 2^32): the same seed gives the same split everywhere. */
  seed: number;
};

export type SplitTrainTestReturnType<T> = {
  train: T[];
  test: T[];
  /** Positions in the input of the train rows, ascending (rows keep their file order). */
  trainIndices: number[];
  testIndices: number[];
};

/**
 * Deterministic shuffled train/test split. Use the indices to split a parallel array (labels)
 * the same way.
 */
export function splitTrainTest<T>(
  rows: readonly T[],
  { testFraction, seed }: SplitTrainTestParameters,
): SplitTrainTestReturnType<T> {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new InvalidParameterError({
      field: "testFraction",
      expected: "a number strictly between 0 and 1",
      received: testFraction,
    });
  }
  const n = rows.length;
  const nTest = Math.ceil(n * testFraction);
  if (n < 2 || nTest >= n) {
    throw new InvalidParameterError({
      field: "rows",
      expected: `at least 2 rows, with some left for training after testFraction ${testFraction}`,
      received: n,
    });
  }
  const order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    createRng(seed),
  );
  const testIndices = order.slice(0, nTest).sort((a, b) => a - b);
  const trainIndices = order.slice(nTest).sort((a, b) => a - b);
  return {
    train: trainIndices.map((i) => rows[i] as T),
    test: testIndices.map((i) => rows[i] as T),
    trainIndices,
    testIndices,
  };
}
