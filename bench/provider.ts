import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getFreePort, stopDevnet } from "@noosphere/devnet";
import {
  createSession,
  encodeModel,
  loadTable,
  mlpToOnnx,
  runInference,
  splitTrainTest,
  toFeaturesAndLabels,
  trainMlp,
  writeEzklInput,
} from "@noosphere/ml";
import { type DeployProgress, deployJob } from "@noosphere/node";
import { createNoosClient, type NoosphereAddresses, noosphereActions } from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { startDevnetWithProviders } from "../packages/cli/src/localProviders.js";
import { describeMachine } from "./lib/machine.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const _noosBin = path.join(repoRoot, "packages/cli/bin/noos.js");
const { values } = parseArgs({ options: { jobs: { type: "string", default: "200" } } });
const jobs = Number(values.jobs);
const LANES = [1, 2, 3, 7, 8, 9]; // tenant dev accounts, one sequential lane each

const dir = await mkdtemp(path.join(tmpdir(), "noos-bench-provider-"));
try {
  // A small model: the digits MLP, trained here (deterministic), and one input per job.
  const table = await loadTable(path.join(repoRoot, "examples/data/digits.csv"));
  const { train, test } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
  const set = toFeaturesAndLabels({ columns: table.columns, rows: train }, { label: "label" });
  const { mlp } = trainMlp(
    {
      layers: [64, 32, 10],
      epochs: 5,
      learningRate: 0.05,
      batchSize: 32,
      seed: 1,
      inputScale: 1 / 16,
    },
    set.features,
    set.labels,
  );
  const modelBytes = encodeModel(mlpToOnnx(mlp));
  const modelPath = path.join(dir, "model.onnx");
  await writeFile(modelPath, modelBytes);
  const inputs = Array.from({ length: jobs }, (_, i) =>
    (test[i % test.length] as number[]).slice(0, 64),
  );

  // Baseline: the same inferences, directly with onnxruntime, one at a time.
  const session = await createSession(modelPath);
  const directStart = performance.now();
  for (const input of inputs) await runInference(session, { input_data: [input] });
  const directSeconds = (performance.now() - directStart) / 1000;

  // The market: devnet + 3 providers.
  const { info } = await startDevnetWithProviders({ dir, port: await getFreePort(), count: 3 });
  const contracts = info.contracts as NoosphereAddresses;
  const store = createStore({ kind: "local", dir: path.join(dir, "store") });

  const latencies: { orderToLease: number; leaseToResult: number; total: number }[] = [];
  let next = 0;
  const marketStart = performance.now();
  await Promise.all(
    LANES.map(async (account, lane) => {
      const key = info.accounts[account]?.privateKey;
      if (!key) throw new Error(`no dev account ${account}`);
      const client = createNoosClient({
        rpcUrl: info.rpcUrl,
        chainId: info.chainId,
        privateKey: key,
        pollingInterval: 50,
      }).extend(noosphereActions(contracts));
      const laneDir = path.join(dir, `lane-${lane}`);
      await mkdir(laneDir, { recursive: true });
      for (let job = next++; job < jobs; job = next++) {
        const inputFile = path.join(laneDir, `input-${job}.json`);
        await writeEzklInput(inputFile, { input_data: [inputs[job] as number[]] });
        const manifest = path.join(laneDir, `job-${job}.yaml`);
        await writeFile(
          manifest,
          `version: "1"
kind: inference
model: ${modelPath}
input: ${inputFile}
resources: { cpu: 1, memory: 256Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 5m
bidWindow: 10s
`,
        );
        const t: Partial<Record<DeployProgress["step"], number>> = {};
        const started = performance.now();
        await deployJob({
          client,
          contracts,
          store,
          manifestPath: manifest,
          acceptFirstBid: true,
          resultsDir: path.join(laneDir, "results"),
          pollIntervalMs: 50,
          onProgress: (e) => {
            t[e.step] ??= performance.now();
          },
        });
        latencies.push({
          orderToLease: ((t.leased ?? 0) - (t.ordered ?? 0)) / 1000,
          leaseToResult: ((t.result ?? 0) - (t.leased ?? 0)) / 1000,
          total: (performance.now() - started) / 1000,
        });
      }
    }),
  );
  const marketSeconds = (performance.now() - marketStart) / 1000;
  await stopDevnet({ dir });

  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
    return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: at(0.5), p95: at(0.95) };
  };
  const result = {
    name: "provider",
    date: new Date().toISOString(),
    machine: describeMachine(),
    inputs: {
      jobs,
      lanes: LANES.length,
      providers: 3,
      model: "digits MLP 64-32-10 (ONNX)",
      jobKind: "inference, one sample",
    },
    baseline: {
      directOnnxruntimeSeconds: directSeconds,
      directJobsPerSecond: jobs / directSeconds,
    },
    metrics: {
      marketSeconds,
      marketJobsPerSecond: jobs / marketSeconds,
      ratioDirectToMarket: jobs / directSeconds / (jobs / marketSeconds),
      latencySeconds: {
        orderToLease: stats(latencies.map((l) => l.orderToLease)),
        leaseToResult: stats(latencies.map((l) => l.leaseToResult)),
        total: stats(latencies.map((l) => l.total)),
      },
    },
  };
  await mkdir(path.join(repoRoot, "bench/results"), { recursive: true });
  await writeFile(
    path.join(repoRoot, "bench/results/provider.json"),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result.metrics, null, 2));
  console.log(
    `direct onnxruntime: ${(jobs / directSeconds).toFixed(0)} inferences/s; market: ${(jobs / marketSeconds).toFixed(2)} jobs/s`,
  );
} catch (err) {
  // Show what the providers said: the first thing to look at when a job fails.
  for (const i of [0, 1, 2]) {
    const log = await readFile(path.join(dir, "providers", `p${i}`, "provider.log"), "utf8").catch(
      () => "",
    );
    console.error(
      `--- provider p${i} (last lines)\n${log.trim().split("\n").slice(-5).join("\n")}`,
    );
  }
  throw err;
} finally {
  await stopDevnet({ dir }).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
