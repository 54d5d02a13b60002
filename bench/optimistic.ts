// Optimistic verification benchmark (issue 11). Same-run baselines:
//  1. Training, the 1,000-step digits job (64-32-10, B = 32, momentum): the float trainer
//     (trainMlp, the same number of minibatch steps) against the fixed-point program as the provider
//     runs it (Q16.16, only the final state hashed) and with every state hashed (what an asserter
//     that never recomputes would keep). Held-out accuracy of both.
//  2. A dispute on a devnet (anvil + the real contracts, a real provider daemon and watcher in this
//     process): a weight corrupted after step 500; transactions, gas per move, gas of the final
//     element check, total gas and wall time of the dispute.
//  3. One inference of the digits MLP: the fixed-point program with per-operator commitments against
//     the same fixed-point forward pass without them, and beside it the zk numbers of the same model
//     (from bench/results/zk.json: prove time and verify gas).
// Writes bench/results/optimistic.json. A benchmark, not a test: it fails only when a step does not
// do what it says (the dispute not caught), never on a number.
//
//   npx tsx bench/optimistic.ts [--skip-dispute] [--step 500]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolveAnvilBinary, startTestDeployment } from "@noosphere/devnet";
import {
  digitsTrainSpecFor,
  fixedAccuracy,
  fixedLogits,
  loadDigitsDataset,
  mlpInferProgram,
  predictMlp,
  quantizeRows,
  readDigitsCsv,
  runProgram,
  splitDigits,
  trainMlp,
  transitionTrace,
} from "@noosphere/ml";
import { runOptimisticScenario } from "@noosphere/node";
import { createStore } from "@noosphere/storage";
import type { Address } from "viem";
import { describeMachine } from "./lib/machine.js";

const NAME = "optimistic";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const digitsCsv = path.join(repoRoot, "examples/data/digits.csv");
const trainCsv = path.join(repoRoot, "examples/digits/train.csv");
const { values } = parseArgs({
  options: {
    "skip-dispute": { type: "boolean", default: false },
    step: { type: "string", default: "500" },
  },
});
const STEPS = 1000;
const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;
const log = (line: string) => process.stdout.write(`${line}\n`);

// ---- 1. training ----
const rows = readDigitsCsv(digitsCsv);
const { train, test } = splitDigits(rows);
const data = loadDigitsDataset(rows);
const spec = digitsTrainSpecFor(data, { steps: STEPS });
const scaled = (r: number[][]) => r.map((row) => row.map((p) => p / 16));

log(`training: float trainer, ${STEPS} steps of ${spec.batch}...`);
const epochs = (STEPS * spec.batch) / data.n;
let t0 = performance.now();
const float = trainMlp(
  {
    layers: [64, 32, 10],
    epochs: Math.ceil(epochs),
    learningRate: 0.05,
    batchSize: spec.batch,
    seed: 1,
    momentum: 0.9,
  },
  scaled(train.features),
  train.labels,
);
const floatMs = ms(t0);
const floatSteps = Math.ceil(epochs) * Math.ceil(data.n / spec.batch);
const floatPerStepMs = floatMs / floatSteps;
const floatLogits = predictMlp(float.mlp, scaled(test.features));
const floatAccuracy =
  floatLogits.filter((row, i) => row.indexOf(Math.max(...row)) === test.labels[i]).length /
  test.labels.length;

log("training: fixed-point program, final state committed (what the provider runs)...");
t0 = performance.now();
const finalRun = runProgram(spec, data, { commit: "final", checkpointEvery: 10 });
const fixedFinalMs = ms(t0);
log("training: fixed-point program, every state committed...");
t0 = performance.now();
const allRun = runProgram(spec, data, { commit: "all", checkpointEvery: 10 });
const fixedAllMs = ms(t0);
if (allRun.finalState !== finalRun.finalState) throw new Error("the two runs differ");
t0 = performance.now();
transitionTrace(spec, data, finalRun, 500);
const traceMs = ms(t0);
const fixedHeldOut = fixedAccuracy(
  finalRun.components.slice(0, 4),
  scaled(test.features),
  test.labels,
  spec,
);

// ---- 3. inference ----
log("inference: one digits sample through the mlp-infer program...");
const weights = finalRun.components.slice(0, 4);
const x = quantizeRows(scaled(test.features.slice(0, 1)));
const REPS = 200;
t0 = performance.now();
for (let i = 0; i < REPS; i++) fixedLogits(weights, x, spec);
const plainInferMs = ms(t0) / REPS;
t0 = performance.now();
for (let i = 0; i < REPS; i++) {
  const { spec: inferSpec, input } = mlpInferProgram(weights, x, spec);
  const run = runProgram(inferSpec, input, { commit: "all" });
  transitionTrace(inferSpec, input, run, 0);
}
const committedInferMs = ms(t0) / REPS;
const zkFile = path.join(repoRoot, "bench/results/zk.json");
const zk = existsSync(zkFile)
  ? (JSON.parse(readFileSync(zkFile, "utf8")) as {
      date: string;
      results: {
        name: string;
        proveSecondsWarm?: number;
        verifyGas?: number;
        constraints?: number;
      }[];
    })
  : undefined;
