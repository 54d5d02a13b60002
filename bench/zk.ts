// zkML benchmark: the suite of specs/zkml-anchors.md §5 that runs on this machine, through the
// same pipeline as `noos zk` (gen-settings -> calibrate -> compile -> setup -> witness -> prove ->
// verify -> Solidity verifier on anvil). Models are the PyTorch exports in examples/zk/models.
// Baseline measured in the same run: onnxruntime float inference of the same model.
// Writes bench/results/zk.json and prints a table.
//
//   npx tsx bench/zk.ts [--only mlp-digits] [--runs 5]     (or: npm run bench)
//       [--before-dir <dir> --before-label <what>]   (with --only: cliProve also proves, with the
//         same build, in <dir>: that model's files from before a circuit change, e.g. the input
//         commitment's; the "before" beside the "after" in the same run)
//
// A benchmark, not a test: it fails only if a step does not do what it says (a proof that does
// not verify), never on a number.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolveAnvilBinary, startTestChain } from "@noosphere/devnet";
import { createSession, loadTable, runInference } from "@noosphere/ml";
import {
  type CompiledFile,
  calibrateSettingsStep,
  compileCircuitStep,
  compileVerifier,
  createEvmVerifierStep,
  deployVerifier,
  genSettingsStep,
  genWitnessStep,
  type ProofFile,
  prove,
  proveStep,
  runQuantized,
  setupStep,
  terminateSnarkjs,
  type VerificationKey,
  verify,
  verifyOnChain,
  type WitnessFile,
} from "@noosphere/zk";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { describeMachine } from "./lib/machine.js";
import { cliProve } from "./lib/zk-cli-prove.js";

const NAME = "zk";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const examples = path.join(repoRoot, "examples/zk");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const { values } = parseArgs({
  options: {
    only: { type: "string" },
    runs: { type: "string", default: "5" },
    // cliProve: also time another build's compiled CLI (e.g. a checkout of the previous commit's
    // packages/cli/dist/main.js) in the same run, as the "before" of a change
    "compare-cli": { type: "string" },
    "before-dir": { type: "string" },
    // cliProve: time this build (e.g. packages/cli/dist/main.js) instead of bin/noos.js, which
    // falls back to tsx while another session's edits leave the build's stamp older than the sources
    bin: { type: "string" },
    "before-label": { type: "string", default: "the previous circuit" },
  },
});
const RUNS = Number(values.runs);

type Task = "classification" | "regression";
type Suite = {
  name: string;
  anchorRow: string;
  model: string;
  calibration: string;
  task: Task;
  paramVisibility: "fixed" | "hashed";
  outputVisibility: "public" | "hashed";
  /** Compile only (constraints): its setup would need a powers of tau too big to prepare here. */
  constraintsOnly?: boolean;
  load: () => Promise<{ features: number[][]; targets: number[] }>;
};

/** Row i is held out when i % 5 == 0 (as in examples/zk/export_pytorch.py). */
const heldOut = <T>(rows: T[]) => rows.filter((_, i) => i % 5 === 0);

async function digits() {
  const table = await loadTable(path.join(repoRoot, "examples/data/digits.csv"));
  const label = table.columns.indexOf("label");
  return {
    features: heldOut(table.rows).map((r) => r.filter((_, i) => i !== label).map((v) => v / 16)),
    targets: heldOut(table.rows).map((r) => r[label] ?? -1),
  };
}
async function diabetes() {
  const table = await loadTable(path.join(examples, "data/diabetes.csv"));
  const target = table.columns.indexOf("target");
  return {
    features: heldOut(table.rows).map((r) => r.filter((_, i) => i !== target)),
    targets: heldOut(table.rows).map((r) => r[target] ?? 0),
  };
}

