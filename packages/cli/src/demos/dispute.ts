// `noos demo dispute`: optimistic verification of a 1,000-step digits training job on the devnet.
// A provider (in this process, with its job workers) runs the fixed-point program but corrupts one
// weight after step N (--corrupt-step N), or lies about one operator's output in step N (--lie-op
// NAME), submits the result to the market and posts its claim with a bond. A watcher re-executes
// the job, challenges, and the game narrows the dispute to step N, then to the first operator that
// differs, then to one element the chain's referee recomputes: the provider loses its bond, its
// locked stake is slashed and the tenant is refunded. With --honest the provider is honest and
// the watcher lies (its run is corrupted at step N): the challenger loses its bond.
// --job inference | evaluation: the same game over one optimistic inference (the digits MLP as the
// mlp-infer program on 360 images; the provider lies about one logit, or --lie-op names another op)
// or evaluation (mlp-eval on 360 labelled rows; the provider inflates its count of correct rows by
// one, caught at op correct_count) through the market. --job cnn: an optimistic inference of the
// digits CNN (examples/optimistic/cnn-infer.yaml: cnn.onnx as the cnn-infer program on one image;
// the provider lies about pool element 17, or --lie-op names another op), checked on chain by the
// CnnStepReferee. --withhold-outputs: the provider serves no op outputs, so the watcher finds the
// element by descent (requestNodes / revealNodes moves).
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort, isPortFree, readDevnet, stopDevnet } from "@noosphere/devnet";
import { defaultDigitsTrainSpec, transitionLayout } from "@noosphere/ml";
import { type ProgramFault, runOptimisticScenario } from "@noosphere/node";
import {
  BaseError,
  createNoosClient,
  InvalidParameterError,
  type NoosphereAddresses,
  noosphereActions,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { type Address, formatEther, type Hex } from "viem";
import { startDevnetWithProviders } from "../localProviders.js";
import { printJson } from "../output.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const trainCsv = path.resolve(here, "../../../../examples/digits/train.csv");
const digits = path.resolve(here, "../../../../examples/digits");
const zk = path.resolve(here, "../../../../examples/zk");
const STEPS = 1000;

export type DisputeDemoOptions = {
  dir: string;
  json: boolean;
  say: (line: string) => void;
  keep?: boolean | undefined;
  corruptStep?: string | undefined;
  lieOp?: string | undefined;
  honest?: boolean | undefined;
  /** training (default), inference, evaluation or cnn (a CNN inference). */
  job?: string | undefined;
  /** Challenge window, seconds (default 90). */
  window?: string | undefined;
  /** The provider serves no op outputs: the watcher finds the element by descent (reveals). */
  withholdOutputs?: boolean | undefined;
};

/** The program fault for a step (1..1000) and an op name (or a corrupted weight). */
export function faultFor(step: number, lieOp: string | undefined): ProgramFault {
  if (!lieOp) return { corrupt: { transition: step, component: 0, element: 37, delta: 4096 } };
  const layout = transitionLayout(defaultDigitsTrainSpec(`0x${"0".repeat(64)}`), step);
  const op = layout.ops.findIndex((o) => o.name === lieOp);
  if (op < 0) {
    throw new InvalidParameterError({
      field: "--lie-op",
      expected: `an operator of a training step: ${layout.ops.map((o) => o.name).join(" | ")}`,
      received: lieOp,
    });
  }
  // +256.0 (2^24 in Q16.16), not a small delta: a small lie about a pre-activation that is negative at
  // this step (h1[5] at step 640) is zeroed by the ReLU, the result stays right and there is nothing to
  // dispute.
  return { lie: { transition: step, op, element: 5, delta: 1 << 24 } };
}

const MODEL_JOB_OPS = {
  inference: ["z1", "h1", "logits"],
  evaluation: ["z1", "h1", "logits", "correct", "correct_cumsum", "correct_count"],
  cnn: ["im2col", "conv", "relu", "pool", "logits"],
} as const;

type ModelJob = keyof typeof MODEL_JOB_OPS;

/** The lie of an inference or evaluation job: one element of one op of its single transition. */
export function modelJobFault(job: ModelJob, lieOp: string | undefined): ProgramFault {
  const ops: readonly string[] = MODEL_JOB_OPS[job];
  const name = lieOp ?? (job === "inference" ? "logits" : job === "cnn" ? "pool" : "correct_count");
  const op = ops.indexOf(name);
  if (op < 0) {
    throw new InvalidParameterError({
      field: "--lie-op",
      expected: `an operator of the ${job} program: ${ops.join(" | ")}`,
      received: lieOp,
    });
  }
  // correct_count has one element; the CNN's pool element 17 (of image 0's 64); the others lie
  // about element 5 (a logit of image 0, ...).
  return {
    lie: {
      transition: 0,
      op,
      element: name === "correct_count" ? 0 : job === "cnn" && name === "pool" ? 17 : 5,
      delta: name.startsWith("correct") ? 1 : 4096,
    },
  };
}

export async function runDisputeDemoCommand(p: DisputeDemoOptions) {
  const { say } = p;
  const job = p.job ?? "training";
  if (job !== "training" && job !== "inference" && job !== "evaluation" && job !== "cnn") {
    throw new InvalidParameterError({
      field: "--job",
      expected: "training | inference | evaluation | cnn",
      received: p.job,
    });
  }
  const step = p.corruptStep === undefined ? 500 : Number(p.corruptStep);
  if (!Number.isInteger(step) || step < 1 || step > STEPS) {
    throw new InvalidParameterError({
      field: "--corrupt-step",
      expected: `an integer in 1..${STEPS} (the training step whose result is corrupted)`,
      received: p.corruptStep,
    });
  }
  // Long enough for the watcher to re-execute 1,000 steps on a busy machine before it closes.
  const window = p.window === undefined ? 90 : Number(p.window);
  let ours = false;
  let info = await readDevnet(p.dir).catch(() => undefined);
  if (!info) {
    const port = (await isPortFree(8545)) ? 8545 : await getFreePort();
    say(`starting a devnet on port ${port}...`);
    info = (await startDevnetWithProviders({ dir: p.dir, port, count: 0 })).info;
    ours = true;
  }
  try {
    const contracts = info.contracts as NoosphereAddresses & {
      optimisticVerifier?: Address;
      stepReferee?: Address;
    };
    if (!contracts.optimisticVerifier || !contracts.stepReferee) {
      throw new BaseError(
        `The devnet in ${p.dir} has no optimistic verifier: stop it (noos devnet stop) and rerun.`,
      );
    }
    const clientOf = (i: number) => {
      const key = info.accounts[i]?.privateKey as Hex | undefined;
      if (!key) throw new BaseError(`devnet has no account ${i}`);
      return createNoosClient({
        rpcUrl: info.rpcUrl,
        chainId: info.chainId,
        privateKey: key,
      }).extend(noosphereActions(contracts));
    };
    const fault = job === "training" ? faultFor(step, p.lieOp) : modelJobFault(job, p.lieOp);
    const disputedAt = job === "training" ? step : 0;
    const cheat = p.honest ? "watcher" : "provider";
    const lieName =
      "lie" in fault
        ? job === "training"
          ? p.lieOp
          : MODEL_JOB_OPS[job][fault.lie.op]
        : undefined;
    say(
      job === "cnn"
        ? p.honest
          ? `an honest provider runs the CNN inference (cnn-infer); a lying watcher's run has a wrong ${lieName}`
          : `the provider's CNN inference (cnn-infer) lies about ${lieName}`
        : job !== "training"
          ? p.honest
            ? `an honest provider runs the ${job}; a lying watcher's run has a wrong ${lieName}`
            : `the provider's ${job} lies about ${lieName}`
          : p.honest
            ? `an honest provider trains; a lying watcher's run is corrupted at step ${step}`
            : p.lieOp
              ? `the provider lies about ${p.lieOp} in step ${step}`
              : `the provider corrupts W1[37] after step ${step}`,
    );
    const work = path.resolve(p.dir, "demo-dispute", `${Date.now()}`);
    await mkdir(work, { recursive: true });
    const result = await runOptimisticScenario({
      tenant: clientOf(1),
      provider: clientOf(3),
      watcher: clientOf(2),
      contracts,
      verifier: contracts.optimisticVerifier,
      referee: contracts.stepReferee,
      store: createStore({ kind: "local", dir: path.join(path.resolve(p.dir), "store") }),
      workDir: work,
      ...(job === "training"
        ? { inputPath: trainCsv }
        : job === "cnn"
          ? {
              job: "inference",
              modelPath: path.join(zk, "models/cnn.onnx"),
              inputPath: path.join(zk, "data/cnn.input.json"),
            }
          : {
              job,
              modelPath: path.join(digits, "mlp.onnx"),
              inputPath: path.join(digits, job === "inference" ? "test-pixels.csv" : "test.csv"),
            }),
      steps: STEPS,
      challengeWindow: window,
      bond: "10",
      ...(cheat === "provider" ? { providerFault: fault } : { watcherFault: fault }),
      ...(p.withholdOutputs ? { withholdOpOutputs: true } : {}),
      log: (line) => say(`  ${line}`),
    });
    const gasOf = (move: string) =>
      result.moves.filter((m) => m.move === move).map((m) => m.gasUsed);
    const total = result.moves.reduce((n, m) => n + m.gasUsed, 0);
    const finalCheck = gasOf("openElement")[0];
    const expectedWinner = p.honest ? "provider" : "challenger";
    const ok =
      result.winner === expectedWinner &&
      result.disputedStep === disputedAt &&
      (p.honest
        ? result.claimStatus === "Finalized"
        : result.claimStatus === "Rejected" && result.tenant.refunded);
    const figures = {
      ok,
      demo: "dispute",
      job,
      disputedStep: result.disputedStep,
      disputedOperator: result.disputedOperator,
      disputedElement: result.disputedElement,
      winner: result.winner,
      resolution: result.resolution,
      claim: result.claimStatus,
      lease: result.leaseState,
      transactions: result.moves.length,
      /** Reveal moves (revealNodes): the watcher found the element by descent. */
      reveals: result.moves.filter((m) => m.move === "revealNodes").length,
      gas: {
        total,
        finalCheck,
        maxMove: Math.max(0, ...result.moves.map((m) => m.gasUsed)),
        postClaim: result.claimGas,
        perMove: result.moves.map((m) => ({ move: m.move, gas: m.gasUsed })),
      },
      tenantRefunded: result.tenant.refunded,
      tenantPaid: formatEther(result.tenant.paid),
      providerSlashed: formatEther(result.provider.slashed),
      providerBondDelta: formatEther(result.provider.bondDelta),
      challengerBondDelta: formatEther(result.watcher.bondDelta),
      seconds: {
        [job === "training" ? "training" : "job"]: result.timings.resultMs / 1000,
        dispute: result.timings.disputeMs / 1000,
        total: result.timings.totalMs / 1000,
      },
    };
    if (p.json) printJson(figures);
    else {
      say(
        `game over: ${result.winner ?? "nobody"} won at step ${result.disputedStep}, operator ${result.disputedOperator} (element ${result.disputedElement})`,
      );
      say(
        `${figures.transactions} dispute transactions, ${total} gas (final check ${finalCheck ?? "-"}), ${figures.seconds.dispute.toFixed(1)} s`,
      );
      say(
        p.honest
          ? `the challenger lost ${figures.challengerBondDelta} NOOS; the provider was paid after the window`
          : `the provider was slashed ${figures.providerSlashed} NOOS and lost its bond; the tenant was refunded`,
      );
      say(ok ? "ok" : "NOT ok");
    }
    if (!ok) process.exitCode = 1;
  } finally {
    if (ours && !p.keep) await stopDevnet({ dir: p.dir });
    else if (ours) say("the devnet keeps running: stop it with `noos devnet stop`");
  }
}
