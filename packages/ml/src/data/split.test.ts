import { describe, expect, test } from "vitest";
import { splitTrainTest } from "./split.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("splitTrainTest", () => {
  test("deterministic: the same seed gives the same split (pinned)", () => {
    const a = splitTrainTest(range(10), { testFraction: 0.3, seed: 1 });
    expect(a).toEqual(splitTrainTest(range(10), { testFraction: 0.3, seed: 1 }));
    expect(a.testIndices).toEqual([1, 4, 5]);
    expect(a.train).toEqual([0, 2, 3, 6, 7, 8, 9]);
  });

  test("sizes, disjoint, covering, file order kept", () => {
    const rows = range(1797).map((i) => ({ id: i }));
    const {
      train,
      test: held,
      trainIndices,
      testIndices,
    } = splitTrainTest(rows, {
      testFraction: 0.2,
      seed: 42,
    });
    expect(held).toHaveLength(360); // ceil(1797 * 0.2)
    expect(train).toHaveLength(1437);
    expect(new Set([...trainIndices, ...testIndices]).size).toBe(1797);
    expect(trainIndices).toEqual([...trainIndices].sort((x, y) => x - y));
    expect(held.map((r) => r.id)).toEqual(testIndices);
  });

  test("another seed, another split", () => {
    const a = splitTrainTest(range(100), { testFraction: 0.2, seed: 1 });
    const b = splitTrainTest(range(100), { testFraction: 0.2, seed: 2 });
    expect(a.testIndices).not.toEqual(b.testIndices);
  });

  test("rejects bad fractions and too few rows", () => {
    expect(() => splitTrainTest(range(10), { testFraction: 0, seed: 1 })).toThrow(
      /Invalid testFraction: expected a number strictly between 0 and 1, received 0/,
    );
    expect(() => splitTrainTest(range(10), { testFraction: 1, seed: 1 })).toThrow(/testFraction/);
    expect(() => splitTrainTest(range(1), { testFraction: 0.5, seed: 1 })).toThrow(/Invalid rows/);
    expect(() => splitTrainTest(range(10), { testFraction: 0.5, seed: -3 })).toThrow(
      /Invalid seed/,
    );
  });
});
