// `noos demo` (what `npm start` runs): a devnet with three providers, then examples/digits
// through the market: train an MLP on the training split, run batch inference with the trained
// model on the held-out split, and report the accuracy and what it cost.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DeployProgress } from "@noosphere/node";
import type { NoosphereAddresses } from "@noosphere/sdk";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { noos, printJson } from "../output.js";

// The devnet, the SDK (viem), @noosphere/node, ml and the store load inside the action:
// `noos demo --help` loads commander and this file only.
const loadDevnet = async () => ({
  ...(await import("@noosphere/devnet")),
  ...(await import("../localProviders.js")),
});

/** viem's formatEther, as output.ts inlines it (importing viem here would load it for --help). */
const formatEther = (wei: bigint) => noos(wei).slice(0, -" NOOS".length);

const here = path.dirname(fileURLToPath(import.meta.url));
const _noosBin = path.resolve(here, "../../bin/noos.js");
const digitsCsv = path.resolve(here, "../../../../examples/data/digits.csv");

const jobTail = `resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 10m
bidWindow: 10s
`;

type DisputeOptions = {
  corruptStep?: string;
  lieOp?: string;
  honest?: boolean;
  job?: string;
  withholdOutputs?: boolean;
};

/** App demos on the AI coprocessor: packages/cli/src/demos/<name>.ts, loaded only when run. */
export const APP_DEMOS = ["dao-delegate", "prediction-market", "trading-agent"] as const;
type AppDemoName = (typeof APP_DEMOS)[number];