const SUITE: Suite[] = [
  {
    name: "linreg-diabetes",
    anchorRow: "#1 linear regression (EZKL 0.12 s / 19 MB on a toy 2-feature LR)",
    model: "linreg.onnx",
    calibration: "linreg.calibration.json",
    task: "regression",
    paramVisibility: "fixed",
    outputVisibility: "public",
    load: diabetes,
  },
  {
    name: "mlp-digits",
    anchorRow:
      "#3 MLP on 8x8 digits (nearest: MNIST 196-25-10 circomlib-ml 1.17 s / 999 MB; EZKL resources 0.65 s / 91 MB / -4.5%)",
    model: "mlp.onnx",
    calibration: "mlp.calibration.json",
    task: "classification",
    paramVisibility: "fixed",
    outputVisibility: "hashed",
    load: digits,
  },
  {
    name: "mlp-digits-public-logits",
    anchorRow:
      "#3 with the 10 logits as public signals (11 signals: what a contract reads directly)",
    model: "mlp.onnx",
    calibration: "mlp.calibration.json",
    task: "classification",
    paramVisibility: "fixed",
    outputVisibility: "public",
    load: digits,
  },
  {
    name: "cnn-digits",
    anchorRow:
      "#5-like small CNN (Conv/Relu/Pad/AvgPool/Gemm) on 8x8 digits; LeNet anchors are 28x28",
    model: "cnn.onnx",
    calibration: "cnn.calibration.json",
    task: "classification",
    paramVisibility: "fixed",
    outputVisibility: "hashed",
    load: digits,
  },
  {
    name: "mlp-digits-hashed-params",
    anchorRow:
      "#3 with EZKL-style hashed params (Poseidon commitment to the weights is a public signal)",
    model: "mlp.onnx",
    calibration: "mlp.calibration.json",
    task: "classification",
    paramVisibility: "hashed",
    outputVisibility: "hashed",
    constraintsOnly: true,
    load: digits,
  },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const log = (message: string) => process.stdout.write(`${message}\n`);

function childProve(pkPath: string, witnessPath: string, baseline: boolean, singleThread = false) {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(repoRoot, "bench/lib/zk-prove-child.ts"),
      pkPath,
      witnessPath,
      ...(baseline ? ["--baseline"] : []),
      ...(singleThread ? ["--single-thread"] : []),
    ],
    { encoding: "utf8", cwd: repoRoot },
  );
  return JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
    maxRssBytes: number;
    seconds: number;
  };
}

