// Cross-check: the Solidity CNN step referee (CnnStepReferee behind the RefereeRouter, on a real anvil)
// against the TypeScript fixed-point executor of @noosphere/ml (cnnInferProgramFromOnnx, runProgram,
// transitionTrace, openElement) on the PyTorch CNN of examples/zk/models/cnn.onnx and on a random
// geometry with saturating values. Honest openings must be accepted, the element a run lied about must
// be rejected (and the ops computed after it from the lie accepted), and genesis, layouts, op names and
// capacities must agree with TS. Also measures the gas of each op's element check (eth_estimateGas: a
// whole transaction through the router, 21k included).

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CnnInferSpec,
  capacityOf,
  cnnGeometry,
  cnnInferProgramFromOnnx,
  createRng,
  encodeSpec,
  type FixedCnnInput,
  openElement,
  type ProgramRun,
  readOnnx,
  runProgram,
  specHashOf,
  tensorRoot,
  transitionLayout,
  transitionTrace,
} from "@noosphere/ml";
import {
  cnnStepRefereeAbi,
  cnnStepRefereeBytecode,
  mlpStepRefereeAbi,
  mlpStepRefereeBytecode,
  refereeRouterAbi,
  refereeRouterBytecode,
} from "@noosphere/sdk";
import { type Abi, type Address, encodeFunctionData, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestChain, type TestChain } from "./testing.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const modelPath = path.join(repoRoot, "examples/zk/models/cnn.onnx");
const inputPath = path.join(repoRoot, "examples/zk/data/cnn.input.json");

let chain: TestChain;
let router: Address;

async function deploy(abi: Abi, bytecode: Hex, args: readonly unknown[] = []): Promise<Address> {
  const hash = await chain.walletClient.deployContract({ abi, bytecode, args });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("deployment has no address");
  return receipt.contractAddress;
}