export function registerDemo(program: Command, globals: () => GlobalOptions) {
  program
    .command("demo")
    .argument(
      "[name]",
      `digits (default: devnet + 3 providers, train and evaluate a digits classifier through the market), subnet (a live subnet: 5 miners, 3 validators, a weight copier and a keeper as processes), serving (an agent with a wallet buys inference from two leased endpoints over x402, by price and latency), data (compute-to-data: a buyer trains on encrypted digits it can never download), or an AI coprocessor app: ${APP_DEMOS.join(", ")}`,
    )
    .description(
      "run a capability end to end on the devnet (reuses a running one, or starts one) and report what it did",
    )
    .option(
      "--keep",
      "leave a devnet that the demo started running afterwards (stop with `noos devnet stop`)",
    )
    .option("--corrupt-step <n>", "dispute: the training step (1..1000) the provider corrupts")
    .option("--lie-op <name>", "dispute: lie about this operator's output in that step instead")
    .option("--honest", "dispute: an honest provider against a lying challenger")
    .option(
      "--withhold-outputs",
      "dispute: the provider serves no op outputs (the watcher finds the element by reveals: requestNodes / revealNodes)",
    )
    .option(
      "--job <kind>",
      "dispute: training (default), inference or evaluation (the digits MLP through the market), or cnn (the digits CNN's inference, cnn-infer)",
    )
    .action(async (name: string | undefined, opts: { keep?: boolean } & DisputeOptions) => {
      const { dir, json } = globals();
      const say = json ? () => {} : (line: string) => process.stdout.write(`${line}\n`);
      if (name === "dispute") {
        const { runDisputeDemoCommand } = await import("../demos/dispute.js");
        await runDisputeDemoCommand({ dir, json: json === true, say, ...opts });
        return;
      }
      if (name === "coprocessor-optimistic") {
        const { runCoprocessorOptimisticDemoCommand } = await import(
          "../demos/coprocessor-optimistic.js"
        );
        await runCoprocessorOptimisticDemoCommand({ json: json === true, say });
        return;
      }
      if (name === "subnet") {
        await runSubnetDemoCommand({ dir, json: json === true, say, keep: opts.keep });
        return;
      }
      if (name === "data") {
        const { runDataDemoCommand } = await import("../demos/data.js");
        await runDataDemoCommand({ dir, json: json === true, say, keep: opts.keep });
        return;
      }
      if (name === "serving") {
        const { runServingDemoCommand } = await import("../demos/serving.js");
        await runServingDemoCommand({ dir, json: json === true, say, keep: opts.keep });
        return;
      }
      if (name !== undefined && name !== "digits") {
        if (!(APP_DEMOS as readonly string[]).includes(name)) {
          const { InvalidParameterError } = await import("@noosphere/sdk");
          throw new InvalidParameterError({
            field: "name",
            expected: `one of digits, subnet, serving, data, ${APP_DEMOS.join(", ")}`,
            received: name,
          });
        }
        await runAppDemo(name as AppDemoName, { dir, json: json === true, say, keep: opts.keep });
        return;
      }
      const started = Date.now();
      const {
        getFreePort,
        isPortFree,
        PROVIDERS_FILE,
        readDevnet,
        startDevnetWithProviders,
        stopDevnet,
      } = await loadDevnet();
      const { BaseError, createNoosClient, formatNoos, noosphereActions } = await import(
        "@noosphere/sdk"
      );
      const { loadTable, splitTrainTest, writeTable } = await import("@noosphere/ml");
      const { deployJob } = await import("@noosphere/node");
      const { createStore } = await import("@noosphere/storage");

      // 1. A devnet with providers: reuse a running one, or start one.
      let ours = false;
      let running = await readDevnet(dir).catch(() => undefined);
      if (!running) {
        const port = (await isPortFree(8545)) ? 8545 : await getFreePort();
        say(`starting a devnet on port ${port} with 3 providers...`);
        running = (await startDevnetWithProviders({ dir, port, count: 3 })).info;
        ours = true;
      } else if (!existsSync(path.join(dir, PROVIDERS_FILE))) {
        throw new BaseError(
          `The devnet in ${dir} runs without providers: stop it, or start it with --providers 3.`,
        );
      }
      const info = running;
      const contracts = info.contracts as NoosphereAddresses;
      const tenantKey = info.accounts[1]?.privateKey;
      if (!tenantKey) throw new Error("devnet has no tenant account");
      const client = createNoosClient({
        rpcUrl: info.rpcUrl,
        chainId: info.chainId,
        privateKey: tenantKey,
      }).extend(noosphereActions(contracts));
      const store = createStore({ kind: "local", dir: path.join(path.resolve(dir), "store") });

      try {
        // 2. The data: the vendored digits, split 80/20 with a fixed seed.
        const work = path.resolve(dir, "demo");
        await mkdir(work, { recursive: true });
        const table = await loadTable(digitsCsv);
        const { train, test } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
        const labelAt = table.columns.indexOf("label");
        const features = (rows: number[][]) => rows.map((r) => r.filter((_, i) => i !== labelAt));
        await writeTable(path.join(work, "train.csv"), { columns: table.columns, rows: train });
        await writeTable(path.join(work, "test-features.csv"), {
          columns: table.columns.filter((c) => c !== "label"),
          rows: features(test),
        });
        const labels = test.map((r) => r[labelAt] as number);

        const progress = (e: DeployProgress) => {
          if (e.step === "bid")
            say(`    bid: ${e.provider} at ${formatEther(e.pricePerSecond)} NOOS/s`);
          if (e.step === "leased") say(`    leased order ${e.orderId} to ${e.provider}`);
          if (e.step === "result") say(`    result ${e.resultCid}`);
        };

        // 3. Train through the market.
        say(`training an MLP (64-32-10) on ${train.length} digits through the market...`);
        await writeFile(
          path.join(work, "training.yaml"),
          `version: "1"
kind: training
input: train.csv
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: 20
  batchSize: 32
  seed: 1
  labelsColumn: label
${jobTail}`,
        );
        const trained = await deployJob({
          client,
          contracts,
          store,
          manifestPath: path.join(work, "training.yaml"),
          resultsDir: path.join(work, "results"),
          onProgress: progress,
        });
        const trainedDoc = JSON.parse(await readFile(trained.files.result as string, "utf8"));
        const modelCid = (trainedDoc as { model: { cid: string } }).model.cid;

        // 4. Batch inference with the trained model on the held-out split.
        say(`running the trained model on ${test.length} held-out digits through the market...`);
        await writeFile(
          path.join(work, "inference.yaml"),
          `version: "1"
kind: inference
model: { cid: ${modelCid} }
input: test-features.csv
${jobTail}`,
        );
        const inferred = await deployJob({
          client,
          contracts,
          store,
          manifestPath: path.join(work, "inference.yaml"),
          resultsDir: path.join(work, "results"),
          onProgress: progress,
        });
        const { output_data } = JSON.parse(
          await readFile(inferred.files.output as string, "utf8"),
        ) as { output_data: number[][] };
        const correct = output_data.filter(
          (row, i) => row.indexOf(Math.max(...row)) === labels[i],
        ).length;
        const accuracy = correct / labels.length;
        const cost = trained.cost + inferred.cost;
        const seconds = (Date.now() - started) / 1000;
        const summary = {
          accuracy,
          correct,
          heldOut: labels.length,
          cost,
          training: {
            order: trained.replicas[0]?.orderId,
            provider: trained.replicas[0]?.provider,
            cost: trained.cost,
            model: modelCid,
          },
          inference: {
            order: inferred.replicas[0]?.orderId,
            provider: inferred.replicas[0]?.provider,
            cost: inferred.cost,
          },
          results: path.join(work, "results"),
          seconds,
        };
        if (json) printJson(summary);
        else {
          say("");
          say(`held-out accuracy: ${accuracy.toFixed(4)} (${correct}/${labels.length})`);
          say(
            `cost: ${formatNoos(cost)} NOOS (training ${formatNoos(trained.cost)}, inference ${formatNoos(inferred.cost)})`,
          );
          say(`model: ${modelCid}`);
          say(
            `results: ${summary.results}; orders: noos market orders; leases: noos market leases`,
          );
          say(`done in ${seconds.toFixed(1)} s`);
        }
      } finally {
        if (ours && !opts.keep) await stopDevnet({ dir });
        else if (ours) say("devnet and providers keep running: stop them with `noos devnet stop`");
      }
    });
}

