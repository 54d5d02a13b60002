// AI coprocessor benchmark (issue 10 item 7): request -> callback latency on a real devnet with one
// coprocessor node process (`noos devnet --coprocessors 1`), for `none` and `zk` on the digits MLP
// (examples/zk/models/mlp.onnx, the PyTorch export the zk pipeline handles), and beside it in the
// same run the direct costs: onnxruntime inference and an in-process proof with the node's own warm
// prover (packages/node loadServedModel -> packages/zk createWarmProver) on the same input. Gas of
// the request and of each delivery is read from the receipts (an account requester with
// callbackGasLimit 0: no consumer work in the delivery). The apps' main transactions come from
// `noos demo <app> --json` run against the same devnet.
// Writes bench/results/coprocessor.json and prints a summary.
//
//   npx tsx bench/coprocessor.ts [--requests 15] [--skip-apps]     (or: npm run bench)
//
// A benchmark, not a test: it fails only if a step does not do what it says (a request not
// delivered, a zk delivery not verified), never on a number.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { getFreePort, readDevnet, resolveAnvilBinary } from "@noosphere/devnet";
import { createSession, runInference } from "@noosphere/ml";
import { loadServedModel } from "@noosphere/node";
import {
  coprocessorCoordinatorAbi,
  createNoosClient,
  depositCoprocessorEscrowAndWait,
  type NoosphereAddresses,
  noosphereActions,
  requestInferenceAndWait,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import {
  poseidonHashInputs,
  quantizeValue,
  terminateSnarkjs,
  verifyOnChain,
  type WarmProof,
} from "@noosphere/zk";
import {
  type Address,
  type Hex,
  type PublicClient,
  padHex,
  parseEther,
  parseEventLogs,
  toHex,
} from "viem";
import { describeMachine } from "./lib/machine.js";
import { mean, round, summarize } from "./lib/stats.js";

const NAME = "coprocessor";
const exec = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const noosBin = path.join(repoRoot, "packages/cli/bin/noos.js");
const examples = path.join(repoRoot, "examples/zk");
const modelPath = path.join(examples, "models/mlp.onnx");
const inputPath = path.join(examples, "data/mlp.input.json");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const APPS = ["dao-delegate", "prediction-market", "trading-agent"] as const;
/** Dev account of the requester (0-3 are the demos', 6-9 the coprocessor nodes'). */
const REQUESTER = 5;
/**
 * Gas of the same transactions before the coordinator's gas work (commit c6f133b, the same bench
 * on the same kind of devnet; linreg from the SDK's coprocessor test on anvil).
 */
const GAS_BEFORE = {
  commit: "c6f133b",
  requestNone64Inline: 166462,
  requestZkMlp: 147674,
  deliveryNoneFirst: 150887,
  deliveryNone: 116687,
  deliveryZkMlp: 418930,
  deliveryZkLinregFirst: 378000,
  deliveryZkLinreg: 343000,
  changes:
    "node earnings and protocol-fee slots initialized by setNodeFee and never zeroed (a first delivery wrote two fresh slots); a one-shot delivery skips the cancel read; the inline input's field hash in assembly",
};
const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "15" },
    "skip-apps": { type: "boolean", default: false },
  },
});
const N = Number(args.requests);

const log = (message: string) => process.stdout.write(`${message}\n`);
const stats = (xs: number[]) => summarize(xs);

