// The challenger's descent (descentStep) without a chain: from the asserter's root and the nodes it
// reveals (what NodesRevealed carries), down to the first element where its op output differs.
import { merkleLevels, nodeReveal, tensorRoot, toHex } from "@noosphere/ml";
import { describe, expect, it } from "vitest";
import { descentStep, turnOf } from "./player.js";

const values = (n: number) => Int32Array.from({ length: n }, (_, i) => i * 37 - 500);

/** Plays the descent against an asserter whose tensor is `theirs`; returns the element and the reveals. */
function descend(mine: Int32Array, theirs: Int32Array): { element: number; reveals: number } {
  const my = merkleLevels(mine);
  const their = merkleLevels(theirs);
  let step = descentStep(my, { root: tensorRoot(theirs) });
  let reveals = 0;
  while (!("element" in step)) {
    const r = nodeReveal(their, step.level, step.index, 4);
    reveals++;
    step = descentStep(my, { ...step, nodes: r.nodes.map((n) => toHex(n)) });
  }
  return { element: step.element, reveals };
}

describe("the challenger's descent over an op's output tree", () => {
  it("finds the first differing element of a deep tree in ceil(d / 4) reveals", () => {
    const mine = values(5000); // 625 leaves, d = 10
    for (const e of [0, 1, 777, 4096, 4999]) {
      const theirs = mine.slice();
      theirs[e] = (theirs[e] as number) + 1;
      theirs[4999] = (theirs[4999] as number) - 3; // a later difference too (the first one is named)
      expect(descend(mine, theirs)).toEqual({ element: e, reveals: 3 });
    }
  });

  it("reads a one-leaf op (at most 8 elements) from its root, with no reveal", () => {
    const mine = values(5);
    for (const e of [0, 3, 4]) {
      const theirs = mine.slice();
      theirs[e] = 99;
      expect(descend(mine, theirs)).toEqual({ element: e, reveals: 0 });
    }
    // A value in the padding (the root differs, the 5 values do not): element 5..7.
    const padded = new Int32Array(8);
    padded.set(mine);
    padded[6] = 1;
    expect(descentStep(merkleLevels(mine), { root: tensorRoot(padded) })).toEqual({ element: 6 });
  });

  it("Reveal is the asserter's turn", () => {
    expect(turnOf("Reveal")).toBe("asserter");
    expect(turnOf("Pick")).toBe("challenger");
  });
});
