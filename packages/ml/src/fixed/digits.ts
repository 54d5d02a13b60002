// Digits defaults (ARITHMETIC.md §7) and held-out evaluation of fixed-point weights.
import type { Hex } from "viem";
import { toQ } from "./arith.js";
import type { FixedDataset, FixedInferInput } from "./dataset.js";
import { tensorRoot } from "./merkle.js";
import { evalOp, makeContext, transitionLayout } from "./program.js";
import type { MlpInferSpec, MlpTrainSpec } from "./spec.js";

/** Tuned digits training spec: 64-32-10, B = 32, T = 1000, momentum (values in ARITHMETIC.md §7). */
export function defaultDigitsTrainSpec(
  dataRoot: Hex,
  n = 1437,
  overrides: Partial<MlpTrainSpec> = {},
): MlpTrainSpec {
  return {
    kind: "mlp-train",
    nIn: 64,
    nHidden: 32,
    nOut: 10,
    batch: 32,
    steps: 1000,
    lrQ: 3277, // 0.05
    muQ: 58982, // 0.9
    seed: 1,
    initScaleW1Q: 16384, // 0.25
    initScaleW2Q: 22938, // 0.35
    n,
    dataRoot,
    ...overrides,
  };
}

/** The spec of a dataset's default training program. */
export function digitsTrainSpecFor(
  data: FixedDataset,
  overrides: Partial<MlpTrainSpec> = {},
): MlpTrainSpec {
  return defaultDigitsTrainSpec(data.root, data.n, overrides);
}

/** Quantises real-valued rows (already scaled) into an [rows][nIn] Q16.16 tensor. */
export function quantizeRows(rows: readonly (readonly number[])[]): Int32Array {
  const nIn = (rows[0] ?? []).length;
  const x = new Int32Array(rows.length * nIn);
  rows.forEach((r, i) => {
    r.forEach((v, f) => {
      x[i * nIn + f] = toQ(v);
    });
  });
  return x;
}

/** An mlp-infer spec and its input tensors for the given weights (training components 0..3) and inputs. */
export function mlpInferProgram(
  weights: readonly Int32Array[],
  x: Int32Array,
  dims: { nIn: number; nHidden: number; nOut: number },
): { spec: MlpInferSpec; input: FixedInferInput } {
  const [w1, b1, w2, b2] = weights as [Int32Array, Int32Array, Int32Array, Int32Array];
  const rows = x.length / dims.nIn;
  if (!Number.isInteger(rows) || rows < 1)
    throw new RangeError(`x has ${x.length} elements, not a multiple of nIn ${dims.nIn}`);
  const input: FixedInferInput = { x, w1, b1, w2, b2 };
  const spec: MlpInferSpec = {
    kind: "mlp-infer",
    nIn: dims.nIn,
    nHidden: dims.nHidden,
    nOut: dims.nOut,
    rows,
    xRoot: tensorRoot(x),
    w1Root: tensorRoot(w1),
    b1Root: tensorRoot(b1),
    w2Root: tensorRoot(w2),
    b2Root: tensorRoot(b2),
  };
  return { spec, input };
}

/** Fixed-point logits of the rows (the mlp-infer program's output), [rows][nOut]. */
export function fixedLogits(
  weights: readonly Int32Array[],
  x: Int32Array,
  dims: { nIn: number; nHidden: number; nOut: number },
): Int32Array {
  const { spec, input } = mlpInferProgram(weights, x, dims);
  const layout = transitionLayout(spec, 0);
  const ctx = makeContext(spec, 0);
  const start = [input.x, input.w1, input.b1, input.w2, input.b2];
  const outs: Int32Array[] = [];
  for (const o of layout.ops)
    outs.push(
      evalOp(
        o,
        o.inputs.map(
          (r) =>
            (r.from === "start"
              ? start[r.index]
              : r.from === "op"
                ? outs[r.index]
                : undefined) as Int32Array,
        ),
        ctx,
      ),
    );
  return outs[2] as Int32Array;
}

/** Held-out accuracy of fixed-point weights on real-valued (scaled) rows. */
export function fixedAccuracy(
  weights: readonly Int32Array[],
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  dims: { nIn: number; nHidden: number; nOut: number },
): number {
  const logits = fixedLogits(weights, quantizeRows(rows), dims);
  let correct = 0;
  labels.forEach((y, i) => {
    let best = 0;
    for (let c = 1; c < dims.nOut; c++)
      if ((logits[i * dims.nOut + c] as number) > (logits[i * dims.nOut + best] as number))
        best = c;
    if (best === y) correct++;
  });
  return correct / labels.length;
}
