import { fileURLToPath } from "node:url";
import { keccak_256 } from "@noble/hashes/sha3";
import {
  concat,
  decodeAbiParameters,
  encodeAbiParameters,
  type Hex,
  keccak256,
  toHex as viemHex,
} from "viem";
import { beforeAll, describe, expect, test } from "vitest";
import { type FixedDataset, loadDigitsDataset, readDigitsCsv } from "./dataset.js";
import { digitsTrainSpecFor, mlpInferProgram, quantizeRows } from "./digits.js";
import { batchIndices, feistelKey, feistelParams, feistelPermute, sampleIndex } from "./feistel.js";
import { fromHex, keccakInto, toHex } from "./hash.js";
import {
  capacityOf,
  depthOf,
  merkleLevels,
  merkleProof,
  tensorRoot,
  verifyProof,
} from "./merkle.js";
import { OpeningError, openElement, verifyOpening } from "./opening.js";
import { initTensor } from "./prng.js";
import { transitionLayout } from "./program.js";
import { firstDivergence, type ProgramRun, runProgram, stateHash, transitionTrace } from "./run.js";
import { encodeSpec, type MlpTrainSpec, specHashOf } from "./spec.js";

const digitsPath = fileURLToPath(new URL("../../../../examples/data/digits.csv", import.meta.url));

/** Naive R10 root with viem (hex strings), the reference for the fast one. */
function naiveRoot(values: Int32Array): Hex {
  const d = depthOf(values.length);
  const words: Hex[] = [];
  for (let j = 0; j < 2 ** d; j++) {
    const parts: Hex[] = [];
    for (let q = 0; q < 8; q++) {
      const v = values[8 * j + q] ?? 0;
      parts.push(viemHex(v >>> 0, { size: 4 }));
    }
    words.push(concat(parts));
  }
  let level = words;
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(keccak256(concat([level[i] as Hex, level[i + 1] as Hex])));
    level = next;
  }
  return level[0] as Hex;
}

describe("hashing and Merkle trees (R10)", () => {
  test("the unrolled keccak matches @noble/hashes for every one-block length", () => {
    const out = new Uint8Array(32);
    for (let len = 0; len < 136; len += 7) {
      const m = new Uint8Array(len).map((_, i) => (i * 37 + len) & 255);
      keccakInto(m, 0, len, out, 0);
      expect(toHex(out)).toBe(toHex(keccak_256(m)));
    }
  });

  test("roots match a naive implementation; every leaf's proof verifies; a wrong one does not", () => {
    for (const n of [1, 8, 9, 17, 100]) {
      const v = Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0);
      expect(tensorRoot(v)).toBe(naiveRoot(v));
      expect(capacityOf(n)).toBe(8 * 2 ** depthOf(n));
      const levels = merkleLevels(v);
      const root = fromHex(tensorRoot(v));
      for (let leaf = 0; leaf < 2 ** depthOf(n); leaf++) {
        const p = merkleProof(levels, leaf);
        expect(verifyProof(p.leaf, leaf, p.siblings, root)).toBe(true);
        if (p.siblings.length > 0 && toHex(p.siblings[0] as Uint8Array) !== toHex(p.leaf))
          expect(verifyProof(p.leaf, leaf ^ 1, p.siblings, root)).toBe(false);
        const bad = p.leaf.slice();
        bad[3] = (bad[3] as number) ^ 1;
        expect(verifyProof(bad, leaf, p.siblings, root)).toBe(false);
      }
    }
    expect(depthOf(8)).toBe(0);
    expect(depthOf(2048)).toBe(8);
  });
});

describe("PRNG (R8) and Feistel minibatches (R9)", () => {
  test("the Feistel map is a permutation of [0, N) for several N", () => {
    for (const n of [1, 2, 3, 5, 16, 100, 1437]) {
      const key = feistelKey(3, 1);
      const p = feistelParams(n);
      const seen = new Set<number>();
      for (let x = 0; x < n; x++) seen.add(feistelPermute(key, p, x));
      expect(seen.size).toBe(n);
      expect(Math.min(...seen)).toBe(0);
      expect(Math.max(...seen)).toBe(n - 1);
    }
    expect(feistelParams(1437)).toEqual({ n: 1437, h: 6, mask: 63 });
    const idx = batchIndices(1, 1437, 32, 44); // crosses the epoch boundary at g = 1437
    expect(idx).toHaveLength(32);
    idx.forEach((x, i) => {
      expect(x).toBe(sampleIndex(1, 1437, 32, 44, i));
    });
  });

  test("init values are uniform in [-scale, scale) and reproducible", () => {
    const w = initTensor(1, 0, 4000, 16384);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-16384);
    expect(Math.max(...w)).toBeLessThan(16384);
    expect(Math.abs(w.reduce((a, b) => a + b, 0) / w.length)).toBeLessThan(600);
    expect(initTensor(1, 0, 4000, 16384)).toEqual(w);
    expect(initTensor(1, 2, 10, 16384)).not.toEqual(w.slice(0, 10));
  });
});

