import { describe, expect, it } from "vitest";
import { InvalidParameterError } from "../errors.js";
import { compareCommitReveal, simulateWeightCopying } from "./simulate.js";

describe("simulateWeightCopying (weight copier vs honest validators)", () => {
  const both = compareCommitReveal({ epochs: 50, seed: 1 });

  it("with commit-reveal the copier earns less per stake than the honest validators", () => {
    const on = both.withCommitReveal;
    expect(on.copierLag).toBe(1);
    expect(on.copierHonestRatio).toBeLessThan(0.95);
    for (const v of on.validators.filter((x) => x.role === "honest"))
      expect(on.copierDividendsPerStake).toBeLessThan(v.dividendsPerStake);
  });

  it("without commit-reveal copying current public weights pays about as much as evaluating", () => {
    const off = both.withoutCommitReveal;
    expect(off.copierLag).toBe(0);
    expect(off.copierHonestRatio).toBeGreaterThan(0.98);
    expect(off.copierHonestRatio).toBeGreaterThan(both.withCommitReveal.copierHonestRatio);
  });

  it("the stale copier weights the alternating miner against its quality", () => {
    const { quality, copierWeight } = both.withCommitReveal.alternatingMiner;
    // Bad tempos (odd): the lag-1 copier still weights it as in the previous good tempo.
    const odd = copierWeight.filter((_, e) => e % 2 === 1 && e > 0);
    const even = copierWeight.filter((_, e) => e % 2 === 0 && e > 0);
    expect(quality[1]).toBeLessThan(quality[0] as number);
    expect(Math.min(...odd)).toBeGreaterThan(Math.max(...even));
  });

  it("dividends are the validators' half of each epoch's emission, up to rounding", () => {
    const off = both.withoutCommitReveal;
    const total = off.validators.reduce((a, v) => a + v.dividends, 0n);
    const half = 500_000_000n * 50n;
    expect(total <= half && total > half - 50n * 10n).toBe(true);
  });

  it("is deterministic for a seed and works with Yuma2", () => {
    const a = simulateWeightCopying({ commitReveal: true, epochs: 6, seed: 7, yuma3: false });
    const b = simulateWeightCopying({ commitReveal: true, epochs: 6, seed: 7, yuma3: false });
    expect(a).toEqual(b);
    expect(a.yuma3).toBe(false);
  });

  it("rejects bad options with the field name", () => {
    expect(() => simulateWeightCopying({ commitReveal: false, epochs: 0 })).toThrow(
      InvalidParameterError,
    );
    expect(() => simulateWeightCopying({ commitReveal: false, noise: -1 })).toThrow(/noise/);
  });
});