/**
 * Runs demos/<name>.ts on the running devnet (it must have coprocessor nodes), or on one it starts
 * with one coprocessor node; prints the demo's figures with "ok": true.
 */
async function runAppDemo(
  name: AppDemoName,
  p: { dir: string; json: boolean; say: (line: string) => void; keep?: boolean | undefined },
) {
  const started = Date.now();
  const { getFreePort, isPortFree, readDevnet, startDevnetWithProviders, stopDevnet } =
    await loadDevnet();
  let ours = false;
  if (!(await readDevnet(p.dir).catch(() => undefined))) {
    const port = (await isPortFree(8545)) ? 8545 : await getFreePort();
    p.say(`starting a devnet on port ${port} with 1 coprocessor node...`);
    await startDevnetWithProviders({ dir: p.dir, port, count: 0, coprocessors: 1 });
    ours = true;
  }
  try {
    const [{ createDemoContext }, demo] = await Promise.all([
      import("../demos/common.js"),
      import(`../demos/${name}.js`) as Promise<import("../demos/common.js").AppDemo>,
    ]);
    const ctx = await createDemoContext({ dir: p.dir, json: p.json, say: p.say });
    p.say(`${name}: ${demo.description}`);
    const figures = await demo.run(ctx);
    const seconds = (Date.now() - started) / 1000;
    if (p.json) printJson({ ok: true, demo: name, ...figures, seconds });
    else p.say(`done in ${seconds.toFixed(1)} s`);
  } finally {
    // snarkjs keeps worker threads for its curve: end them, or the process never exits.
    await (await import("@noosphere/zk")).terminateSnarkjs();
    if (ours && !p.keep) await stopDevnet({ dir: p.dir });
    else if (ours) p.say("the devnet keeps running: stop it with `noos devnet stop`");
  }
}

/**
 * `noos demo subnet`: runs demos/subnet.ts on the running devnet, or on a plain one it starts;
 * prints its figures with "ok" (and exits 1 when a target is missed).
 */
async function runSubnetDemoCommand(p: {
  dir: string;
  json: boolean;
  say: (line: string) => void;
  keep?: boolean | undefined;
}) {
  const started = Date.now();
  const { getFreePort, isPortFree, readDevnet, startDevnetWithProviders, stopDevnet } =
    await loadDevnet();
  let ours = false;
  let devnet = await readDevnet(p.dir).catch(() => undefined);
  if (!devnet) {
    const port = (await isPortFree(8545)) ? 8545 : await getFreePort();
    p.say(`starting a devnet on port ${port}...`);
    devnet = (await startDevnetWithProviders({ dir: p.dir, port, count: 0 })).info;
    ours = true;
  }
  try {
    const { runSubnetDemo } = await import("../demos/subnet.js");
    p.say("subnet: held-out inference, scored live by validators over HTTP, paid on chain");
    const figures = await runSubnetDemo({ dir: p.dir, devnet, json: p.json, say: p.say });
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    if (p.json) printJson({ ...figures, demo: "subnet", seconds });
    else p.say(`${figures.ok ? "ok" : "NOT ok"}: done in ${seconds.toFixed(1)} s`);
    if (!figures.ok) process.exitCode = 1;
  } finally {
    if (ours && !p.keep) await stopDevnet({ dir: p.dir });
    else if (ours) p.say("the devnet keeps running: stop it with `noos devnet stop`");
  }
}