describe("specs and state hashes (§2, R11)", () => {
  const spec: MlpTrainSpec = digitsTrainSpecFor({
    root: `0x${"ab".repeat(32)}`,
    n: 1437,
  } as FixedDataset);
  test("encodeSpec is the 13-word abi.encode tuple and specHashOf its keccak256", () => {
    const bytes = encodeSpec(spec);
    expect((bytes.length - 2) / 2).toBe(13 * 32);
    const words = decodeAbiParameters(
      [
        "uint256",
        "uint256",
        "uint256",
        "uint256",
        "uint256",
        "uint256",
        "int256",
        "int256",
        "uint256",
        "int256",
        "int256",
        "uint256",
        "bytes32",
      ].map((type) => ({ type })),
      bytes,
    );
    expect(words.slice(0, 6)).toEqual([1n, 64n, 32n, 10n, 32n, 1000n]);
    expect(words[12]).toBe(spec.dataRoot);
    expect(specHashOf(spec)).toBe(keccak256(bytes));
    expect(() => encodeSpec({ ...spec, batch: 0 })).toThrow(/spec.batch/);
    expect(() => encodeSpec({ ...spec, lrQ: 2 ** 31 })).toThrow(/spec.lrQ/);
  });
  test("stateHash is keccak256(abi.encode(bytes32, uint256, bytes32[]))", () => {
    const h = specHashOf(spec);
    for (const comps of [[], [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`]] as Hex[][]) {
      const want = keccak256(
        encodeAbiParameters(
          [{ type: "bytes32" }, { type: "uint256" }, { type: "bytes32[]" }],
          [h, 7n, comps],
        ),
      );
      expect(stateHash(h, 7, comps)).toBe(want);
    }
  });
});

describe("runProgram, traces, divergence and openings (steps 6)", () => {
  let data: FixedDataset;
  let spec: MlpTrainSpec;
  let honest: ProgramRun;
  beforeAll(() => {
    data = loadDigitsDataset(readDigitsCsv(digitsPath));
    spec = digitsTrainSpecFor(data, { steps: 6 });
    honest = runProgram(spec, data, { checkpointEvery: 2 });
  });

  test("is deterministic, and commit 'final' gives the same states on demand", () => {
    expect(honest.states).toHaveLength(8);
    const again = runProgram(spec, data, { commit: "final", checkpointEvery: 3 });
    expect(again.finalState).toBe(honest.finalState);
    for (let t = 0; t <= 7; t++) expect(again.stateAt(t)).toBe(honest.states[t]);
    expect(honest.states[0]).toBe(stateHash(specHashOf(spec), 0, []));
    expect(honest.components[8]).toEqual(Int32Array.of(6 * 32));
  });

  test("corrupt and lie change the states from that transition on, and the traces reproduce them", () => {
    const corrupt = runProgram(spec, data, {
      corrupt: { transition: 3, component: 0, element: 7 },
      checkpointEvery: 2,
    });
    const lie = runProgram(spec, data, {
      lie: { transition: 2, op: 2, element: 5 },
      checkpointEvery: 4,
    });
    for (let t = 0; t <= 7; t++) {
      expect(corrupt.states[t] === honest.states[t]).toBe(t <= 3);
      expect(lie.states[t] === honest.states[t]).toBe(t <= 2);
    }
    const h = specHashOf(spec);
    for (const [run, t] of [
      [honest, 0],
      [honest, 1],
      [honest, 5],
      [corrupt, 3],
      [corrupt, 4],
      [lie, 2],
    ] as const) {
      const tr = transitionTrace(spec, data, run, t);
      expect(stateHash(h, t, tr.startComponents)).toBe(run.states[t]);
      expect(stateHash(h, t + 1, tr.endComponents)).toBe(run.states[t + 1]);
      transitionLayout(spec, t).endSources.forEach((k, c) => {
        expect(tr.endComponents[c]).toBe(tr.opRoots[k]);
      });
    }
    // the challenger finds the lied op and element, and the corrupted weight's update op
    const lt = transitionTrace(spec, data, lie, 2);
    expect(firstDivergence(spec, data, honest, 2, lt.opRoots, lt.opOutputs)).toEqual({
      op: 2,
      opName: "z1",
      element: 5,
      elementKnown: true,
    });
    expect(firstDivergence(spec, data, honest, 2, lt.opRoots).elementKnown).toBe(false);
    const ct = transitionTrace(spec, data, corrupt, 3);
    expect(firstDivergence(spec, data, honest, 3, ct.opRoots, ct.opOutputs)).toEqual({
      op: 21,
      opName: "upd_W1",
      element: 7,
      elementKnown: true,
    });
    expect(() =>
      firstDivergence(spec, data, honest, 3, transitionTrace(spec, data, honest, 3).opRoots),
    ).toThrow(/agrees/);

    // the referee's check (TS port) convicts both liars at the picked element
    expect(
      verifyOpening(
        spec,
        2,
        2,
        5,
        lt.startComponents,
        lt.opRoots,
        openElement(spec, data, lie, 2, 2, 5),
      ),
    ).toBe(false);
    expect(
      verifyOpening(
        spec,
        2,
        2,
        6,
        lt.startComponents,
        lt.opRoots,
        openElement(spec, data, lie, 2, 2, 6),
      ),
    ).toBe(true);
    expect(
      verifyOpening(
        spec,
        3,
        21,
        7,
        ct.startComponents,
        ct.opRoots,
        openElement(spec, data, corrupt, 3, 21, 7),
      ),
    ).toBe(false);
  });

  test("openElement round-trips through verifyOpening for every op (operands, padding, init)", () => {
    for (const t of [0, 1, 6]) {
      const tr = transitionTrace(spec, data, honest, t);
      transitionLayout(spec, t).ops.forEach((o, k) => {
        const cap = capacityOf(o.size);
        for (const e of new Set([0, o.size - 1, Math.floor(o.size / 3), cap - 1])) {
          const opening = openElement(spec, data, honest, t, k, e);
          expect(
            verifyOpening(spec, t, k, e, tr.startComponents, tr.opRoots, opening),
            `${o.name}[${e}]`,
          ).toBe(true);
        }
      });
    }
    const tr = transitionTrace(spec, data, honest, 1);
    const opening = openElement(spec, data, honest, 1, 2, 40);
    const [words, sibs] = decodeAbiParameters(
      [{ type: "bytes32[]" }, { type: "bytes32[]" }],
      opening,
    );
    const badWords = [...words];
    badWords[0] = `0x${"00".repeat(32)}`;
    const bad = encodeAbiParameters(
      [{ type: "bytes32[]" }, { type: "bytes32[]" }],
      [badWords, sibs],
    );
    expect(() => verifyOpening(spec, 1, 2, 40, tr.startComponents, tr.opRoots, bad)).toThrow(
      OpeningError,
    );
    const short = encodeAbiParameters(
      [{ type: "bytes32[]" }, { type: "bytes32[]" }],
      [words, sibs.slice(1)],
    );
    expect(() => verifyOpening(spec, 1, 2, 40, tr.startComponents, tr.opRoots, short)).toThrow(
      OpeningError,
    );
    expect(() => openElement(spec, data, honest, 1, 2, capacityOf(32 * 32))).toThrow(
      /element must be/,
    );
  });

  test("an inference program over trained weights opens and checks too", () => {
    const rows = Array.from({ length: 5 }, (_, i) =>
      Array.from({ length: 64 }, (_, f) => ((i * 7 + f) % 17) / 16),
    );
    const { spec: ispec, input } = mlpInferProgram(
      honest.components.slice(0, 4),
      quantizeRows(rows),
      spec,
    );
    const run = runProgram(ispec, input);
    expect(run.n).toBe(1);
    expect(run.components[0]).toHaveLength(50);
    const tr = transitionTrace(ispec, input, run, 0);
    expect(stateHash(run.specHash, 1, tr.endComponents)).toBe(run.finalState);
    for (const [op, e] of [
      [0, 3],
      [1, 100],
      [2, 49],
      [2, 63],
    ] as const)
      expect(
        verifyOpening(
          ispec,
          0,
          op,
          e,
          tr.startComponents,
          tr.opRoots,
          openElement(ispec, input, run, 0, op, e),
        ),
      ).toBe(true);
    const liar = runProgram(ispec, input, {
      lie: { transition: 0, op: 2, element: 11, delta: -1 },
    });
    const lt = transitionTrace(ispec, input, liar, 0);
    expect(
      verifyOpening(
        ispec,
        0,
        2,
        11,
        lt.startComponents,
        lt.opRoots,
        openElement(ispec, input, liar, 0, 2, 11),
      ),
    ).toBe(false);
  });
});
