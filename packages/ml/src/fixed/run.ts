// The executor: runs a program transition by transition with state commitments (R11) and checkpoints,
// optionally corrupting a component or lying about an op output; regenerates any transition's op trace.
import type { Hex } from "viem";
import type { Mlp } from "../train/mlp.js";
import { sat } from "./arith.js";
import type { FixedCnnInput, FixedDataset, FixedEvalInput, FixedInferInput } from "./dataset.js";
import { fromHex, keccakBytes, toHex, writeUint256 } from "./hash.js";
import { cachedRootBytes, tensorRootBytes } from "./merkle.js";
import { evalOp, makeContext, transitionLayout } from "./program.js";
import { type FixedSpec, numTransitions, specHashOf } from "./spec.js";

export type FixedData = FixedDataset | FixedInferInput | FixedCnnInput | FixedEvalInput;

export type CorruptOption = {
  /** After transition `transition` (so state transition + 1 is the first wrong one). */
  transition: number;
  /** Component index (training: 0 = W1 ... 8 = cursor). Default 0. */
  component?: number;
  /** Element of that component. Default 0. */
  element?: number;
  /** Added (saturating) to the element. Default 4096 (1/16). */
  delta?: number;
};

export type LieOption = {
  transition: number;
  /** Op index inside the transition. */
  op: number;
  /** Output element of that op (< its size). */
  element: number;
  /** Added (saturating); later ops of the transition compute from the lied value. Default 4096. */
  delta?: number;
};

export type RunOptions = {
  corrupt?: CorruptOption;
  lie?: LieOption;
  /** Keep the components of every k-th state (and state 0) for trace regeneration. Default 10. */
  checkpointEvery?: number;
  /** "all": hash every state 0..n (default); "final": only state 0 and n (states[] holds just those two known). */
  commit?: "all" | "final";
};

export type ProgramRun = {
  spec: FixedSpec;
  specHash: Hex;
  /** Number of transitions (states 0..n). */
  n: number;
  /** State hashes 0..n (with commit "final" only states[0] and states[n] are set; use stateAt). */
  states: Hex[];
  finalState: Hex;
  /** Components of the final state (training: W1, b1, W2, b2, vW1, vb1, vW2, vb2, cursor; inference: logits). */
  components: Int32Array[];
  /** Components of checkpointed states. */
  checkpoints: Map<number, Int32Array[]>;
  checkpointEvery: number;
  corrupt?: CorruptOption;
  lie?: LieOption;
  data: FixedData;
  /** State hash t (computed from the nearest checkpoint when not stored). */
  stateAt(t: number): Hex;
  /** The final weights as a float MLP (training runs), for mlpToOnnx / predictMlp. */
  toMlp(): Mlp;
};

const DEFAULT_DELTA = 4096;

/** R11: keccak256(abi.encode(bytes32 specHash, uint256 t, bytes32[] components)). */
export function stateHash(specHash: Hex, t: number, components: readonly Hex[]): Hex {
  return stateHashBytes(fromHex(specHash), t, components.map(fromHex));
}

function stateHashBytes(specHash: Uint8Array, t: number, roots: readonly Uint8Array[]): Hex {
  const buf = new Uint8Array(128 + 32 * roots.length);
  buf.set(specHash, 0);
  writeUint256(buf, 32, t);
  writeUint256(buf, 64, 96);
  writeUint256(buf, 96, roots.length);
  roots.forEach((r, k) => {
    buf.set(r, 128 + 32 * k);
  });
  return toHex(keccakBytes(buf));
}

function genesisComponents(spec: FixedSpec, data: FixedData): Int32Array[] {
  if (spec.kind === "mlp-train") return [];
  if (spec.kind === "cnn-infer") {
    if (!("convW" in data))
      throw new TypeError(
        "runProgram: a cnn-infer spec needs { x, convW, convB, fcW, fcB } as data",
      );
    return [data.x, data.convW, data.convB, data.fcW, data.fcB];
  }
  if (spec.kind === "mlp-eval") {
    if (!("w1" in data) || !("y" in data))
      throw new TypeError("runProgram: an mlp-eval spec needs { x, w1, b1, w2, b2, y } as data");
    return [data.x, data.w1, data.b1, data.w2, data.b2, data.y];
  }
  if (!("w1" in data))
    throw new TypeError("runProgram: an mlp-infer spec needs { x, w1, b1, w2, b2 } as data");
  return [data.x, data.w1, data.b1, data.w2, data.b2];
}

