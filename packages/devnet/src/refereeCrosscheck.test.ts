// Cross-check: the Solidity step referee (MlpStepReferee, on a real anvil) against the TypeScript
// fixed-point executor of @noosphere/ml (runProgram, transitionTrace, openElement). Honest openings of
// random (transition, op, element) triples must be accepted, the element a run lied about must be
// rejected, and the genesis and state hashes must agree with TS. Also measures the gas of each op
// kind's element check on the digits program (eth_estimateGas: a whole transaction, 21k included).

import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  capacityOf,
  createFixedDataset,
  createRng,
  digitsTrainSpecFor,
  encodeSpec,
  type FixedData,
  type FixedSpec,
  loadDigitsDataset,
  mlpEvalProgramFromOnnx,
  mlpInferProgram,
  openElement,
  type ProgramRun,
  quantizeRows,
  readOnnx,
  runProgram,
  specHashOf,
  stateHash,
  transitionLayout,
  transitionTrace,
} from "@noosphere/ml";
import { mlpStepRefereeAbi, mlpStepRefereeBytecode } from "@noosphere/sdk";
import { type Address, encodeFunctionData, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestChain, type TestChain } from "./testing.js";

const digitsCsv = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../examples/data/digits.csv",
);
const digitsMlp = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../examples/digits/mlp.onnx",
);

let chain: TestChain;
let referee: Address;

