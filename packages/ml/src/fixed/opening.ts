// Element openings for IStepReferee.checkElement (ARITHMETIC.md §5) and a TS port of the check.
import { decodeAbiParameters, encodeAbiParameters, type Hex } from "viem";
import type { FixedDataset } from "./dataset.js";
import { fromHex, toHex } from "./hash.js";
import {
  capacityOf,
  depthOf,
  leafElement,
  merkleLevels,
  merkleProof,
  verifyProof,
} from "./merkle.js";
import {
  evalElement,
  makeContext,
  type OpDef,
  type OperandRef,
  operandElements,
  transitionLayout,
} from "./program.js";
import type { FixedData, ProgramRun } from "./run.js";
import { transitionTrace } from "./run.js";
import { type FixedSpec, sampleStride } from "./spec.js";

export class OpeningError extends Error {
  override name = "OpeningError";
}

const levelsCache = new WeakMap<Int32Array, Uint8Array[]>();
function levelsOf(x: Int32Array): Uint8Array[] {
  let l = levelsCache.get(x);
  if (!l) {
    l = merkleLevels(x);
    levelsCache.set(x, l);
  }
  return l;
}

/** Sorted distinct leaf indices holding the given elements. */
function leavesOf(elements: readonly number[]): number[] {
  return [...new Set(elements.map((e) => Math.floor(e / 8)))].sort((a, b) => a - b);
}

function checkTarget(spec: FixedSpec, t: number, op: number, element: number): OpDef {
  const layout = transitionLayout(spec, t);
  const o = layout.ops[op];
  if (!o)
    throw new RangeError(`op must be in [0, ${layout.ops.length}) for transition ${t}, got ${op}`);
  const cap = capacityOf(o.size);
  if (!(Number.isSafeInteger(element) && element >= 0 && element < cap))
    throw new RangeError(`element must be in [0, ${cap}) for op ${o.name}, got ${element}`);
  return o;
}

/** The `opening` bytes for checkElement(specHash, t, op, element, startComponents, opRoots, opening). */
export function openElement(
  spec: FixedSpec,
  data: FixedData,
  run: ProgramRun,
  t: number,
  op: number,
  element: number,
): Hex {
  const o = checkTarget(spec, t, op, element);
  const trace = transitionTrace(spec, data, run, t);
  const words: Uint8Array[] = [];
  const siblings: Uint8Array[] = [];
  const add = (tensor: Int32Array, leaf: number) => {
    const p = merkleProof(levelsOf(tensor), leaf);
    words.push(p.leaf);
    siblings.push(...p.siblings);
  };
  if (element < o.size) {
    const ctx = makeContext(spec, t);
    const els = operandElements(o, element, ctx);
    o.inputs.forEach((r, j) => {
      const tensor =
        r.from === "start"
          ? (trace.startTensors[r.index] as Int32Array)
          : r.from === "op"
            ? (trace.opOutputs[r.index] as Int32Array)
            : (data as FixedDataset).values;
      for (const leaf of leavesOf(els[j] as number[])) add(tensor, leaf);
    });
  }
  add(trace.opOutputs[op] as Int32Array, Math.floor(element / 8));
  return encodeAbiParameters(
    [{ type: "bytes32[]" }, { type: "bytes32[]" }],
    [words.map((w) => toHex(w)), siblings.map((s) => toHex(s))],
  );
}

/**
 * TS reference of IStepReferee.checkElement: verifies every opened leaf against its root and recomputes the
 * element. Returns whether the asserter's output element is right; throws OpeningError on a bad opening.
 */
export function verifyOpening(
  spec: FixedSpec,
  t: number,
  op: number,
  element: number,
  startComponents: readonly Hex[],
  opRoots: readonly Hex[],
  opening: Hex,
): boolean {
  const layout = transitionLayout(spec, t);
  if (startComponents.length !== layout.startSizes.length)
    throw new OpeningError(
      `startComponents: expected ${layout.startSizes.length}, got ${startComponents.length}`,
    );
  if (opRoots.length !== layout.ops.length)
    throw new OpeningError(`opRoots: expected ${layout.ops.length}, got ${opRoots.length}`);
  const o = checkTarget(spec, t, op, element);
  const [wordsHex, sibsHex] = decodeAbiParameters(
    [{ type: "bytes32[]" }, { type: "bytes32[]" }],
    opening,
  );
  const words = wordsHex.map(fromHex);
  const sibs = sibsHex.map(fromHex);
  let w = 0;
  let s = 0;
  const take = (root: Hex, count: number, leaf: number, what: string): Uint8Array => {
    const word = words[w++];
    if (!word) throw new OpeningError(`too few leaf words (needed one for ${what} leaf ${leaf})`);
    const d = depthOf(count);
    if (s + d > sibs.length)
      throw new OpeningError(`too few siblings (${what} leaf ${leaf} needs ${d})`);
    const proof = sibs.slice(s, s + d);
    s += d;
    if (!verifyProof(word, leaf, proof, fromHex(root)))
      throw new OpeningError(`bad proof for ${what} leaf ${leaf}`);
    return word;
  };
  const rootOf = (r: OperandRef): { root: Hex; count: number } => {
    if (r.from === "start")
      return { root: startComponents[r.index] as Hex, count: layout.startSizes[r.index] as number };
    if (r.from === "op")
      return { root: opRoots[r.index] as Hex, count: (layout.ops[r.index] as OpDef).size };
    if (spec.kind !== "mlp-train") throw new OpeningError("data operand in a non-training spec");
    return { root: spec.dataRoot, count: spec.n * sampleStride(spec.nIn) };
  };
  let computed = 0;
  if (element < o.size) {
    const ctx = makeContext(spec, t);
    const els = operandElements(o, element, ctx);
    const vals = o.inputs.map((r, j) => {
      const { root, count } = rootOf(r);
      const need = els[j] as number[];
      const opened = new Map<number, Uint8Array>();
      for (const leaf of leavesOf(need)) opened.set(leaf, take(root, count, leaf, `operand ${j}`));
      return need.map((e) => leafElement(opened.get(Math.floor(e / 8)) as Uint8Array, e % 8));
    });
    computed = evalElement(o, element, vals, ctx);
  }
  const outLeaf = take(opRoots[op] as Hex, o.size, Math.floor(element / 8), "output");
  if (w !== words.length || s !== sibs.length)
    throw new OpeningError(
      `extra opening data: ${words.length - w} words, ${sibs.length - s} siblings left`,
    );
  return leafElement(outLeaf, element % 8) === computed;
}
