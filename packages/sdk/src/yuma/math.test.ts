import { describe, expect, it } from "vitest";
import { fromF32, ONE } from "./fixed.js";
import {
  colClipSparse,
  type FixedMatrix,
  interpolateSparse,
  isTopkNonzero,
  matEmaSparse,
  maxUpscaleWeights,
  weightedMedianColSparse,
} from "./math.js";

const f = fromF32;
const sparse = (dense: number[][]): FixedMatrix =>
  dense.map((row) => row.flatMap((v, j) => (v === 0 ? [] : [[j, f(v)] as [number, bigint]])));

describe("weighted_median_col_sparse (tests/math.rs::test_math_weighted_median_col_sparse)", () => {
  const stake = [0, 0.75, 0.25, 0].map(f);
  const w = sparse([
    [0, 0.1, 0],
    [0, 0.2, 0.4],
    [0, 0.3, 0.1],
    [0, 0.4, 0.5],
  ]);
  it.each([
    [0.24, [0, 0.3, 0.4]],
    [0.26, [0, 0.2, 0.4]],
    [0.76, [0, 0.2, 0.1]],
  ])("kappa %f", (kappa, expected) => {
    expect(weightedMedianColSparse(stake, w, 3, f(kappa))).toEqual(expected.map(f));
  });
  it("stake [0, .3, .2, .5], kappa 0.51 gives [0, 0, .4]", () => {
    const w2 = sparse([
      [0, 0.1, 0],
      [0, 0.2, 0.4],
      [0, 0.3, 0.1],
      [0, 0, 0.5],
    ]);
    expect(weightedMedianColSparse([0, 0.3, 0.2, 0.5].map(f), w2, 3, f(0.51))).toEqual(
      [0, 0, 0.4].map(f),
    );
  });
  it("no positive stake: every median is 0", () => {
    expect(weightedMedianColSparse([0n, 0n], sparse([[0.5], [0.5]]), 1, f(0.5))).toEqual([0n]);
  });
});

describe("set_weights max-upscale (vec_u16_max_upscale_to_u16)", () => {
  it("max > 32768: multiply by trunc(65535/max), round half away from 0", () => {
    expect(maxUpscaleWeights([16383, 32767, 49149, 65535])).toEqual([16383, 32767, 49149, 65535]);
    expect(maxUpscaleWeights([1, 40000])).toEqual([2, 65535]);
  });
  it("max <= 32768: e·65535/max then round", () => {
    expect(maxUpscaleWeights([32767, 32767])).toEqual([65535, 65535]);
    expect(maxUpscaleWeights([32767, 0, 32767])).toEqual([65535, 0, 65535]);
    expect(maxUpscaleWeights([1, 2])).toEqual([32768, 65535]); // 32767.5 rounds up
    expect(maxUpscaleWeights([127, 127])).toEqual([65535, 65535]);
  });
  it("all zero stays zero; empty stays empty", () => {
    expect(maxUpscaleWeights([0, 0])).toEqual([0, 0]);
    expect(maxUpscaleWeights([])).toEqual([]);
  });
});

describe("other primitives", () => {
  it("is_topk_nonzero: stable ascending sort, lower uids lose ties", () => {
    expect(isTopkNonzero([5n, 3n, 3n, 0n, 9n], 3)).toEqual([true, false, true, false, true]);
    expect(isTopkNonzero([1n, 0n], 3)).toEqual([true, false]); // n < k
  });
  it("col_clip_sparse drops cells whose column consensus is 0", () => {
    const w: FixedMatrix = [
      [
        [0, ONE / 2n],
        [1, ONE / 2n],
      ],
    ];
    expect(colClipSparse(w, [ONE / 4n, 0n])).toEqual([[[0, ONE / 4n]]]);
  });
  it("interpolate_sparse keeps zero entries only at ratio 0", () => {
    const a: FixedMatrix = [
      [
        [1, 0n],
        [0, ONE],
      ],
    ];
    const b: FixedMatrix = [[[0, ONE / 2n]]];
    expect(interpolateSparse(a, b, 2, 0n)).toEqual(a);
    expect(interpolateSparse(a, b, 2, ONE)).toEqual(b);
    expect(interpolateSparse(a, b, 2, ONE / 2n)).toEqual([[[0, (ONE * 3n) / 4n]]]);
  });
  it("mat_ema_sparse decays old cells absent from new and sorts columns", () => {
    const out = matEmaSparse([[[1, ONE]], []], [[[0, ONE]], []], ONE / 10n);
    expect(out[0]?.map(([j]) => j)).toEqual([0, 1]);
    expect(out[1]).toEqual([]);
  });
});