async function runSuite(s: Suite, chainRpc: string, deployerKey: `0x${string}`) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `noos-bench-zk-${s.name}-`));
  const f = (name: string) => path.join(dir, name);
  const modelPath = path.join(examples, "models", s.model);
  try {
    log(`\n== ${s.name}`);
    await genSettingsStep({
      modelPath,
      settingsPath: f("settings.json"),
      options: {
        inputVisibility: "hashed",
        outputVisibility: s.outputVisibility,
        paramVisibility: s.paramVisibility,
      },
    });
    const calibrated = await calibrateSettingsStep({
      modelPath,
      dataPath: path.join(examples, "data", s.calibration),
      settingsPath: f("settings.json"),
      target: "resources",
    });
    const compiled = await compileCircuitStep({
      modelPath,
      settingsPath: f("settings.json"),
      compiledPath: f("model.compiled"),
    });
    log(
      `  ${compiled.constraints} constraints (2^${compiled.power}), compiled in ${compiled.seconds.toFixed(1)} s`,
    );
    if (s.constraintsOnly) {
      return {
        name: s.name,
        anchor: s.anchorRow,
        model: `examples/zk/models/${s.model}`,
        settings: { param_visibility: s.paramVisibility, output_visibility: s.outputVisibility },
        constraints: compiled.constraints,
        powerOfTau: compiled.power,
        publicSignals: compiled.publicSignals,
        compileSeconds: round(compiled.seconds, 2),
        note: `compiled only: proving needs a 2^${compiled.power} powers of tau, too slow to prepare on this machine (preparePhase2 ~20 s at 2^10, doubling per power); bring a ceremony file with --srs-path`,
      };
    }
    // CPU seconds (this process and snarkjs' worker threads) beside wall: on a shared machine the
    // wall time mostly measures the other processes.
    const setupCpu = process.cpuUsage();
    const setup = await setupStep({
      compiledPath: f("model.compiled"),
      pkPath: f("pk.key"),
      vkPath: f("vk.key"),
      onProgress: log,
    });
    const setupCpuUsed = process.cpuUsage(setupCpu);
    const setupCpuSeconds = (setupCpuUsed.user + setupCpuUsed.system) / 1e6;
    log(
      `  setup ${setup.setupSeconds.toFixed(1)} s wall, ${setupCpuSeconds.toFixed(1)} CPU-s (+ powers of tau ${setup.ptauSeconds.toFixed(1)} s); load ${os.loadavg()[0]?.toFixed(1)}`,
    );

    const { features, targets } = await s.load();
    writeFileSync(f("input.json"), JSON.stringify({ input_data: [features[0]] }));
    const witnessTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const w = await genWitnessStep({
        compiledPath: f("model.compiled"),
        dataPath: f("input.json"),
        outputPath: f("witness.json"),
      });
      witnessTimes.push(w.seconds);
    }
    // Cold: the first proof in this process pays for snarkjs' curve set-up; warm: the mean of RUNS.
    await terminateSnarkjs();
    const cold = await proveStep({
      witnessPath: f("witness.json"),
      compiledPath: f("model.compiled"),
      pkPath: f("pk.key"),
      proofPath: f("proof.json"),
    });
    const witness = JSON.parse(readFileSync(f("witness.json"), "utf8")) as WitnessFile;
    const witnessBytes = Buffer.from(witness.witness, "base64");
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await prove(f("pk.key"), witnessBytes);
      warm.push((performance.now() - t) / 1000);
    }
    const proofFile = JSON.parse(readFileSync(f("proof.json"), "utf8")) as ProofFile;
    const vk = JSON.parse(readFileSync(f("vk.key"), "utf8")) as VerificationKey;
    const verifyTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      if (!(await verify(vk, proofFile.public_signals, proofFile.proof)))
        throw new Error(`${s.name}: the proof does not verify`);
      verifyTimes.push((performance.now() - t) / 1000);
    }
    await terminateSnarkjs();
    const beforeDir = values.only ? values["before-dir"] : undefined;
    const cli = await cliProve(dir, vk, {
      runs: RUNS,
      compareCli: values["compare-cli"],
      bin: values.bin ? path.resolve(values.bin) : undefined,
      before: beforeDir
        ? {
            dir: beforeDir,
            label: values["before-label"] as string,
            vk: JSON.parse(readFileSync(path.join(beforeDir, "vk.key"), "utf8")) as VerificationKey,
          }
        : undefined,
    });
    await terminateSnarkjs();
    const child = childProve(f("pk.key"), f("witness.json"), false);
    const floor = childProve(f("pk.key"), f("witness.json"), true);
    const single = childProve(f("pk.key"), f("witness.json"), false, true);

    // On chain: the generated verifier on anvil; gas of a verifyProof transaction.
    const evm = await createEvmVerifierStep({
      vkPath: f("vk.key"),
      solCodePath: f("Verifier.sol"),
    });
    const publicClient = createPublicClient({ transport: http(chainRpc) }) as PublicClient;
    const { privateKeyToAccount } = await import("viem/accounts");
    const wallet = createWalletClient({
      account: privateKeyToAccount(deployerKey),
      transport: http(chainRpc),
    });
    const deployed = await deployVerifier(
      wallet,
      publicClient,
      compileVerifier(readFileSync(f("Verifier.sol"), "utf8")),
    );
    const onChain = await verifyOnChain(
      publicClient,
      deployed.address,
      proofFile.proof,
      proofFile.public_signals,
    );
    if (!onChain.verified)
      throw new Error(`${s.name}: the Solidity verifier rejected a valid proof`);

    // Accuracy of the quantized model against the float model on the held-out split.
    const circuit = (JSON.parse(readFileSync(f("model.compiled"), "utf8")) as CompiledFile).circuit;
    const session = await createSession(modelPath);
    const floatOut = (await runInference(session, features)).output_data;
    let floatCorrect = 0;
    let quantCorrect = 0;
    let agree = 0;
    let maxAbsDiff = 0;
    let floatSq = 0;
    let quantSq = 0;
    const argmax = (v: number[]) => v.indexOf(Math.max(...v));
    for (const [i, x] of features.entries()) {
      const fo = floatOut[i] ?? [];
      const qo = runQuantized(circuit, x).outputsFloat;
      for (const [k, v] of fo.entries())
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - (qo[k] ?? 0)));
      if (s.task === "classification") {
        floatCorrect += argmax(fo) === targets[i] ? 1 : 0;
        quantCorrect += argmax(qo) === targets[i] ? 1 : 0;
        agree += argmax(fo) === argmax(qo) ? 1 : 0;
      } else {
        floatSq += ((fo[0] ?? 0) - (targets[i] ?? 0)) ** 2;
        quantSq += ((qo[0] ?? 0) - (targets[i] ?? 0)) ** 2;
      }
    }
    const n = features.length;
    // Baseline: onnxruntime float inference of one sample, same process, same run.
    const sample = features[0] ?? [];
    await runInference(session, sample);
    const inferTimes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await runInference(session, sample);
      inferTimes.push((performance.now() - t) / 1000);
    }
    const warmProve = mean(warm);
    const calibration = calibrated.settings.calibration;
    const row = {
      name: s.name,
      anchor: s.anchorRow,
      model: `examples/zk/models/${s.model}`,
      settings: {
        input_scale: calibrated.settings.run_args.input_scale,
        param_scale: calibrated.settings.run_args.param_scale,
        input_visibility: "hashed",
        output_visibility: s.outputVisibility,
        param_visibility: s.paramVisibility,
        calibration_target: "resources",
        reported_error_bound: calibration?.error_bound ?? null,
        calibration_max_abs_error: calibration?.max_abs_error ?? null,
      },
      constraints: compiled.constraints,
      powerOfTau: compiled.power,
      publicSignals: compiled.publicSignals,
      compileSeconds: round(compiled.seconds, 2),
      setupSeconds: round(setup.setupSeconds, 2),
      setupCpuSeconds: round(setupCpuSeconds, 2),
      setupLoadAverage: round(os.loadavg()[0] ?? 0, 2),
      ptauPrepareSeconds: round(setup.ptauSeconds, 2),
      witnessSeconds: round(mean(witnessTimes)),
      proveSecondsCold: round(cold.seconds),
      proveSecondsWarm: round(warmProve),
      proveSecondsChildProcess: round(child.seconds),
      verifySeconds: round(mean(verifyTimes)),
      cliProve: cli,
      peakRssBytesProving: child.maxRssBytes,
      peakRssBytesFloor: floor.maxRssBytes,
      singleThreadChildProcess: {
        proveSeconds: round(single.seconds),
        peakRssBytes: single.maxRssBytes,
      },
      memoryNote:
        "peak RSS of a fresh process (node + tsx + snarkjs) that proves once; floor = same process without proving; snarkjs' default curve runs worker threads",
      pkBytes: statSync(f("pk.key")).size,
      vkBytes: statSync(f("vk.key")).size,
      proofBytesOnChain: 256,
      verifierBytecodeBytes: evm.bytecodeBytes,
      verifyGas: Number(onChain.gas ?? 0n),
      verifyGasNote:
        "eth_estimateGas of verifyProof on the generated verifier (includes the 21,000 base and calldata)",
      accuracy:
        s.task === "classification"
          ? {
              heldOutSamples: n,
              float: round(floatCorrect / n),
              quantized: round(quantCorrect / n),
              lossPercentagePoints: round(((floatCorrect - quantCorrect) / n) * 100, 2),
              argmaxAgreement: round(agree / n),
              maxAbsOutputDiff: round(maxAbsDiff, 5),
            }
          : {
              heldOutSamples: n,
              floatRmse: round(Math.sqrt(floatSq / n), 3),
              quantizedRmse: round(Math.sqrt(quantSq / n), 3),
              maxAbsOutputDiff: round(maxAbsDiff, 5),
            },
      baseline: {
        what: "onnxruntime-node float32 inference of one sample (1 thread), same process",
        seconds: round(mean(inferTimes), 6),
        proveOverInference: Math.round(warmProve / mean(inferTimes)),
      },
    };
    log(
      `  prove ${warmProve.toFixed(3)} s warm (${cold.seconds.toFixed(3)} s cold), peak RSS ${(child.maxRssBytes / 2 ** 20).toFixed(0)} MB, verify gas ${row.verifyGas}, accuracy ${JSON.stringify(row.accuracy)}`,
    );
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function mergeRows(rows: { name: string }[]): { name: string }[] {
  let previous: { name: string }[] = [];
  try {
    previous = (JSON.parse(readFileSync(resultsFile, "utf8")) as { results: { name: string }[] })
      .results;
  } catch {}
  const fresh = new Map(rows.map((r) => [r.name, r]));
  const merged = previous.map((r) => fresh.get(r.name) ?? r);
  for (const r of rows) if (!previous.some((p) => p.name === r.name)) merged.push(r);
  return merged;
}