async function register(spec: CnnInferSpec): Promise<Hex> {
  const hash = await chain.walletClient.writeContract({
    address: router,
    abi: refereeRouterAbi,
    functionName: "registerSpec",
    args: [encodeSpec(spec)],
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
  return specHashOf(spec);
}

const read = <T>(functionName: string, args: readonly unknown[]): Promise<T> =>
  chain.publicClient.readContract({
    address: router,
    abi: refereeRouterAbi,
    functionName,
    args,
  } as never) as Promise<T>;

type Pair = { op: number; element: number };

function checkArgs(spec: CnnInferSpec, input: FixedCnnInput, run: ProgramRun, x: Pair) {
  const trace = transitionTrace(spec, input, run, 0);
  return [
    run.specHash,
    0n,
    BigInt(x.op),
    BigInt(x.element),
    trace.startComponents,
    trace.opRoots,
    openElement(spec, input, run, 0, x.op, x.element),
  ] as const;
}

async function check(
  spec: CnnInferSpec,
  input: FixedCnnInput,
  run: ProgramRun,
  x: Pair,
): Promise<boolean> {
  return read<boolean>("checkElement", checkArgs(spec, input, run, x));
}

async function checkAll(
  spec: CnnInferSpec,
  input: FixedCnnInput,
  run: ProgramRun,
  pairs: Pair[],
): Promise<Pair[]> {
  const rejected: Pair[] = [];
  // Batches of 64 concurrent calls (anvil answers them in parallel; a 2-core machine stays responsive).
  for (let i = 0; i < pairs.length; i += 64) {
    const batch = pairs.slice(i, i + 64);
    const ok = await Promise.all(batch.map((x) => check(spec, input, run, x)));
    batch.forEach((x, k) => {
      if (!ok[k]) rejected.push(x);
    });
  }
  return rejected;
}

/** Genesis, layout, op names and capacities on chain against TS. */
async function checkViews(spec: CnnInferSpec, run: ProgramRun) {
  expect(await read<Hex>("genesisState", [run.specHash])).toBe(run.states[0]);
  expect(Number(await read<bigint>("numTransitions", [run.specHash]))).toBe(1);
  const [starts, ops, endSources] = await read<[bigint, bigint, bigint[]]>("transitionLayout", [
    run.specHash,
    0n,
  ]);
  const layout = transitionLayout(spec, 0);
  expect(Number(starts)).toBe(layout.startSizes.length);
  expect(Number(ops)).toBe(layout.ops.length);
  expect(endSources.map(Number)).toEqual(layout.endSources);
  for (let op = 0; op < layout.ops.length; op++) {
    const o = layout.ops[op] as { name: string; size: number };
    expect(await read<string>("opName", [run.specHash, 0n, BigInt(op)])).toBe(o.name);
    expect(Number(await read<bigint>("numElements", [run.specHash, 0n, BigInt(op)]))).toBe(
      capacityOf(o.size),
    );
  }
}

/** First and last element, a padding element, then `count` random elements of every op. */
function samplePairs(spec: CnnInferSpec, count: number, seed: number): Pair[] {
  const r = createRng(seed);
  const out: Pair[] = [];
  transitionLayout(spec, 0).ops.forEach((o, op) => {
    const cap = capacityOf(o.size);
    out.push({ op, element: 0 }, { op, element: o.size - 1 });
    if (cap > o.size) out.push({ op, element: o.size + r.nextInt(cap - o.size) });
    for (let i = 0; i < count; i++) out.push({ op, element: r.nextInt(o.size) });
  });
  return out;
}

beforeAll(async () => {
  chain = await startTestChain();
  const mlp = await deploy(mlpStepRefereeAbi as Abi, mlpStepRefereeBytecode);
  const cnn = await deploy(cnnStepRefereeAbi as Abi, cnnStepRefereeBytecode);
  router = await deploy(refereeRouterAbi as Abi, refereeRouterBytecode, [mlp, cnn]);
});

afterAll(async () => {
  await chain?.stop();
});

describe("CnnStepReferee (through the RefereeRouter) against the TS executor", () => {
  it("examples/zk/models/cnn.onnx, 2 rows: views agree, every pool/logits element and random others pass, lies fail, gas per op", async () => {
    const model = await readOnnx(modelPath);
    const first = (JSON.parse(readFileSync(inputPath, "utf8")) as { input_data: number[][] })
      .input_data[0] as number[];
    const rows = [first, first.map((v, i) => (i % 3 === 0 ? 1 - v : v))];
    const { spec, input } = cnnInferProgramFromOnnx(model, rows);
    const run = runProgram(spec, input);
    expect(await register(spec)).toBe(run.specHash);
    await checkViews(spec, run);

    const layout = transitionLayout(spec, 0);
    const pairs = samplePairs(spec, 25, 3);
    for (const op of [3, 4]) {
      const o = layout.ops[op] as { size: number };
      for (let e = 0; e < capacityOf(o.size); e++) pairs.push({ op, element: e });
    }
    expect(await checkAll(spec, input, run, pairs)).toEqual([]);

    // Gas of each op's element check: the last real element (the deepest rows) and the worst of a few.
    const gas: Record<string, number> = {};
    for (const [op, o] of layout.ops.entries()) {
      const es = [o.size - 1, Math.floor(o.size / 2), 0];
      const g = await Promise.all(
        es.map((element) =>
          chain.publicClient.estimateGas({
            to: router,
            data: encodeFunctionData({
              abi: refereeRouterAbi,
              functionName: "checkElement",
              args: checkArgs(spec, input, run, { op, element }),
            }),
            account: chain.walletClient.account,
          }),
        ),
      );
      gas[o.name] = Math.max(...g.map(Number));
    }
    const worst = Math.max(...Object.values(gas));
    console.log(
      `CnnStepReferee element-check gas via the router (cnn.onnx, 2 rows, whole tx): ${JSON.stringify(gas)}; worst ${worst}`,
    );
    expect(worst).toBeLessThan(3_000_000);

    // A lie in one element of each op: rejected there; the op's other elements and the later ops
    // (computed from the lie) pass.
    for (const [name, element] of [
      ["im2col", 100],
      ["conv", 37],
      ["relu", 200],
      ["pool", 70],
      ["logits", 13],
    ] as const) {
      const op = layout.ops.findIndex((o) => o.name === name);
      const liar = runProgram(spec, input, { lie: { transition: 0, op, element, delta: 1 } });
      expect(transitionTrace(spec, input, liar, 0).opRoots[op], `${name} lie root`).not.toBe(
        transitionTrace(spec, input, run, 0).opRoots[op],
      );
      expect(await check(spec, input, liar, { op, element }), `${name} lie`).toBe(false);
      expect(await check(spec, input, liar, { op, element: element - 1 })).toBe(true);
      const later = samplePairs(spec, 6, op + 1).filter((x) => x.op > op);
      expect(
        await checkAll(spec, input, liar, later),
        `${name}: later ops of the lying run`,
      ).toEqual([]);
    }
  });

  it("random geometry with padded conv and pool and int32 extremes: every element of every op", async () => {
    // 2 rows of 5 x 5, convPad 1 (convSide 5), poolPad 1 (poolSide 3), 3 channels, 4 classes.
    const r = createRng(9);
    const rand = (n: number, range: number) =>
      Int32Array.from({ length: n }, () => r.nextInt(2 * range) - range);
    const x = rand(2 * 25, 8 * 65536);
    x[3] = 2147483647;
    x[30] = -2147483648;
    const input: FixedCnnInput = {
      x,
      convW: rand(27, 2 * 65536),
      convB: rand(3, 65536),
      fcW: rand(4 * 27, 65536),
      fcB: rand(4, 65536),
    };
    input.convW[0] = 2147483647;
    const spec: CnnInferSpec = {
      kind: "cnn-infer",
      rows: 2,
      side: 5,
      channels: 3,
      classes: 4,
      convPad: 1,
      poolPad: 1,
      xRoot: tensorRoot(input.x),
      convWRoot: tensorRoot(input.convW),
      convBRoot: tensorRoot(input.convB),
      fcWRoot: tensorRoot(input.fcW),
      fcBRoot: tensorRoot(input.fcB),
    };
    expect(cnnGeometry(spec)).toEqual({ convSide: 5, padSide: 7, poolSide: 3, features: 27 });
    const run = runProgram(spec, input);
    // The conv must saturate somewhere, or this checks nothing about saturation.
    const conv = transitionTrace(spec, input, run, 0).opOutputs[1] as Int32Array;
    expect(conv.some((v) => v === 2147483647 || v === -2147483648)).toBe(true);
    await register(spec);
    await checkViews(spec, run);
    const pairs: Pair[] = [];
    transitionLayout(spec, 0).ops.forEach((o, op) => {
      for (let e = 0; e < capacityOf(o.size); e++) pairs.push({ op, element: e });
    });
    expect(await checkAll(spec, input, run, pairs)).toEqual([]);
  });
});