function datasetValues(spec: FixedSpec, data: FixedData): Int32Array | undefined {
  if (spec.kind !== "mlp-train") return undefined;
  if (!("values" in data))
    throw new TypeError("runProgram: an mlp-train spec needs a FixedDataset as data");
  if (data.n !== spec.n || data.root !== spec.dataRoot)
    throw new RangeError(
      `runProgram: dataset (n ${data.n}, root ${data.root}) does not match spec.n/spec.dataRoot`,
    );
  return data.values;
}

/** Runs transition t from its start components; returns all op outputs (lie applied) and the end components. */
export function runTransition(
  spec: FixedSpec,
  data: FixedData,
  t: number,
  start: readonly Int32Array[],
  lie?: LieOption,
  corrupt?: CorruptOption,
): { outputs: Int32Array[]; end: Int32Array[] } {
  const layout = transitionLayout(spec, t);
  const values = datasetValues(spec, data);
  const ctx = makeContext(spec, t, values);
  const outputs: Int32Array[] = [];
  layout.ops.forEach((o, k) => {
    const ins = o.inputs.map((r) =>
      r.from === "start"
        ? (start[r.index] as Int32Array)
        : r.from === "op"
          ? (outputs[r.index] as Int32Array)
          : (values as Int32Array),
    );
    const out = evalOp(o, ins, ctx);
    if (lie && lie.transition === t && lie.op === k) {
      if (!(lie.element >= 0 && lie.element < out.length))
        throw new RangeError(
          `lie.element must be in [0, ${out.length}) for op ${o.name}, got ${lie.element}`,
        );
      out[lie.element] = sat((out[lie.element] as number) + (lie.delta ?? DEFAULT_DELTA));
    }
    outputs.push(out);
  });
  const end = layout.endSources.map((k) => outputs[k] as Int32Array);
  if (corrupt && corrupt.transition === t) {
    const c = corrupt.component ?? 0;
    const e = corrupt.element ?? 0;
    const src = end[c];
    if (!src) throw new RangeError(`corrupt.component must be in [0, ${end.length}), got ${c}`);
    if (!(e >= 0 && e < src.length))
      throw new RangeError(`corrupt.element must be in [0, ${src.length}), got ${e}`);
    const copy = src.slice();
    copy[e] = sat((copy[e] as number) + (corrupt.delta ?? DEFAULT_DELTA));
    end[c] = copy;
  }
  return { outputs, end };
}

/** Runs the whole program (ARITHMETIC.md §4). */
export function runProgram(spec: FixedSpec, data: FixedData, opts: RunOptions = {}): ProgramRun {
  const n = numTransitions(spec);
  const specHash = specHashOf(spec);
  const specBytes = fromHex(specHash);
  const every = opts.checkpointEvery ?? 10;
  if (!(Number.isSafeInteger(every) && every >= 1))
    throw new RangeError(`checkpointEvery must be >= 1, got ${every}`);
  for (const [name, o] of [
    ["corrupt", opts.corrupt],
    ["lie", opts.lie],
  ] as const) {
    if (o && !(Number.isSafeInteger(o.transition) && o.transition >= 0 && o.transition < n))
      throw new RangeError(`${name}.transition must be in [0, ${n}), got ${o.transition}`);
  }
  const commitAll = (opts.commit ?? "all") === "all";
  // Genesis components of an inference program are its inputs and weights, never mutated: their roots are
  // memoised per array (a provider serving one model hashes its weights once). Other states hash afresh.
  const hashOf = (t: number, comps: readonly Int32Array[]) =>
    stateHashBytes(specBytes, t, comps.map(t === 0 ? cachedRootBytes : tensorRootBytes));
  let comps = genesisComponents(spec, data);
  const checkpoints = new Map<number, Int32Array[]>([[0, comps]]);
  const states: Hex[] = new Array(n + 1);
  states[0] = hashOf(0, comps);
  for (let t = 0; t < n; t++) {
    comps = runTransition(spec, data, t, comps, opts.lie, opts.corrupt).end;
    if (commitAll || t + 1 === n) states[t + 1] = hashOf(t + 1, comps);
    if ((t + 1) % every === 0 || t + 1 === n) checkpoints.set(t + 1, comps);
  }
  const finalComps = comps;
  const run: ProgramRun = {
    spec,
    specHash,
    n,
    states,
    finalState: states[n] as Hex,
    components: finalComps,
    checkpoints,
    checkpointEvery: every,
    data,
    stateAt(t: number): Hex {
      if (!(Number.isSafeInteger(t) && t >= 0 && t <= n))
        throw new RangeError(`state must be in [0, ${n}], got ${t}`);
      const known = states[t];
      if (known) return known;
      const h = hashOf(t, componentsAt(run, t));
      states[t] = h;
      return h;
    },
    toMlp(): Mlp {
      if (spec.kind !== "mlp-train") throw new TypeError("toMlp: only training runs have weights");
      const f = (x: Int32Array) => Float64Array.from(x, (v) => v / 65536);
      const [w1, b1, w2, b2] = finalComps as [Int32Array, Int32Array, Int32Array, Int32Array];
      const scale = "inputScale" in data ? data.inputScale : 1;
      return {
        sizes: [spec.nIn, spec.nHidden, spec.nOut],
        weights: [f(w1), f(w2)],
        biases: [f(b1), f(b2)],
        inputScale: new Float64Array(spec.nIn).fill(scale),
      };
    },
  };
  if (opts.corrupt) run.corrupt = opts.corrupt;
  if (opts.lie) run.lie = opts.lie;
  return run;
}

