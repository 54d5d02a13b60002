import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
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
import {
  chainFor,
  type NoosphereAddresses,
  type NoosphereClient,
  noosphereActions,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { createWalletClient, http, nonceManager, parseEther, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { newestSourceMtimeMs } from "../packages/cli/bin/stamp.js";
import { startDevnetWithProviders } from "../packages/cli/src/localProviders.js";
import { describeMachine } from "./lib/machine.js";
import { treeCpuSeconds } from "./lib/proccpu.js";
import { summarize as stats } from "./lib/stats.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const packagesDir = path.join(repoRoot, "packages");
const stampFile = path.join(packagesDir, "cli", "dist", "build.json");
const resultsFile = path.join(repoRoot, "bench/results/provider.json");
// --label names this run in the results file (e.g. "before" on the old code, "after"): the other
// labels' runs are kept beside it, so one file shows both.
const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "200" },
    label: { type: "string", default: "after" },
    // Jobs each tenant account keeps in flight (its transactions take nonces from a local nonce
    // manager, so they need not wait for each other's receipts).
    inflight: { type: "string", default: "2" },
  },
});
const jobs = Number(values.jobs);
const inflight = Number(values.inflight);

/** The providers run `noos` (bin/noos.js): the compiled build while it is fresh, else tsx. */
function buildIsFresh(): boolean {
  if (!existsSync(stampFile)) return false;
  const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as { sourcesMtimeMs: number };
  return newestSourceMtimeMs(packagesDir) <= stamp.sourcesMtimeMs;
}
if (!buildIsFresh()) {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const built = spawnSync(process.execPath, [tsx, path.join(packagesDir, "cli/scripts/build.ts")]);
  if (built.status !== 0) throw new Error(`the build failed: ${built.stderr}`);
}
const LANES = [1, 2, 3, 7, 8, 9]; // tenant dev accounts, one sequential lane each
/** Each job's escrow, NOOS. */
const DEPOSIT = "1";

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
  const { info, providers } = await startDevnetWithProviders({
    dir,
    port: await getFreePort(),
    count: 3,
  });
  /** CPU seconds so far of each part: the chain (anvil), the providers with their job workers, the rest. */
  const providerPids = new Set(providers.map((p) => p.pid));
  const cpuOfDevnet = () =>
    treeCpuSeconds(info.pid, ({ pid, comm, ancestors }) =>
      comm === "anvil"
        ? "anvil"
        : providerPids.has(pid) || ancestors.some((a) => providerPids.has(a))
          ? "providers"
          : "devnet",
    );
  // Decided when the providers started: whether they (and their job workers) run compiled JS.
  const providersCompiled = buildIsFresh();
  const contracts = info.contracts as NoosphereAddresses;
  const store = createStore({ kind: "local", dir: path.join(dir, "store") });

  const latencies: { orderToLease: number; leaseToResult: number; total: number }[] = [];
  /** The tenant's side of each job: publish, order, and result -> accepted (settle). */
  const tenantPhases: { publish: number; order: number; settle: number }[] = [];
  /** Jobs that failed and were ordered again, with the step they reached. */
  const failures: { job: number; attempt: number; step: string; error: string }[] = [];
  const lastStep = (t: Partial<Record<string, number>>) =>
    Object.entries(t)
      .sort((a, b) => (a[1] ?? 0) - (b[1] ?? 0))
      .at(-1)?.[0] ?? "none";
  /** Wall-clock (ms since epoch) of each order's lease and result as the tenant saw them. */
  const seen = new Map<string, { leased?: number; result?: number }>();

  /** One job through the market; `record`: count it in the figures (not for the warm-up). */
  async function runJob(
    client: NoosphereClient,
    lane: number,
    job: number,
    { record } = { record: true },
  ): Promise<void> {
    const laneDir = path.join(dir, `lane-${lane}`);
    const inputFile = path.join(laneDir, `input-${job}.json`);
    await writeEzklInput(inputFile, { input_data: [inputs[job % inputs.length] as number[]] });
    const manifest = path.join(laneDir, `job-${job}.yaml`);
    await writeFile(
      manifest,
      `version: "1"
kind: inference
model: ${modelPath}
input: ${inputFile}
resources: { cpu: 1, memory: 256Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "${DEPOSIT}" }
verification: { mode: receipt }
deadline: 5m
bidWindow: ${record ? "10s" : "60s"}
`,
    );
    let t: Partial<Record<DeployProgress["step"], number>> = {};
    let started = performance.now();
    // A tenant transaction that lost a race fails the job: it is counted and the job ordered
    // again, so one lost race does not end the run.
    for (let attempt = 1; ; attempt++) {
      t = {};
      started = performance.now();
      try {
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
            if (record && (e.step === "leased" || e.step === "result")) {
              const at = seen.get(e.orderId.toString()) ?? {};
              at[e.step] ??= Date.now();
              seen.set(e.orderId.toString(), at);
            }
          },
        });
        break;
      } catch (err) {
        const message = (err as { shortMessage?: string }).shortMessage ?? String(err);
        if (record) failures.push({ job, attempt, step: lastStep(t), error: message });
        if (attempt >= 3) throw err;
      }
    }
    if (!record) return;
    const finished = performance.now();
    tenantPhases.push({
      publish: ((t.published ?? 0) - started) / 1000,
      order: ((t.ordered ?? 0) - (t.published ?? 0)) / 1000,
      settle: (finished - (t.result ?? 0)) / 1000,
    });
    latencies.push({
      orderToLease: ((t.leased ?? 0) - (t.ordered ?? 0)) / 1000,
      leaseToResult: ((t.result ?? 0) - (t.leased ?? 0)) / 1000,
      total: (finished - started) / 1000,
    });
  }
  // One client per tenant account, made as a tenant with many jobs in flight would: a local nonce
  // manager, and reads issued together sent as one JSON-RPC batch.
  const clients = LANES.map((account) => {
    const key = info.accounts[account]?.privateKey;
    if (!key) throw new Error(`no dev account ${account}`);
    return createWalletClient({
      account: privateKeyToAccount(key, { nonceManager }),
      chain: chainFor(info.chainId, info.rpcUrl),
      transport: http(info.rpcUrl, { batch: true }),
      pollingInterval: 50,
    })
      .extend(publicActions)
      .extend(noosphereActions(contracts)) as NoosphereClient;
  });
  await Promise.all(
    clients.map(async (client, lane) => {
      // A tenant with many jobs funds its market account once for all of them (by permit: no
      // approve): each order's deposit then comes from that balance, and what a job did not cost
      // goes back to it, so no order moves tokens from the wallet.
      await client.fundAccountAndWait({
        token: contracts.token,
        amount: parseEther(DEPOSIT) * BigInt(jobs + LANES.length * inflight),
      });
      await mkdir(path.join(dir, `lane-${lane}`), { recursive: true });
    }),
  );
  // Warm-up, not measured: one job per lane, with a 60 s bid window. Providers that just started
  // (on a busy machine) take seconds for their first bids: first calls of each code path, job
  // workers loading the model, a first approval.
  const warmupFailures: string[] = [];
  await Promise.all(
    clients.map((client, lane) =>
      runJob(client, lane, jobs + lane, { record: false }).catch((err: unknown) => {
        warmupFailures.push((err as { shortMessage?: string }).shortMessage ?? String(err));
      }),
    ),
  );
  let next = 0;
  const cpuBefore = cpuOfDevnet();
  const tenantCpuBefore = process.cpuUsage();
  const marketStart = performance.now();
  await Promise.all(
    clients.flatMap((client, lane) =>
      Array.from({ length: inflight }, async () => {
        for (let job = next++; job < jobs; job = next++) await runJob(client, lane, job);
      }),
    ),
  );
  const marketSeconds = (performance.now() - marketStart) / 1000;
  const tenantCpu = process.cpuUsage(tenantCpuBefore);
  const cpuAfter = cpuOfDevnet();
  const cpuSeconds: Record<string, number> = {
    tenants: (tenantCpu.user + tenantCpu.system) / 1e6,
    ...Object.fromEntries(
      Object.entries(cpuAfter).map(([k, v]) => [k, Math.max(0, v - (cpuBefore[k] ?? 0))]),
    ),
  };
  const cpuTotal = Object.values(cpuSeconds).reduce((a, b) => a + b, 0);
  await stopDevnet({ dir });
  const phases = await providerPhases(seen);

  const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot })
    .stdout.toString()
    .trim();
  const run = {
    date: new Date().toISOString(),
    commit,
    providersRan: providersCompiled
      ? "compiled build (packages/*/dist), job workers from worker.js"
      : "sources through tsx (the build was older than the sources)",
    machine: describeMachine(),
    inputs: {
      jobs,
      lanes: LANES.length,
      jobsInFlightPerLane: inflight,
      warmupJobs: LANES.length,
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
      failedAndReordered: failures,
      warmupFailures,
      ratioDirectToMarket: jobs / directSeconds / (jobs / marketSeconds),
      // CPU time per job of each part (same in a busy or a quiet machine, unlike jobs/s): the
      // tenants (this process, all lanes), anvil, the providers with their job workers, the devnet.
      cpuMsPerJob: {
        total: Math.round((cpuTotal * 1000) / jobs),
        ...Object.fromEntries(
          Object.entries(cpuSeconds).map(([k, v]) => [k, Math.round((v * 1000) / jobs)]),
        ),
      },
      // Jobs per second if these processes had the machine's cores to themselves.
      cpuBoundJobsPerSecond: (describeMachine().cpu.cores * jobs) / cpuTotal,
      latencySeconds: {
        orderToLease: stats(latencies.map((l) => l.orderToLease)),
        leaseToResult: stats(latencies.map((l) => l.leaseToResult)),
        total: stats(latencies.map((l) => l.total)),
      },
      // The tenant's own steps: start -> published (files and manifest into the store, reads),
      // published -> ordered (approval if the allowance is short, createOrder), result -> accepted.
      tenantPhasesSeconds: {
        publish: stats(tenantPhases.map((p) => p.publish)),
        order: stats(tenantPhases.map((p) => p.order)),
        settle: stats(tenantPhases.map((p) => p.settle)),
      },
      // Where lease -> result goes, from the providers' logs (same machine, same clock).
      leaseToResultPhases: {
        leaseToProviderStart: stats(phases.leaseToStart),
        providerRun: stats(phases.run),
        submitToTenant: stats(phases.submitToTenant),
        ...Object.fromEntries(
          Object.entries(phases.timings).map(([name, xs]) => [`${name}Ms`, stats(xs)]),
        ),
      },
    },
  };
  // One file, one entry per label: "before" (the old code) and "after" side by side.
  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, "utf8")) as { runs?: Record<string, unknown> })
    : {};
  const result = {
    name: "provider",
    about:
      "one-sample inference jobs through the market (devnet + 3 providers, 6 tenant lanes); lease -> result is what a provider's job path costs. runs.before: the code before the warm worker pool; runs.after: with it",
    runs: { ...(previous.runs ?? {}), [values.label as string]: run },
  };
  await mkdir(path.join(repoRoot, "bench/results"), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(run.metrics, null, 2));
  console.log(
    `direct onnxruntime: ${(jobs / directSeconds).toFixed(0)} inferences/s; market: ${(jobs / marketSeconds).toFixed(2)} jobs/s`,
  );

  /** Reads every provider's pino log: "job started" and "result submitted" per lease. */
  async function providerPhases(tenant: Map<string, { leased?: number; result?: number }>) {
    const leaseToStart: number[] = [];
    const run: number[] = [];
    const submitToTenant: number[] = [];
    const timings: Record<string, number[]> = {};
    for (const i of [0, 1, 2]) {
      const log = await readFile(path.join(dir, "providers", `p${i}`, "provider.log"), "utf8");
      const started = new Map<string, number>();
      for (const line of log.split("\n")) {
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as {
          msg?: string;
          time: number;
          leaseId?: string | number;
          timings?: Record<string, number>;
        };
        const id = String(entry.leaseId);
        const at = tenant.get(id);
        if (entry.msg === "job started") {
          started.set(id, entry.time);
          if (at?.leased) leaseToStart.push((entry.time - at.leased) / 1000);
        } else if (entry.msg === "result submitted") {
          const begin = started.get(id);
          if (begin) run.push((entry.time - begin) / 1000);
          if (at?.result) submitToTenant.push((at.result - entry.time) / 1000);
          for (const [name, ms] of Object.entries(entry.timings ?? {})) {
            timings[name] = [...(timings[name] ?? []), ms];
          }
        }
      }
    }
    return { leaseToStart, run, submitToTenant, timings };
  }
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