const chain = await startTestChain();
try {
  const key = chain.accounts[0]?.privateKey;
  if (!key) throw new Error("no dev account");
  const anvil = resolveAnvilBinary();
  const rows = [];
  for (const s of SUITE.filter((x) => !values.only || x.name === values.only))
    rows.push(await runSuite(s, chain.anvil.rpcUrl, key));
  const result = {
    name: NAME,
    date: new Date().toISOString(),
    machine: describeMachine([
      { name: "anvil", command: [anvil.command, ...anvil.args, "--version"] },
    ]),
    inputs: {
      runs: RUNS,
      prover: "snarkjs 0.7.6 Groth16 (BN254), in process",
      compiler: "circom2 0.2.23 (wasm), --O2",
      setup:
        "development key written directly from fresh local secrets (packages/zk/src/pipeline/devZkey.ts; no powers of tau, no ceremony: NOT for production); before 2026-12-07 rows: development powers of tau + newZKey + one contribution",
      inputCommitment:
        "input_visibility hashed: poseidonHashInputs (inputs packed 7 x 32 bits per field element, one Poseidon16 per 15 words; packages/zk/src/compiler/README.md); rows before 2026-12-07 06:30 UTC: poseidonHashVector of the unpacked inputs (~3250 constraints for 64 pixels)",
      data: "held-out rows (i % 5 == 0) of examples/data/digits.csv (pixels / 16) and examples/zk/data/diabetes.csv",
    },
    // --only re-measures one suite and keeps the other rows of the last full run.
    results: values.only ? mergeRows(rows) : rows,
    anchors: {
      source:
        "specs/zkml-anchors.md (EZKL Jan-2024 benchmark; Guy1m0 ZKML-Benchmark; snarkjs on a 2-core box)",
      ezklLinearRegressionProveSeconds: 0.12,
      ezklLinearRegressionMemoryKB: 19375,
      circomlibMlMlp196_25_10: { proveSeconds: 1.17, memoryMB: 999, constraints: 18075 },
      ezklResourcesMlp196_25_10: { proveSeconds: 0.65, memoryMB: 91, accuracyLossPercent: 4.52 },
      ezklAccuracyMlp196_25_10: { proveSeconds: 19.1, memoryMB: 2617, accuracyLossPercent: 0.08 },
      groth16VerifyGasRange: [210000, 250000],
      ezklHalo2VerifyGas: 399775,
    },
  };
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nwrote ${path.relative(repoRoot, resultsFile)}`);
} finally {
  await terminateSnarkjs();
  await chain.stop();
}
