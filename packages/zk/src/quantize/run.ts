import { InvalidParameterError } from "@noosphere/sdk";
import type { CompiledCircuit, PublicSignalLayout } from "../compiler/compile.js";
import { type Affine, graphFromJson, type QuantGraph } from "../compiler/ir.js";
import { ZkInputRangeError } from "../errors.js";
import { floorDiv, toField } from "../field.js";
import { poseidonHashInputs, poseidonHashVector } from "../poseidon.js";
import { quantizeValue } from "./fixed.js";

// The integer reference: evaluates the gadget graph exactly as the circuit constrains it. Every
// wire value is checked against the bounds the compiler derived; a miss would mean the
// interval analysis is wrong, so it throws instead of producing a witness that cannot prove.

const graphs = new WeakMap<CompiledCircuit, QuantGraph>();

export function graphOf(compiled: CompiledCircuit): QuantGraph {
  let g = graphs.get(compiled);
  if (!g) {
    g = graphFromJson(compiled.graph);
    graphs.set(compiled, g);
  }
  return g;
}

export type RunQuantizedReturnType = {
  /** Output elements (all graph outputs, flattened, in order) as signed fixed-point integers. */
  outputs: bigint[];
  /** outputs / 2^scale (indices as they are). */
  outputsFloat: number[];
  /** Scale of the first output (0 for an ArgMax index). */
  outputScale: number;
  /** Scale of each output element. */
  outputScales: number[];
  /** Every wire's value (inputs, params, internal), in the circuit's wire order. */
  wires: bigint[];
};

const inputCount = (compiled: CompiledCircuit): number =>
  compiled.inputs.reduce((n, i) => n + i.dims.reduce((a, b) => a * b, 1), 0);

/** Fixed-point inputs: round(x * 2^input_scale), ties away from zero; range-checked. */
export function quantizeInput(compiled: CompiledCircuit, input: readonly number[]): bigint[] {
  const n = inputCount(compiled);
  if (!Array.isArray(input) || input.length !== n) {
    throw new InvalidParameterError({
      field: "input",
      expected: `${n} numbers (the model inputs, flattened)`,
      received: Array.isArray(input) ? `${input.length} numbers` : input,
    });
  }
  const g = graphOf(compiled);
  const s = compiled.settings.run_args.input_scale;
  const hi = g.inputLo + (1n << BigInt(g.inputBits)) - 1n;
  return input.map((x, i) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new InvalidParameterError({
        field: `input[${i}]`,
        expected: "a finite number",
        received: x,
      });
    }
    const q = quantizeValue(x, s);
    if (q < g.inputLo || q > hi) {
      throw new ZkInputRangeError({
        index: i,
        value: x,
        range: [Number(g.inputLo) / 2 ** s, Number(hi) / 2 ** s],
      });
    }
    return q;
  });
}

function evalAffine(a: Affine, v: bigint[]): bigint {
  let s = a.k;
  for (let i = 0; i < a.wires.length; i++)
    s += (a.coefs[i] as bigint) * (v[a.wires[i] as number] as bigint);
  return s;
}

/** Runs the quantized model on one sample (flat input) exactly as the circuit computes it. */
export function runQuantized(
  compiled: CompiledCircuit,
  input: readonly number[],
): RunQuantizedReturnType {
  return runQuantizedInts(compiled, quantizeInput(compiled, input));
}

export function runQuantizedInts(
  compiled: CompiledCircuit,
  q: readonly bigint[],
): RunQuantizedReturnType {
  return evaluateGraph(graphOf(compiled), q);
}

/** Evaluates a quantized graph on quantized inputs (already range-checked). */
export function evaluateGraph(g: QuantGraph, q: readonly bigint[]): RunQuantizedReturnType {
  const v = new Array<bigint>(g.nWires).fill(0n);
  for (let i = 0; i < g.nInputs; i++) v[i] = q[i] as bigint;
  for (let j = 0; j < g.nParams; j++) v[g.nInputs + j] = g.params[j] as bigint;
  const set = (w: number, x: bigint): void => {
    if (x < (g.wireLo[w] as bigint) || x > (g.wireHi[w] as bigint)) {
      throw new Error(
        `internal: wire ${w} = ${x} is outside its derived bounds [${g.wireLo[w]}, ${g.wireHi[w]}]`,
      );
    }
    v[w] = x;
  };
  for (const x of g.gadgets) {
    switch (x.op) {
      case "ubits": {
        const t = evalAffine(x.x, v);
        if (t < 0n || t >= 1n << BigInt(x.bits))
          throw new Error("internal: input range check failed");
        break;
      }
      case "div": {
        const t = floorDiv(evalAffine(x.x, v), x.d);
        set(x.out, t);
        set(x.pos, t >= 0n ? 1n : 0n);
        const half = 1n << BigInt(x.B - 1);
        if (t < -half || t >= half)
          throw new Error("internal: rescaled value exceeds its bit width");
        break;
      }
      case "sign": {
        const t = evalAffine(x.x, v);
        const half = 1n << BigInt(x.B - 1);
        if (t < -half || t >= half)
          throw new Error("internal: compared value exceeds its bit width");
        set(x.pos, t >= 0n ? 1n : 0n);
        break;
      }
      case "mul":
        set(x.out, evalAffine(x.a, v) * evalAffine(x.b, v) + evalAffine(x.c, v));
        break;
    }
  }
  const outputs: bigint[] = [];
  const outputScales: number[] = [];
  for (const o of g.outputs) {
    for (const a of o.elements) {
      outputs.push(evalAffine(a, v));
      outputScales.push(o.scale);
    }
  }
  return {
    outputs,
    outputsFloat: outputs.map((x, i) => Number(x) / 2 ** (outputScales[i] as number)),
    outputScale: g.outputs[0]?.scale ?? 0,
    outputScales,
    wires: v,
  };
}

/** Witness-calculator input JSON: field elements as decimal strings. */
export function circuitInputs(
  compiled: CompiledCircuit,
  input: readonly number[],
): Record<string, string | string[]> {
  const q = quantizeInput(compiled, input);
  const out: Record<string, string | string[]> = { in: q.map((x) => toField(x).toString()) };
  const g = graphOf(compiled);
  if (compiled.settings.run_args.param_visibility === "hashed" && g.nParams > 0) {
    out.params = g.params.map((x) => toField(x).toString());
  }
  return out;
}

/** Poseidon hash of the quantized parameters (param_visibility "hashed"), in hash order. */
export function paramHash(compiled: CompiledCircuit): bigint {
  return poseidonHashVector(graphOf(compiled).params);
}

/** The public signals a proof for `input` must carry, in order, as field elements. */
export function expectedPublicSignals(
  compiled: CompiledCircuit,
  input: readonly number[],
): bigint[] {
  const q = quantizeInput(compiled, input);
  const { outputs } = runQuantizedInts(compiled, q);
  const ra = compiled.settings.run_args;
  const signals: bigint[] = [];
  if (ra.param_visibility === "hashed") signals.push(paramHash(compiled));
  if (ra.input_visibility === "public") signals.push(...q.map(toField));
  if (ra.input_visibility === "hashed") signals.push(poseidonHashInputs(q));
  if (ra.output_visibility === "public") signals.push(...outputs.map(toField));
  else signals.push(poseidonHashVector(outputs));
  return signals;
}

export function publicSignalLayout(compiled: CompiledCircuit): PublicSignalLayout {
  return { ...compiled.layout };
}