const zkMlp = zk?.results.find((r) => r.name === "mlp-digits");

// ---- 2. dispute ----
let dispute: Record<string, unknown> | undefined;
if (!values["skip-dispute"]) {
  const step = Number(values.step);
  log(`dispute: a weight corrupted after step ${step} of ${STEPS}, on a devnet...`);
  const net = await startTestDeployment();
  const work = mkdtempSync(path.join(os.tmpdir(), "noos-bench-optimistic-"));
  try {
    const contracts = net.deployment.contracts as typeof net.deployment.contracts & {
      optimisticVerifier: Address;
      stepReferee: Address;
    };
    const r = await runOptimisticScenario({
      tenant: net.client(1),
      provider: net.client(3),
      watcher: net.client(2),
      contracts,
      verifier: contracts.optimisticVerifier,
      referee: contracts.stepReferee,
      store: createStore({ kind: "local", dir: path.join(work, "store") }),
      workDir: work,
      inputPath: trainCsv,
      steps: STEPS,
      challengeWindow: 3600,
      bond: "10",
      providerFault: { corrupt: { transition: step, component: 0, element: 37 } },
      log: (line) => log(`  ${line}`),
    });
    if (r.winner !== "challenger" || r.disputedStep !== step) {
      throw new Error(`the dispute was not caught at step ${step}: ${JSON.stringify(r.game)}`);
    }
    const total = r.moves.reduce((n, m) => n + m.gasUsed, 0);
    const finalCheck = r.moves.find((m) => m.move === "openElement")?.gasUsed;
    dispute = {
      corruptedStep: step,
      disputedStep: r.disputedStep,
      disputedOperator: r.disputedOperator,
      disputedElement: r.disputedElement,
      winner: r.winner,
      transactions: r.moves.length,
      gasPerMove: r.moves.map((m) => ({ move: m.move, gas: m.gasUsed })),
      maxMoveGas: Math.max(
        ...r.moves.filter((m) => m.move !== "openElement").map((m) => m.gasUsed),
      ),
      finalCheckGas: finalCheck,
      totalGas: total,
      postClaimGas: r.claimGas,
      seconds: {
        trainingOnTheMarket: r.timings.resultMs / 1000,
        dispute: r.timings.disputeMs / 1000,
      },
      disputeNote:
        "claim posted -> claim rejected: the watcher's re-execution of all 1,000 steps, the challenge, every move of both sides (each recomputes the states it posts from checkpoints) and the referee's check",
      targets: {
        everyMoveAtMost1M: r.moves.every((m) => m.move === "openElement" || m.gasUsed <= 1_000_000),
        finalCheckAtMost3M: (finalCheck ?? 0) <= 3_000_000,
        totalAtMost5M: total <= 5_000_000,
        disputeAtMost2Minutes: r.timings.disputeMs <= 120_000,
      },
    };
  } finally {
    await net.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const anvil = resolveAnvilBinary();
const machine = describeMachine([
  { name: "anvil", command: [anvil.command, ...anvil.args, "--version"] },
]);
const out = {
  name: NAME,
  date: new Date().toISOString(),
  machine,
  loadAverage: os.loadavg(),
  inputs: {
    program:
      "mlp-train 64-32-10, B = 32, T = 1000, momentum 0.9, lr 0.05 (defaultDigitsTrainSpec), Q16.16",
    data: "digits training split (rows i % 5 != 0 of examples/data/digits.csv, pixels / 16), held-out rows i % 5 == 0",
    float: `trainMlp, ${Math.ceil(epochs)} epochs = ${floatSteps} steps (per-step time compared)`,
  },
  training: {
    floatMs,
    floatPerStepMs,
    fixedFinalCommitMs: fixedFinalMs,
    fixedAllStatesCommitMs: fixedAllMs,
    overheadFinalCommit: fixedFinalMs / STEPS / floatPerStepMs,
    overheadAllStatesCommit: fixedAllMs / STEPS / floatPerStepMs,
    traceOfOneStepMs: traceMs,
    heldOutAccuracy: { float: floatAccuracy, fixed: fixedHeldOut },
  },
  inference: {
    model: "the trained digits MLP (64-32-10), one sample",
    plainFixedMs: plainInferMs,
    committedMs: committedInferMs,
    overhead: committedInferMs / plainInferMs,
    zk: zkMlp
      ? {
          source: `bench/results/zk.json (${zk?.date}), mlp-digits`,
          constraints: zkMlp.constraints,
          proveSeconds: zkMlp.proveSecondsWarm,
          verifyGas: zkMlp.verifyGas,
        }
      : null,
    cnn: "not measured: the fixed-point executor has no convolution program yet",
  },
  dispute: dispute ?? null,
};
writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
log(JSON.stringify({ training: out.training, inference: out.inference, dispute }, null, 2));
log(`wrote ${path.relative(repoRoot, resultsFile)}`);
process.exit(0);
