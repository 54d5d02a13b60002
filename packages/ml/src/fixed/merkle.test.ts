// Node helpers of the positional tensor tree (the dispute's reveal move), cross-checked against
// tensorRoot / merkleLevels / merkleProof.
import { describe, expect, test } from "vitest";
import { fromHex, toHex } from "./hash.js";
import {
  depthOf,
  firstDifferingNode,
  hashUp,
  leafBytes,
  merkleLevels,
  merkleProof,
  nodeAt,
  nodeProof,
  nodeReveal,
  nodesBelow,
  rootFromProof,
  tensorRoot,
  verifyReveal,
} from "./merkle.js";

const tensor = (n: number, seed = 1) =>
  Int32Array.from({ length: n }, (_, i) => ((i * 2654435761 + seed * 97) % 2 ** 31) - 2 ** 30);

describe("tensor tree nodes by (level, index)", () => {
  test("level 0 is the root, level d the leaf words; every node is the hash of its two children", () => {
    for (const n of [1, 8, 9, 100, 1000]) {
      const v = tensor(n);
      const levels = merkleLevels(v);
      const d = depthOf(n);
      expect(levels.length - 1).toBe(d);
      expect(toHex(nodeAt(levels, 0, 0))).toBe(tensorRoot(v));
      const leaves = leafBytes(v);
      for (let i = 0; i < 2 ** d; i++)
        expect(nodeAt(levels, d, i)).toEqual(leaves.slice(32 * i, 32 * i + 32));
      for (let l = 0; l < d; l++)
        for (let i = 0; i < 2 ** l; i++)
          expect(hashUp(nodesBelow(levels, l, i, 1))).toEqual(nodeAt(levels, l, i));
    }
  });

  test("the 2^k nodes under a node hash up to it, and its proof leads to the root", () => {
    const v = tensor(1000); // d = 7
    const levels = merkleLevels(v);
    const root = fromHex(tensorRoot(v));
    for (const [level, index, k] of [
      [0, 0, 4],
      [2, 3, 4],
      [3, 5, 4],
      [5, 17, 2],
      [6, 63, 1],
    ] as const) {
      const nodes = nodesBelow(levels, level, index, k);
      expect(nodes.length).toBe(2 ** k);
      const node = hashUp(nodes);
      expect(node).toEqual(nodeAt(levels, level, index));
      const proof = nodeProof(levels, level, index);
      expect(proof.length).toBe(level);
      expect(rootFromProof(node, index, proof)).toEqual(root);
    }
    // A leaf's node proof is merkleProof's.
    const leafProof = merkleProof(levels, 77);
    expect(nodeProof(levels, 7, 77)).toEqual(leafProof.siblings);
    expect(nodesBelow(levels, 6, 38, 1)[1]).toEqual(leafProof.leaf);
  });

  test("nodeReveal opens min(K, d - level) levels; verifyReveal accepts it and rejects any change", () => {
    const v = tensor(1000);
    const levels = merkleLevels(v);
    const root = fromHex(tensorRoot(v));
    const a = nodeReveal(levels, 0, 0, 4);
    expect(a.k).toBe(4);
    expect(a.nodes.length).toBe(16);
    expect(a.proof.length).toBe(0);
    expect(verifyReveal(root, 0, 0, a.nodes, a.proof)).toBe(true);
    const b = nodeReveal(levels, 4, 9, 4);
    expect(b.k).toBe(3); // d - level
    expect(b.nodes).toEqual(nodesBelow(levels, 4, 9, 3));
    expect(verifyReveal(root, 4, 9, b.nodes, b.proof)).toBe(true);
    expect(verifyReveal(root, 4, 8, b.nodes, b.proof)).toBe(false);
    expect(verifyReveal(root, 4, 9, b.nodes, b.proof.slice(1))).toBe(false);
    const bad = b.nodes.map((x) => x.slice());
    const flipped = bad[5] as Uint8Array;
    flipped[31] = (flipped[31] as number) ^ 1;
    expect(verifyReveal(root, 4, 9, bad, b.proof)).toBe(false);
    expect(verifyReveal(root, 4, 9, b.nodes.slice(0, 7), b.proof)).toBe(false);
    expect(() => nodeReveal(levels, 7, 0, 4)).toThrow(/level must be in \[0, 7\)/);
    expect(() => nodeReveal(levels, 2, 4, 4)).toThrow(/index must be in \[0, 4\)/);
  });

  test("descending by reveals finds the first differing element of two tensors", () => {
    const mine = tensor(1000);
    for (const e of [0, 7, 8, 500, 999, 1020]) {
      // 1020 is in the padding (capacity 1024): the other side's tree has a nonzero there.
      const theirs = new Int32Array(1024);
      theirs.set(mine);
      theirs[e] = (theirs[e] as number) + 1;
      if (e === 500) theirs[900] = 5; // a later difference too: the first one is found
      const my = merkleLevels(mine);
      const their = merkleLevels(theirs);
      const d = my.length - 1;
      let at: { level: number; index: number; element?: number } = { level: 0, index: 0 };
      let reveals = 0;
      for (;;) {
        const r = nodeReveal(their, at.level, at.index, 4);
        expect(verifyReveal(nodeAt(their, 0, 0), at.level, at.index, r.nodes, r.proof)).toBe(true);
        reveals++;
        const next = firstDifferingNode(my, at.level, at.index, r.nodes);
        expect(next).toBeDefined();
        at = next as typeof at;
        if (at.level === d) break;
      }
      expect(at.element).toBe(e);
      expect(reveals).toBe(Math.ceil(d / 4));
    }
    // Same nodes: no difference.
    const l = merkleLevels(mine);
    expect(firstDifferingNode(l, 0, 0, nodesBelow(l, 0, 0, 4))).toBeUndefined();
  });
});
