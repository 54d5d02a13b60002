// What a player of the optimistic game needs from the fixed-point executor (@noosphere/ml's
// `fixed`): its own run of the program (honest, or with the fault a test asks for), the state hash
// at any t, the trace of any transition, the opening of one element, and where another party's
// trace first differs from its own. Both sides use the same view: the asserter (the provider's
// defender) answers with its run, the challenger (the watcher) compares against its run.
import type { Hex } from "viem";

/** One transition's commitments (state t -> t + 1). */
export type TransitionTrace = {
  startComponents: Hex[];
  opRoots: Hex[];
  endComponents: Hex[];
  opNames: string[];
};

/** Output values of one op (what a challenger needs to name the wrong element). */
export type OpOutput = readonly number[];

export type ProgramView = {
  specHash: Hex;
  /** The program's states are 0..n. */
  n: number;
  stateAt(t: number): Hex;
  trace(t: number): TransitionTrace;
  /** The op's output values in transition t (for the other side's choice of element). */
  opOutput(t: number, op: number): OpOutput;
  /** The `opening` bytes of `checkElement` for output `element` of op `op` in transition t. */
  opening(t: number, op: number, element: number): Hex;
  /**
   * The first op (and element) of transition t where the other side's trace differs from this run.
   * `theirOutput` (the other side's values of that op, when it serves them) picks the element
   * (elementKnown); without it (or when the values are not the tensor the root commits to) the
   * element is a guess (the first one), and the challenger finds it by descent instead (requestNodes).
   */
  divergence(
    t: number,
    theirOpRoots: readonly Hex[],
    theirOutput?: (op: number) => Promise<OpOutput | undefined>,
  ): Promise<{ op: number; element: number; elementKnown: boolean }>;
  /**
   * The Merkle tree of op `op`'s output in transition t (@noosphere/ml merkleLevels: levels[0] the
   * leaf words, levels[d] the root): the asserter reveals its nodes, the challenger compares them.
   */
  opLevels(t: number, op: number): readonly Uint8Array[];
};

/** A wrong value a (test) provider or challenger writes into its run. */
export type ProgramFault =
  /** After transition `transition`, component `component`'s element `element` is off by `delta`. */
  | { corrupt: { transition: number; component?: number; element?: number; delta?: number } }
  /** Inside transition `transition`, op `op`'s output element `element` is off by `delta`. */
  | { lie: { transition: number; op: number; element: number; delta?: number } };

/** Evenly spaced points of (lo, hi) where a bisection posts states (IOptimisticVerifier.splitPoints). */
export function splitPoints(lo: number, hi: number, arity: number): number[] {
  const k = Math.min(arity - 1, hi - lo - 1);
  const points: number[] = [];
  for (let j = 1; j <= k; j++) points.push(lo + Math.floor((j * (hi - lo)) / (k + 1)));
  return points;
}
