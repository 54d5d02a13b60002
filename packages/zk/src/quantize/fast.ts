import type { Affine, QuantGraph } from "../compiler/ir.js";

// A float64 evaluator of the gadget graph for calibration's inner loop. It is exact (integers
// below 2^53 are exact in doubles) and only used when the compiler's bounds prove every
// intermediate value stays below 2^52; otherwise callers fall back to the bigint evaluator.

type FAffine = { w: Int32Array; c: Float64Array; k: number };
type Step =
  | { op: 0; x: FAffine; d: number; out: number; pos: number } // div
  | { op: 1; x: FAffine; pos: number } // sign
  | { op: 2; a: FAffine; b: FAffine; c: FAffine; out: number }; // mul
export type FastPlan = {
  steps: Step[];
  outputs: FAffine[];
  nWires: number;
  nInputs: number;
  params: number[];
};

const LIMIT = 2n ** 52n;
const plans = new WeakMap<QuantGraph, FastPlan | null>();

function absMax(g: QuantGraph, a: Affine): bigint {
  let s = a.k < 0n ? -a.k : a.k;
  for (let i = 0; i < a.wires.length; i++) {
    const c = a.coefs[i] as bigint;
    const w = a.wires[i] as number;
    const lo = g.wireLo[w] as bigint;
    const hi = g.wireHi[w] as bigint;
    const m =
      (lo < 0n ? -lo : lo) > (hi < 0n ? -hi : hi) ? (lo < 0n ? -lo : lo) : hi < 0n ? -hi : hi;
    s += (c < 0n ? -c : c) * m;
  }
  return s;
}

/** The float plan for `g`, or null when some value could reach 2^52. */
export function fastPlan(g: QuantGraph): FastPlan | null {
  if (plans.has(g)) return plans.get(g) ?? null;
  let ok = true;
  const conv = (a: Affine): FAffine => {
    if (absMax(g, a) >= LIMIT) ok = false;
    return { w: Int32Array.from(a.wires), c: Float64Array.from(a.coefs, Number), k: Number(a.k) };
  };
  const steps: Step[] = [];
  for (const x of g.gadgets) {
    if (x.op === "div") steps.push({ op: 0, x: conv(x.x), d: Number(x.d), out: x.out, pos: x.pos });
    else if (x.op === "sign") steps.push({ op: 1, x: conv(x.x), pos: x.pos });
    else if (x.op === "mul") {
      const a = conv(x.a);
      const b = conv(x.b);
      if (absMax(g, x.a) * absMax(g, x.b) >= LIMIT) ok = false;
      steps.push({ op: 2, a, b, c: conv(x.c), out: x.out });
    }
  }
  const outputs = g.outputs.flatMap((o) => o.elements.map(conv));
  const plan = ok
    ? { steps, outputs, nWires: g.nWires, nInputs: g.nInputs, params: g.params.map(Number) }
    : null;
  plans.set(g, plan);
  return plan;
}

const ev = (a: FAffine, v: Float64Array): number => {
  let s = a.k;
  for (let i = 0; i < a.w.length; i++) s += (a.c[i] as number) * (v[a.w[i] as number] as number);
  return s;
};

/** Output integers (as numbers) for quantized inputs `q`. */
export function evaluateFast(plan: FastPlan, q: ArrayLike<number>): number[] {
  const v = new Float64Array(plan.nWires);
  for (let i = 0; i < plan.nInputs; i++) v[i] = q[i] as number;
  plan.params.forEach((p, j) => {
    v[plan.nInputs + j] = p;
  });
  for (const s of plan.steps) {
    if (s.op === 0) {
      const x = ev(s.x, v);
      let t = Math.floor(x / s.d);
      // x / d is rounded; correct the floor with the exact remainder.
      const r = x - t * s.d;
      if (r < 0) t -= 1;
      else if (r >= s.d) t += 1;
      v[s.out] = t;
      v[s.pos] = t >= 0 ? 1 : 0;
    } else if (s.op === 1) {
      v[s.pos] = ev(s.x, v) >= 0 ? 1 : 0;
    } else {
      v[s.out] = ev(s.a, v) * ev(s.b, v) + ev(s.c, v);
    }
  }
  return plan.outputs.map((a) => ev(a, v));
}