/** Components of state t, replayed from the nearest checkpoint (with the run's corruption/lie). */
export function componentsAt(run: ProgramRun, t: number): Int32Array[] {
  let from = t;
  while (from > 0 && !run.checkpoints.has(from)) from--;
  let comps = run.checkpoints.get(from) as Int32Array[];
  for (let s = from; s < t; s++)
    comps = runTransition(run.spec, run.data, s, comps, run.lie, run.corrupt).end;
  return comps;
}

export type TransitionTrace = {
  t: number;
  startComponents: Hex[];
  opRoots: Hex[];
  endComponents: Hex[];
  opNames: string[];
  /** The start component tensors and every op's output tensor (the corrupted one for a corrupted end source). */
  startTensors: Int32Array[];
  opOutputs: Int32Array[];
};

const traceCache = new WeakMap<ProgramRun, TransitionTrace>();
const rootHex = (x: Int32Array): Hex => toHex(cachedRootBytes(x));

/** The op-level trace of transition t of the run, as the run computed it (lie and corruption included). */
export function transitionTrace(
  spec: FixedSpec,
  data: FixedData,
  run: ProgramRun,
  t: number,
): TransitionTrace {
  if (!(Number.isSafeInteger(t) && t >= 0 && t < run.n))
    throw new RangeError(`transition must be in [0, ${run.n}), got ${t}`);
  const cached = traceCache.get(run);
  if (cached && cached.t === t && run.spec === spec && run.data === data) return cached;
  const start = componentsAt({ ...run, spec, data }, t);
  const { outputs, end } = runTransition(spec, data, t, start, run.lie, run.corrupt);
  const layout = transitionLayout(spec, t);
  // A corrupted end component is what the asserter must present as its source op's output.
  const opOutputs = outputs.slice();
  layout.endSources.forEach((k, c) => {
    if (end[c] !== outputs[k]) opOutputs[k] = end[c] as Int32Array;
  });
  const trace: TransitionTrace = {
    t,
    startComponents: start.map(rootHex),
    opRoots: opOutputs.map(rootHex),
    endComponents: end.map(rootHex),
    opNames: layout.ops.map((o) => o.name),
    startTensors: start,
    opOutputs,
  };
  traceCache.set(run, trace);
  return trace;
}

export type Divergence = {
  op: number;
  opName: string;
  element: number;
  /** False when the other side's op outputs were not given: the element is a guess (0). */
  elementKnown: boolean;
};

/**
 * The challenger's pick in transition t: the first op whose root differs from the honest run's, and (given the
 * other side's op output values) the first differing element of it.
 */
export function firstDivergence(
  spec: FixedSpec,
  data: FixedData,
  honestRun: ProgramRun,
  t: number,
  theirOpRoots: readonly Hex[],
  theirOutputs?: readonly Int32Array[],
): Divergence {
  const mine = transitionTrace(spec, data, honestRun, t);
  if (theirOpRoots.length !== mine.opRoots.length)
    throw new RangeError(
      `firstDivergence: ${theirOpRoots.length} op roots, transition ${t} has ${mine.opRoots.length}`,
    );
  const op = mine.opRoots.findIndex(
    (r, k) => r.toLowerCase() !== (theirOpRoots[k] as string).toLowerCase(),
  );
  if (op < 0)
    throw new Error(`firstDivergence: every op root of transition ${t} agrees with the honest run`);
  const opName = mine.opNames[op] as string;
  const theirs = theirOutputs?.[op];
  if (!theirs) return { op, opName, element: 0, elementKnown: false };
  const honest = mine.opOutputs[op] as Int32Array;
  let element = -1;
  for (let e = 0; e < honest.length; e++)
    if (honest[e] !== theirs[e]) {
      element = e;
      break;
    }
  // Same values but a different root: the difference is in the padding.
  if (element < 0) element = honest.length;
  return { op, opName, element, elementKnown: true };
}