async function register(spec: FixedSpec): Promise<Hex> {
  const hash = await chain.walletClient.writeContract({
    address: referee,
    abi: mlpStepRefereeAbi,
    functionName: "registerSpec",
    args: [encodeSpec(spec)],
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
  return specHashOf(spec);
}

type Triple = { t: number; op: number; element: number };

function checkArgs(spec: FixedSpec, data: FixedData, run: ProgramRun, x: Triple) {
  const trace = transitionTrace(spec, data, run, x.t);
  return [
    run.specHash,
    BigInt(x.t),
    BigInt(x.op),
    BigInt(x.element),
    trace.startComponents,
    trace.opRoots,
    openElement(spec, data, run, x.t, x.op, x.element),
  ] as const;
}

async function check(
  spec: FixedSpec,
  data: FixedData,
  run: ProgramRun,
  x: Triple,
): Promise<boolean> {
  return chain.publicClient.readContract({
    address: referee,
    abi: mlpStepRefereeAbi,
    functionName: "checkElement",
    args: checkArgs(spec, data, run, x),
  });
}

/** Random triples over transitions [t0, t1): op uniform, element mostly valid, sometimes padding. */
function randomTriples(
  spec: FixedSpec,
  t0: number,
  t1: number,
  count: number,
  seed: number,
): Triple[] {
  const r = createRng(seed);
  const out: Triple[] = [];
  for (let i = 0; i < count; i++) {
    const t = t0 + r.nextInt(t1 - t0);
    const ops = transitionLayout(spec, t).ops;
    const op = r.nextInt(ops.length);
    const size = (ops[op] as { size: number }).size;
    const cap = capacityOf(size);
    const element =
      cap > size && r.nextInt(8) === 0 ? size + r.nextInt(cap - size) : r.nextInt(size);
    out.push({ t, op, element });
  }
  return out;
}

/** The chain's view of state hashes and layouts against TS, for transition t of the run. */
async function checkStates(spec: FixedSpec, data: FixedData, run: ProgramRun, t: number) {
  const trace = transitionTrace(spec, data, run, t);
  expect(stateHash(run.specHash, t, trace.startComponents)).toBe(run.stateAt(t));
  expect(stateHash(run.specHash, t + 1, trace.endComponents)).toBe(run.stateAt(t + 1));
  const [starts, ops, endSources] = await chain.publicClient.readContract({
    address: referee,
    abi: mlpStepRefereeAbi,
    functionName: "transitionLayout",
    args: [run.specHash, BigInt(t)],
  });
  const layout = transitionLayout(spec, t);
  expect(Number(starts)).toBe(trace.startComponents.length);
  expect(Number(ops)).toBe(layout.ops.length);
  expect(endSources.map(Number)).toEqual(layout.endSources);
  endSources.forEach((k, c) => {
    expect(trace.endComponents[c]).toBe(trace.opRoots[Number(k)]);
  });
  for (let op = 0; op < layout.ops.length; op++) {
    const o = layout.ops[op] as { name: string; size: number };
    const [name, cap] = await Promise.all([
      chain.publicClient.readContract({
        address: referee,
        abi: mlpStepRefereeAbi,
        functionName: "opName",
        args: [run.specHash, BigInt(t), BigInt(op)],
      }),
      chain.publicClient.readContract({
        address: referee,
        abi: mlpStepRefereeAbi,
        functionName: "numElements",
        args: [run.specHash, BigInt(t), BigInt(op)],
      }),
    ]);
    expect(name).toBe(o.name);
    expect(Number(cap)).toBe(capacityOf(o.size));
  }
}

async function genesisOnChain(specHash: Hex): Promise<Hex> {
  return chain.publicClient.readContract({
    address: referee,
    abi: mlpStepRefereeAbi,
    functionName: "genesisState",
    args: [specHash],
  });
}

beforeAll(async () => {
  chain = await startTestChain();
  const hash = await chain.walletClient.deployContract({
    abi: mlpStepRefereeAbi,
    bytecode: mlpStepRefereeBytecode,
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("MlpStepReferee deployment has no address");
  referee = receipt.contractAddress;
});

afterAll(async () => {
  await chain?.stop();
});

describe("MlpStepReferee against the TS executor", () => {
  it("digits mlp-train (3 steps on the 1,437-sample dataset): honest openings pass, lies fail, gas per op", async () => {
    const data = loadDigitsDataset(digitsCsv);
    const spec = digitsTrainSpecFor(data, { steps: 3, seed: 7 });
    const run = runProgram(spec, data, { checkpointEvery: 1 });
    expect(await register(spec)).toBe(run.specHash);
    expect(await genesisOnChain(run.specHash)).toBe(run.states[0]);
    const n = await chain.publicClient.readContract({
      address: referee,
      abi: mlpStepRefereeAbi,
      functionName: "numTransitions",
      args: [run.specHash],
    });
    expect(Number(n)).toBe(run.n);
    for (let t = 0; t < run.n; t++) await checkStates(spec, data, run, t);

    // Every op of the init transition and of a training step, first and last element, then random triples.
    const triples: Triple[] = [];
    for (const t of [0, 2]) {
      transitionLayout(spec, t).ops.forEach((o, op) => {
        triples.push({ t, op, element: 0 }, { t, op, element: o.size - 1 });
      });
    }
    triples.push(...randomTriples(spec, 0, run.n, 150, 11));
    const results = await Promise.all(triples.map((x) => check(spec, data, run, x)));
    const rejected = triples.filter((_, i) => !results[i]);
    expect(rejected).toEqual([]);

    // Gas of each op's worst element (the last one: rows at the end of the tensors) in a training step.
    const gas: Record<string, number> = {};
    const ops = transitionLayout(spec, 1).ops;
    await Promise.all(
      ops.map(async (o, op) => {
        // checkElement is a view: estimate the transaction that would call it.
        const g = await chain.publicClient.estimateGas({
          to: referee,
          data: encodeFunctionData({
            abi: mlpStepRefereeAbi,
            functionName: "checkElement",
            args: checkArgs(spec, data, run, { t: 1, op, element: o.size - 1 }),
          }),
          account: chain.walletClient.account,
        });
        gas[o.name] = Number(g);
      }),
    );
    const worst = Math.max(...Object.values(gas));
    console.log(
      `MlpStepReferee element-check gas (digits, whole tx): ${JSON.stringify(gas)}; worst ${worst}`,
    );
    expect(worst).toBeLessThan(3_000_000);

    // Lies: one element of one op of transition 2 (later ops compute from it). The lied element is
    // rejected; the same op's other elements and the ops after it (computed from the lie) pass.
    for (const [opName, element] of [
      ["gather_x", 100],
      ["gather_y", 31],
      ["z1", 517],
      ["h1", 3],
      ["g2", 44],
      ["dh1", 900],
      ["dw1", 2047],
      ["db2", 9],
      ["mom_W2", 77],
      ["upd_b1", 31],
      ["cursor", 0],
    ] as const) {
      const op = ops.findIndex((o) => o.name === opName);
      const liar = runProgram(spec, data, {
        lie: { transition: 2, op, element },
        checkpointEvery: 1,
      });
      // The lie changes that op's output root (what the asserter posts).
      expect(transitionTrace(spec, data, liar, 2).opRoots[op], `${opName} lie root`).not.toBe(
        transitionTrace(spec, data, run, 2).opRoots[op],
      );
      expect(await check(spec, data, liar, { t: 2, op, element }), `${opName} lie`).toBe(false);
      const other = element === 0 ? 1 : element - 1;
      if (other < (ops[op] as { size: number }).size)
        expect(await check(spec, data, liar, { t: 2, op, element: other })).toBe(true);
      const later = randomTriples(spec, 2, 3, 20, op + 1).filter((x) => x.op > op);
      const ok = await Promise.all(later.map((x) => check(spec, data, liar, x)));
      expect(ok.every(Boolean), `${opName}: later ops of the lying run`).toBe(true);
    }

    // A corrupted component after transition 1: the op that produced it is caught at that element.
    const corrupt = runProgram(spec, data, {
      corrupt: { transition: 1, component: 2, element: 33 },
      checkpointEvery: 1,
    });
    const upd = ops.findIndex((o) => o.name === "upd_W2");
    expect(await check(spec, data, corrupt, { t: 1, op: upd, element: 33 })).toBe(false);
    expect(await check(spec, data, corrupt, { t: 1, op: upd, element: 34 })).toBe(true);
  });

  it("odd shapes with a large learning rate (saturating values): every element of two steps", async () => {
    // 12 features (stride 16), 5 hidden, 3 classes, B = 4, N = 7, one label outside [0, 3).
    const r = createRng(5);
    const features = Array.from({ length: 7 }, () =>
      Array.from({ length: 12 }, () => r.nextInt(33) - 16),
    );
    const labels = [0, 1, 2, 7, 1, 0, 2];
    const data = createFixedDataset(features, labels);
    const spec: FixedSpec = {
      kind: "mlp-train",
      nIn: 12,
      nHidden: 5,
      nOut: 3,
      batch: 4,
      steps: 6,
      lrQ: 8 * 65536,
      muQ: 65536,
      seed: 3,
      initScaleW1Q: 4 * 65536,
      initScaleW2Q: 4 * 65536,
      n: data.n,
      dataRoot: data.root,
    };
    const run = runProgram(spec, data, { checkpointEvery: 1 });
    await register(spec);
    expect(await genesisOnChain(run.specHash)).toBe(run.states[0]);
    // The run must reach the int32 limits somewhere, or this test checks nothing about saturation.
    const extremes = run.components
      .slice(0, 8)
      .some((c) => c.some((v) => v === 2147483647 || v === -2147483648));
    expect(extremes).toBe(true);
    const triples: Triple[] = [];
    for (const t of [0, 1, 5]) {
      transitionLayout(spec, t).ops.forEach((o, op) => {
        for (let e = 0; e < capacityOf(o.size); e++) triples.push({ t, op, element: e });
      });
    }
    const results = await Promise.all(triples.map((x) => check(spec, data, run, x)));
    expect(triples.filter((_, i) => !results[i])).toEqual([]);
    await checkStates(spec, data, run, 5);
  });

  it("mlp-infer on trained digits weights: every element passes, a lied logit fails", async () => {
    const data = loadDigitsDataset(digitsCsv);
    const train = runProgram(digitsTrainSpecFor(data, { steps: 5 }), data, { commit: "final" });
    const rows = Array.from({ length: 4 }, (_, i) =>
      Array.from(data.values.subarray(i * data.stride, i * data.stride + 64), (v) => v / 65536),
    );
    const { spec, input } = mlpInferProgram(train.components.slice(0, 4), quantizeRows(rows), {
      nIn: 64,
      nHidden: 32,
      nOut: 10,
    });
    const run = runProgram(spec, input);
    await register(spec);
    expect(await genesisOnChain(run.specHash)).toBe(run.states[0]);
    await checkStates(spec, input, run, 0);
    const triples: Triple[] = [];
    transitionLayout(spec, 0).ops.forEach((o, op) => {
      for (let e = 0; e < capacityOf(o.size); e++) triples.push({ t: 0, op, element: e });
    });
    const results = await Promise.all(triples.map((x) => check(spec, input, run, x)));
    expect(triples.filter((_, i) => !results[i])).toEqual([]);
    const liar = runProgram(spec, input, { lie: { transition: 0, op: 2, element: 13 } });
    expect(await check(spec, input, liar, { t: 0, op: 2, element: 13 })).toBe(false);
    expect(await check(spec, input, liar, { t: 0, op: 2, element: 12 })).toBe(true);
  });

  it("mlp-eval of examples/digits/mlp.onnx on 40 labelled rows: every element passes (ARGMAX_EQ, the prefix sums and the count too), lies in one row's correctness, a prefix sum or the count fail, gas", async () => {
    const data = loadDigitsDataset(digitsCsv);
    const rows = Array.from({ length: 40 }, (_, i) =>
      Array.from(
        data.values.subarray(i * data.stride, i * data.stride + 64),
        (v) => (v / 65536) * 16,
      ),
    );
    const labels = Array.from(
      { length: 40 },
      (_, i) => data.values[i * data.stride + 64] as number,
    );
    const { spec, input } = mlpEvalProgramFromOnnx(await readOnnx(digitsMlp), rows, labels);
    const run = runProgram(spec, input);
    const correct = (run.components[1] as Int32Array)[0] as number;
    expect(correct).toBeGreaterThan(30);
    expect(correct).toBeLessThanOrEqual(40);
    await register(spec);
    expect(await genesisOnChain(run.specHash)).toBe(run.states[0]);
    await checkStates(spec, input, run, 0);
    const triples: Triple[] = [];
    transitionLayout(spec, 0).ops.forEach((o, op) => {
      const cap = capacityOf(o.size);
      // Every element of the new ops; a sample of the dense ones (mlp-infer's, checked above).
      const step = op >= 3 ? 1 : 37;
      for (let e = 0; e < cap; e += step) triples.push({ t: 0, op, element: e });
      triples.push({ t: 0, op, element: cap - 1 });
    });
    const results = await Promise.all(triples.map((x) => check(spec, input, run, x)));
    expect(triples.filter((_, i) => !results[i])).toEqual([]);
    for (const [op, element] of [
      [3, 17],
      [4, 0],
      [4, 22],
      [4, 39],
      [5, 0],
      [2, 123],
    ] as const) {
      const liar = runProgram(spec, input, { lie: { transition: 0, op, element, delta: 1 } });
      expect(await check(spec, input, liar, { t: 0, op, element })).toBe(false);
    }
    const gas: Record<string, number> = {};
    for (const [name, op, element] of [
      ["correct", 3, 39],
      ["correct_cumsum", 4, 39],
      ["correct_count", 5, 0],
    ] as const) {
      gas[name] = Number(
        await chain.publicClient.estimateGas({
          to: referee,
          data: encodeFunctionData({
            abi: mlpStepRefereeAbi,
            functionName: "checkElement",
            args: checkArgs(spec, input, run, { t: 0, op, element }),
          }),
        }),
      );
    }
    console.log("mlp-eval element check gas (40 rows, whole tx)", gas);
    expect(gas.correct).toBeLessThan(1_000_000);
    expect(gas.correct_cumsum).toBeLessThan(100_000);
    expect(gas.correct_count).toBeLessThan(100_000);
  });
});
