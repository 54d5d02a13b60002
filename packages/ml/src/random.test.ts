import { describe, expect, test } from "vitest";
import { createRng, shuffleInPlace } from "./random.js";

describe("createRng", () => {
  test("pinned xoshiro128** stream (seeded through splitmix32)", () => {
    const rng = createRng(42);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([
      2837322924, 544945897, 479756282, 3500138142,
    ]);
    expect(createRng(0).nextFloat()).toBe(0.8868539502021594);
  });

  test("same seed, same stream; other seed, other stream", () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const sa = Array.from({ length: 100 }, () => a.nextFloat());
    expect(Array.from({ length: 100 }, () => b.nextFloat())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.nextFloat())).not.toEqual(sa);
  });

  test("nextFloat in [0, 1), nextInt in range and roughly uniform", () => {
    const rng = createRng(3);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const f = rng.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      const k = rng.nextInt(6);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  test("rejects bad seeds and ranges", () => {
    expect(() => createRng(-1)).toThrow(/Invalid seed: expected an integer in \[0, 2\^32\)/);
    expect(() => createRng(1.5)).toThrow(/Invalid seed/);
    expect(() => createRng(1).nextInt(0)).toThrow(/Invalid n/);
  });

  test("shuffleInPlace is a seeded permutation", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffleInPlace([...items], createRng(5));
    expect(a).toEqual(shuffleInPlace([...items], createRng(5)));
    expect(a).not.toEqual(items);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
  });
});
