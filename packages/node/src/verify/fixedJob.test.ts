// The pieces of optimistic jobs that need no chain: the manifest's program spec, spec bytes read
// back, the split points the contract uses, and a challenger's pick against a cheating run (with
// and without the asserter's op outputs: then by descent over the op's tree, as the reveal move
// shows it).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  encodeSpec,
  firstDifferingNode,
  type MlpTrainSpec,
  nodeAt,
  nodeReveal,
  toHex,
} from "@noosphere/ml";
import { parseJobManifest, type TrainingJobManifest } from "@noosphere/sdk";
import { describe, expect, it } from "vitest";
import {
  decodeSpec,
  fixedDatasetOfText,
  programViewOf,
  runFixed,
  trainSpecOf,
} from "./fixedJob.js";
import { splitPoints } from "./program.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const trainCsv = path.resolve(here, "../../../../examples/digits/train.csv");

const manifest = (steps?: number) =>
  parseJobManifest(`version: "1"
kind: training
input: ./train.csv
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: 2
${steps === undefined ? "" : `  steps: ${steps}\n`}  batchSize: 32
  seed: 7
  labelsColumn: label
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: optimistic, challengeWindow: 10m, bond: "10" }
deadline: 10m
`) as TrainingJobManifest;

describe("optimistic training jobs", async () => {
  const data = fixedDatasetOfText(await readFile(trainCsv, "utf8"), "csv", "label");

  it("the manifest's training block is the program's spec; its bytes read back to it", () => {
    expect(data.n).toBe(1437);
    expect(data.inputScale).toBe(1 / 16);
    const spec = trainSpecOf(manifest(), data);
    expect(spec).toMatchObject({ nIn: 64, nHidden: 32, nOut: 10, batch: 32, seed: 7, muQ: 58982 });
    expect(spec.steps).toBe(Math.ceil((2 * 1437) / 32));
    expect(trainSpecOf(manifest(1000), data).steps).toBe(1000);
    expect(decodeSpec(encodeSpec(spec))).toEqual(spec);
  });

  it("split points are the contract's: k = min(arity - 1, hi - lo - 1) evenly spaced points", () => {
    expect(splitPoints(0, 1001, 32)).toHaveLength(31);
    expect(splitPoints(0, 1001, 32)[0]).toBe(Math.floor(1001 / 32));
    expect(splitPoints(10, 14, 32)).toEqual([11, 12, 13]);
    expect(splitPoints(3, 4, 16)).toEqual([]);
  });

  it("a challenger finds the first differing op and, with the asserter's outputs, the element", async () => {
    const spec: MlpTrainSpec = { ...trainSpecOf(manifest(6), data) };
    const honest = programViewOf(spec, data, runFixed(spec, data));
    const liar = programViewOf(
      spec,
      data,
      runFixed(spec, data, { lie: { transition: 4, op: 3, element: 70 } }),
    );
    expect(honest.stateAt(4)).toBe(liar.stateAt(4));
    expect(honest.stateAt(5)).not.toBe(liar.stateAt(5));
    const theirs = liar.trace(4);
    const served = (op: number) => Promise.resolve(liar.opOutput(4, op));
    expect(await honest.divergence(4, theirs.opRoots, served)).toEqual({
      op: 3,
      element: 70,
      elementKnown: true,
    });
    // Without the outputs (or with values that are not what it committed to) the element is a guess.
    const guess = { op: 3, element: 0, elementKnown: false };
    expect(await honest.divergence(4, theirs.opRoots)).toEqual(guess);
    const wrong = (op: number) => Promise.resolve(honest.opOutput(4, op));
    expect(await honest.divergence(4, theirs.opRoots, wrong)).toEqual(guess);
    // ...and the challenger finds it by descent over the op's tree (what revealNodes shows it).
    const mine = honest.opLevels(4, 3);
    const their = liar.opLevels(4, 3);
    expect(toHex(nodeAt(their, 0, 0))).toBe(theirs.opRoots[3]);
    let at: { level: number; index: number; element?: number } = { level: 0, index: 0 };
    while (at.element === undefined) {
      const r = nodeReveal(their, at.level, at.index, 4);
      at = firstDifferingNode(mine, at.level, at.index, r.nodes) as typeof at;
    }
    expect(at.element).toBe(70);
  });
});