const dir = await mkdtemp(path.join(tmpdir(), "noos-bench-coprocessor-"));
async function noos(
  command: string[],
  cwd = dir,
  timeoutMs = 900_000,
): Promise<Record<string, unknown>> {
  const { stdout } = await exec(process.execPath, [noosBin, "--dir", dir, ...command, "--json"], {
    cwd,
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

let devnetStarted = false;
try {
  // ---- the devnet, one coprocessor node process, the digits MLP through the zk pipeline ----
  log(`devnet + 1 coprocessor node in ${dir}`);
  await noos(["devnet", "--detach", "--port", String(await getFreePort()), "--coprocessors", "1"]);
  devnetStarted = true;
  await noos(["zk", "gen-settings", "-M", modelPath]);
  const calibrated = await noos([
    "zk",
    "calibrate-settings",
    "-M",
    modelPath,
    "-D",
    path.join(examples, "data/mlp.calibration.json"),
  ]);
  const compiled = await noos(["zk", "compile-circuit", "-M", modelPath]);
  await noos(["zk", "setup"]);
  await noos(["zk", "create-evm-verifier"]);
  const deployed = await noos(["zk", "deploy-evm"]);
  const registered = await noos([
    "zk",
    "register-model",
    "--addr",
    String(deployed.address),
    "--model",
    modelPath,
  ]);
  const modelId = BigInt(String(registered.modelId));
  const settings = JSON.parse(await readFile(path.join(dir, "settings.json"), "utf8")) as {
    run_args: { input_scale: number; input_visibility: string; output_visibility: string };
    num_rows?: number;
  };
  const constraints = Number(compiled.constraints);
  log(`model ${modelId}: ${constraints} constraints`);

  const devnet = await readDevnet(dir);
  const contracts = devnet.contracts as NoosphereAddresses;
  const key = devnet.accounts[REQUESTER]?.privateKey as Hex;
  const wallet = createNoosClient({
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    privateKey: key,
    pollingInterval: 50,
  }).extend(noosphereActions(contracts));
  const sample = (JSON.parse(await readFile(inputPath, "utf8")) as { input_data: number[][] })
    .input_data[0] as number[];
  const x = sample.map((v) => quantizeValue(v, settings.run_args.input_scale));
  const poseidon = padHex(toHex(poseidonHashInputs(x)), { size: 32 });

  // ---- baselines, same run, same input ----
  const session = await createSession(modelPath);
  await runInference(session, sample);
  const inferTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await runInference(session, sample);
    inferTimes.push((performance.now() - t) / 1000);
  }
  await session.release();
  const served = await loadServedModel({
    client: wallet,
    modelRegistry: contracts.modelRegistry,
    store: createStore({ kind: "local", dir: path.join(dir, "store") }),
    modelId,
  });
  await served.prove(x); // warm: curve and worker threads, as the node's prover is
  const proveTimes: number[] = [];
  const proveInternal: number[] = [];
  let proved: WarmProof | undefined;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const p = await served.prove(x);
    proved = p;
    proveTimes.push((performance.now() - t) / 1000);
    proveInternal.push(p.proveSeconds);
    if (!p.verified) throw new Error("the direct proof does not verify");
  }
  await served.release();
  await terminateSnarkjs(); // frees this process's prover threads before the node proves
  // The Groth16 check alone: the model's generated verifier on the same proof (estimateGas).
  const verifierGas = proved
    ? (
        await verifyOnChain(
          wallet as unknown as PublicClient,
          deployed.address as Address,
          proved.proof,
          proved.publicSignals,
        )
      ).gas
    : undefined;
  const directProve = mean(proveTimes);
  log(
    `direct: onnxruntime ${(mean(inferTimes) * 1e6).toFixed(0)} us, warm proof ${directProve.toFixed(3)} s (witness + prove + verify)`,
  );

  // ---- request -> callback on the devnet ----
  const feeCap = parseEther("0.1");
  const escrow = feeCap * BigInt(2 * N + 2);
  await wallet.approveAndWait({ spender: contracts.coprocessor, amount: escrow });
  await depositCoprocessorEscrowAndWait(wallet, {
    address: contracts.coprocessor,
    account: wallet.account.address,
    token: contracts.token,
    amount: escrow,
  });
  const nodeStatus = async () => {
    const nodes = JSON.parse(await readFile(path.join(dir, "coprocessors.json"), "utf8")) as {
      statusUrl: string;
    }[];
    const res = await fetch(nodes[0]?.statusUrl ?? "");
    return (await res.json()) as {
      deliveries: Record<string, { computeMs?: number; proveMs?: number }>;
    };
  };

  async function measure(
    verification: "none" | "zk",
    model = { id: modelId, x, poseidon },
    count = N,
  ) {
    const rows: {
      seconds: number;
      requestGas: number;
      deliveryGas: number;
      verified: boolean;
      requestId: bigint;
    }[] = [];
    let warmUpGas = 0;
    for (let i = 0; i < count + 1; i++) {
      const t0 = performance.now();
      const { receipt, requestId } = await requestInferenceAndWait(wallet, {
        address: contracts.coprocessor,
        modelId: model.id,
        input:
          verification === "zk" ? { values: model.x, hash: model.poseidon } : { values: model.x },
        verification,
        token: contracts.token,
        feeCap,
        callbackGasLimit: 0,
        timeout: 300,
      });
      let fulfilled: { hash: Hex; verified: boolean } | undefined;
      let from = receipt.blockNumber;
      while (!fulfilled) {
        if (performance.now() - t0 > 120_000) throw new Error(`request ${requestId} not delivered`);
        const head = await wallet.getBlockNumber();
        if (head >= from) {
          const logs = parseEventLogs({
            abi: coprocessorCoordinatorAbi,
            eventName: "RequestFulfilled",
            logs: await wallet.getLogs({
              address: contracts.coprocessor,
              fromBlock: from,
              toBlock: head,
            }),
          }).filter((l) => l.args.requestId === requestId);
          const l = logs[0];
          if (l) fulfilled = { hash: l.transactionHash, verified: l.args.verified };
          from = head + 1n;
        }
        if (!fulfilled) await new Promise((r) => setTimeout(r, 25));
      }
      const seconds = (performance.now() - t0) / 1000;
      const delivery = await wallet.getTransactionReceipt({ hash: fulfilled.hash });
      if (verification === "zk" && !fulfilled.verified) throw new Error("zk delivery not verified");
      // The first request of each mode is a warm-up (the node loads the model / first proof).
      if (i > 0) {
        rows.push({
          seconds,
          requestGas: Number(receipt.gasUsed),
          deliveryGas: Number(delivery.gasUsed),
          verified: fulfilled.verified,
          requestId,
        });
      } else {
        warmUpGas = Number(delivery.gasUsed);
        log(`  ${verification}: warm-up ${seconds.toFixed(2)} s, delivery gas ${delivery.gasUsed}`);
      }
    }
    const status = await nodeStatus();
    const nodeTimes = rows
      .map((r) => status.deliveries[`${r.requestId}:1`])
      .filter((d) => d !== undefined);
    const latency = stats(rows.map((r) => r.seconds));
    log(
      `  ${verification}: request->callback p50 ${latency.p50} s p95 ${latency.p95} s; gas request ${rows[0]?.requestGas} delivery ${rows[0]?.deliveryGas}`,
    );
    return {
      latencySeconds: latency,
      nodeComputeSeconds: stats(nodeTimes.map((d) => (d.computeMs ?? 0) / 1000)),
      ...(verification === "zk"
        ? { nodeProveSeconds: stats(nodeTimes.map((d) => (d.proveMs ?? 0) / 1000)) }
        : {}),
      requestGas: stats(rows.map((r) => r.requestGas)),
      deliveryGas: stats(rows.map((r) => r.deliveryGas)),
      warmUpDeliveryGas: warmUpGas,
    };
  }
  log(`request -> callback, ${N} requests each (+1 warm-up)`);
  const none = await measure("none");
  const zk = await measure("zk");

  // ---- a 2-signal circuit (the linear regression: input hash + 1 output) for the gas target ----
  const small = path.join(dir, "linreg");
  await mkdir(small);
  const linreg = path.join(examples, "models/linreg.onnx");
  await noos(["zk", "gen-settings", "-M", linreg], small);
  await noos(
    [
      "zk",
      "calibrate-settings",
      "-M",
      linreg,
      "-D",
      path.join(examples, "data/linreg.calibration.json"),
    ],
    small,
  );
  await noos(["zk", "compile-circuit", "-M", linreg], small);
  await noos(["zk", "setup"], small);
  await noos(["zk", "create-evm-verifier"], small);
  const linregVerifier = await noos(["zk", "deploy-evm"], small);
  const linregId = BigInt(
    String(
      (
        await noos(
          ["zk", "register-model", "--addr", String(linregVerifier.address), "--model", linreg],
          small,
        )
      ).modelId,
    ),
  );
  const linregScale = (
    JSON.parse(await readFile(path.join(small, "settings.json"), "utf8")) as {
      run_args: { input_scale: number };
    }
  ).run_args.input_scale;
  const lx = (
    JSON.parse(await readFile(path.join(examples, "data/linreg.input.json"), "utf8")) as {
      input_data: number[][];
    }
  ).input_data[0]?.map((v) => quantizeValue(v, linregScale)) as bigint[];
  log("linear regression (2 public signals)");
  const zkSmall = await measure(
    "zk",
    { id: linregId, x: lx, poseidon: padHex(toHex(poseidonHashInputs(lx)), { size: 32 }) },
    3,
  );

  // ---- the apps' main transactions ----
  const apps: Record<string, unknown> = {};
  for (const app of APPS) {
    if (args["skip-apps"]) {
      apps[app] = { gas: null, note: "skipped (--skip-apps)" };
      continue;
    }
    try {
      const t = performance.now();
      const out = await noos(["demo", app]);
      apps[app] = {
        gas: out.gas ?? null,
        seconds: round((performance.now() - t) / 1000, 1),
        ok: out.ok === true,
      };
      log(`  demo ${app}: ${JSON.stringify(out.gas)}`);
    } catch (err) {
      const e = err as { stdout?: string; message?: string };
      const detail = (e.stdout?.trim() || e.message || String(err)).slice(0, 300);
      apps[app] = { gas: null, note: `noos demo ${app} --json did not run: ${detail}` };
      log(`  demo ${app}: not measured (${detail.split("\n")[0]})`);
    }
  }

  const anvil = resolveAnvilBinary();
  const zkLatencyTarget = directProve + 2;
  const result = {
    name: NAME,
    date: new Date().toISOString(),
    machine: describeMachine([
      { name: "anvil", command: [anvil.command, ...anvil.args, "--version"] },
    ]),
    inputs: {
      model: "examples/zk/models/mlp.onnx (digits MLP 64-32-10, PyTorch export)",
      input: "examples/zk/data/mlp.input.json (one 8x8 digit, pixels / 16)",
      constraints,
      settings: {
        input_visibility: settings.run_args.input_visibility,
        output_visibility: settings.run_args.output_visibility,
        input_scale: settings.run_args.input_scale,
        reported_error_bound:
          (calibrated.settings as { calibration?: { error_bound?: number } } | undefined)
            ?.calibration?.error_bound ?? null,
        publicSignals: "1 input hash (Poseidon) + 10 logits",
      },
      requestsPerMode: N,
      warmUp: "one request per mode before the measured ones (model load, first proof)",
      devnet:
        "anvil (automine) + 1 `noos coprocessor start` process (poll 100 ms), started by `noos devnet --detach --coprocessors 1`",
      requester:
        "a dev account (callbackGasLimit 0: no consumer callback), fee cap 0.1 NOOS, inline input (64 values); the requester polls logs every 25 ms",
      prover: "snarkjs Groth16 (BN254), the node's warm prover (keys in memory)",
      conditions: `load average at the end ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(
          " ",
        )} on ${os.availableParallelism()} cores (other work on the machine shows in the latencies, not in gas)`,
    },
    results: {
      latency: {
        what: "request tx sent -> RequestFulfilled seen by the requester (the callback runs in the delivery tx)",
        none: none.latencySeconds,
        zk: zk.latencySeconds,
      },
      node: {
        what: "the node's own time per delivery from its /status (none: onnxruntime; zk: witness + prove + off-chain verify)",
        noneComputeSeconds: none.nodeComputeSeconds,
        zkComputeSeconds: zk.nodeComputeSeconds,
        zkProveSeconds: zk.nodeProveSeconds,
      },
      gas: {
        what: "receipt gasUsed (intrinsic and calldata included); delivery without a consumer callback",
        requestNone: none.requestGas,
        requestZk: zk.requestGas,
        deliveryNone: none.deliveryGas,
        deliveryZk: zk.deliveryGas,
        firstDelivery: {
          what: "the node's first delivery of each kind (the warm-up request, not in the stats above)",
          none: none.warmUpDeliveryGas,
          zk: zk.warmUpDeliveryGas,
        },
        groth16VerifierAlone: verifierGas === undefined ? null : Number(verifierGas),
        groth16VerifierWhat:
          "eth_estimateGas of verifyProof on the MLP's generated verifier, same proof (21,000 base and calldata included)",
        deliveryZkLinreg2Signals: {
          what: "zk delivery of examples/zk/models/linreg.onnx (input hash + 1 output: 2 public signals), same devnet",
          firstDelivery: zkSmall.warmUpDeliveryGas,
          ...zkSmall.deliveryGas,
        },
        requestZkLinreg: zkSmall.requestGas,
      },
      apps,
    },
    baseline: {
      what: "same run, same model and input, in process",
      onnxruntimeSeconds: round(mean(inferTimes), 6),
      proveSeconds: round(directProve, 4),
      proveSecondsInternal: round(mean(proveInternal), 4),
      proveWhat:
        "packages/node loadServedModel(...).prove: witness + Groth16 prove + off-chain verify, warm prover, mean of 5",
      noneLatencyOverOnnxruntime: Math.round(none.latencySeconds.p50 / mean(inferTimes)),
      zkLatencyOverProve: round(zk.latencySeconds.p50 / directProve, 2),
    },
    gasBefore: GAS_BEFORE,
    targets: {
      zkDeliveryGas: {
        target: 350_000,
        measuredMaxMlp11Signals: zk.deliveryGas.max,
        metMlp: zk.deliveryGas.max <= 350_000,
        measuredMaxLinreg2Signals: Math.max(zkSmall.deliveryGas.max, zkSmall.warmUpDeliveryGas),
        metLinreg: Math.max(zkSmall.deliveryGas.max, zkSmall.warmUpDeliveryGas) <= 350_000,
        note: "each public signal costs the Groth16 verifier one ecMul + ecAdd (~6.2k) plus its calldata twice (output values and signals): 9 more signals than linreg",
      },
      requestGas: {
        target: 150_000,
        measuredMax: Math.max(none.requestGas.max, zk.requestGas.max),
        met: Math.max(none.requestGas.max, zk.requestGas.max) <= 150_000,
      },
      zkLatency: {
        target: "p50 <= direct prove + 2 s",
        targetSeconds: round(zkLatencyTarget, 3),
        measuredP50: zk.latencySeconds.p50,
        measuredP95: zk.latencySeconds.p95,
        met: zk.latencySeconds.p50 <= zkLatencyTarget,
      },
    },
  };
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nwrote ${path.relative(repoRoot, resultsFile)}`);
  log(JSON.stringify(result.targets, null, 2));
} finally {
  await terminateSnarkjs();
  if (devnetStarted) await noos(["devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
