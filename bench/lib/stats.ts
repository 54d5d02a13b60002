// Summary statistics shared by the benchmarks, so every results file means the same by p50 / p95.

export const round = (x: number, digits = 4) => Number(x.toFixed(digits));

export const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Nearest-rank percentile (p in 0..100); NaN for an empty sample. */
export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

/** n, p50, p95, mean, min, max of a sample, rounded to `digits`. */
export function summarize(xs: readonly number[], digits = 3) {
  return {
    n: xs.length,
    p50: round(percentile(xs, 50), digits),
    p95: round(percentile(xs, 95), digits),
    mean: round(mean(xs), digits),
    min: round(Math.min(...xs), digits),
    max: round(Math.max(...xs), digits),
  };
}
