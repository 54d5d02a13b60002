// Live-subnet networking: (1) the axon's overhead on an empty synapse against a bare node:http
// echo server in the same run, and (2) a validator round over 64 local miners (4 processes of
// 16 axons) through the dendrite: per-query p50/p95 latency and queries/s, against the same
// fan-out to 64 bare echo servers. Writes bench/results/subnet.json and prints a summary.
//
//   npx tsx bench/subnet.ts [--only axonOverhead,validatorRound]
//
// Sections: each is a BenchSection (bench/lib/subnet-setup.ts) in SECTIONS; its result goes
// under `sections.<name>`. `--only` reruns some sections and keeps the others' last results.
// A benchmark, not a test: it fails only if a query fails, never on a timing.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startTestDeployment } from "@noosphere/devnet";
import { createSignerCache } from "@noosphere/sdk";
import {
  createAxon,
  createDendrite,
  createMetagraph,
  hashBody,
  hashRequest,
  recoverRequestSigner,
  recoverResponseSigner,
  route,
  signRequest,
  signResponse,
} from "@noosphere/subnet";
import { type Hex, type LocalAccount, parseEther } from "viem";
import { describeMachine } from "./lib/machine.js";
import { round, summarize } from "./lib/stats.js";
import { gasPerTempo } from "./lib/subnet-gas.js";
import { type BenchContext, type BenchSection, setupSubnet } from "./lib/subnet-setup.js";
import { BENCH_SYNAPSE, benchAnswer, EMPTY_SYNAPSE } from "./lib/subnet-synapse.js";

const NAME = "subnet";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const log = (message: string) => process.stdout.write(`${message}\n`);

const OVERHEAD = {
  warmup: 300,
  blocks: 20,
  perBlock: 100,
  concurrent: 16,
  concurrentRequests: 2000,
};
const ROUND = { miners: 64, processes: 4, warmup: 3, rounds: 30, timeoutMs: 12_000 };
/** Dev accounts: 0 deployer/keeper, 1 owners, 2 validator, 3.. miners. */
const OWNER = 1;
const VALIDATOR = 2;
const FIRST_MINER = 3;

const ms = (t0: number) => performance.now() - t0;

// ------------------------------------------------------------------ (1) axon overhead

const axonOverhead: BenchSection = {
  name: "axonOverhead",
  about:
    "one client, sequential POSTs on keep-alive connections, client and server in this process: a bare node:http echo server (fetch) vs an axon on the empty synapse through the dendrite (request signed, checked: signature, window, permit, nonce, rate; answer signed and checked). Blocks of 100 alternate between the two. Then 16 in flight for throughput. cryptoMs: the four ECDSA steps one query costs, timed alone.",
  async run({ net, log }) {
    const { netuid } = await setupSubnet(net, {
      owner: OWNER,
      neurons: [VALIDATOR, FIRST_MINER],
      stakes: new Map([[VALIDATOR, parseEther("100")]]),
    });
    const { subnetRegistry } = net.deployment.contracts;
    const metagraph = await createMetagraph(net.publicClient, { netuid, registry: subnetRegistry });
    const validator = account(net, VALIDATOR);
    const miner = account(net, FIRST_MINER);
    const axon = await createAxon({
      account: miner,
      netuid,
      metagraph,
      policy: { ratePerMinute: 1_000_000 },
      synapses: [route(EMPTY_SYNAPSE, async () => ({}))],
    });
    const bare = await bareEcho();
    const dendrite = createDendrite({ account: validator, netuid });
    const target = [{ uid: 1, hotkey: miner.address, endpoint: axon.url }];
    const viaBare = async () => {
      const t0 = performance.now();
      const res = await fetch(`${bare.url}/Empty`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      if (res.status !== 200 || (await res.text()) !== "{}") throw new Error("bare echo failed");
      return ms(t0);
    };
    const viaAxon = async () => {
      const t0 = performance.now();
      const [r] = await dendrite.query(target, EMPTY_SYNAPSE, {});
      if (r?.status !== "ok") throw new Error(`axon query failed: ${r?.status} ${r?.error}`);
      return ms(t0);
    };
    for (let i = 0; i < OVERHEAD.warmup; i++) {
      await viaBare();
      await viaAxon();
    }
    const bareMs: number[] = [];
    const axonMs: number[] = [];
    for (let b = 0; b < OVERHEAD.blocks; b++) {
      for (let i = 0; i < OVERHEAD.perBlock; i++) bareMs.push(await viaBare());
      for (let i = 0; i < OVERHEAD.perBlock; i++) axonMs.push(await viaAxon());
    }
    const throughput = async (one: () => Promise<number>) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: OVERHEAD.concurrent }, async () => {
          while (next++ < OVERHEAD.concurrentRequests) await one();
        }),
      );
      return round(OVERHEAD.concurrentRequests / (ms(t0) / 1000), 1);
    };
    const bareRps = await throughput(viaBare);
    const axonRps = await throughput(viaAxon);
    const cryptoMs = await cryptoSteps(validator, miner, netuid);
    await axon.close();
    await bare.close();
    const bareStats = summarize(bareMs);
    const axonStats = summarize(axonMs);
    log(
      `axon overhead: p50 ${axonStats.p50} ms vs bare ${bareStats.p50} ms (+${round(axonStats.p50 - bareStats.p50, 3)} ms); ${axonRps} vs ${bareRps} req/s at ${OVERHEAD.concurrent} in flight`,
    );
    return {
      latencyMs: { bare: bareStats, axon: axonStats },
      overheadMs: {
        p50: round(axonStats.p50 - bareStats.p50, 3),
        p95: round(axonStats.p95 - bareStats.p95, 3),
        mean: round(axonStats.mean - bareStats.mean, 3),
      },
      requestsPerSecond: {
        inFlight: OVERHEAD.concurrent,
        requests: OVERHEAD.concurrentRequests,
        bare: bareRps,
        axon: axonRps,
        ratio: round(bareRps / axonRps, 2),
      },
      cryptoMs,
    };
  },
};

/** Mean ms of each ECDSA step of one query, measured alone (500 runs each). */
async function cryptoSteps(validator: LocalAccount, miner: LocalAccount, netuid: number) {
  const runs = 500;
  const envelope = {
    netuid,
    synapse: "Empty",
    validator: validator.address,
    target: miner.address,
    nonce: 1n,
    timestamp: Date.now(),
    timeoutMs: 12_000,
    bodyHash: hashBody("{}"),
  };
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await f();
    return round(ms(t0) / runs, 4);
  };
  const { signature } = await signRequest(validator, envelope);
  const response = await signResponse(miner, hashRequest(envelope), "{}");
  const signers = createSignerCache();
  await recoverRequestSigner({ ...envelope, signature }, signers); // caches the key
  await recoverResponseSigner(response, signers);
  return {
    signRequest: await time(() => signRequest(validator, envelope)),
    /** By recovery: a caller's first request. */
    verifyRequestRecover: await time(() => recoverRequestSigner({ ...envelope, signature })),
    /** Against the cached key: every later request (what the axon and dendrite do). */
    verifyRequestCached: await time(() =>
      recoverRequestSigner({ ...envelope, signature }, signers),
    ),
    signResponse: await time(() => signResponse(miner, hashRequest(envelope), "{}")),
    verifyResponseRecover: await time(() => recoverResponseSigner(response)),
    verifyResponseCached: await time(() => recoverResponseSigner(response, signers)),
  };
}

async function bareEcho() {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

// ------------------------------------------------------------------ (2) validator round

const validatorRound: BenchSection = {
  name: "validatorRound",
  about:
    "one validator queries all 64 miners of a subnet concurrently (targets and endpoints from the metagraph), Bench synapse (64 floats in, their sum out), 30 rounds after 3 warm-up; miners are axons in 4 child processes of 16. bare: the same fan-out with plain fetch to 64 node:http echo servers in the same processes. latencyMs: per query; roundMs: wall time of one round; queriesPerSecond: ok queries / total round time.",
  async run({ net, log }) {
    const minerIdx = Array.from({ length: ROUND.miners }, (_, i) => FIRST_MINER + i);
    const { netuid } = await setupSubnet(net, {
      owner: OWNER,
      neurons: [VALIDATOR, ...minerIdx],
      stakes: new Map([[VALIDATOR, parseEther("100")]]),
    });
    const { subnetRegistry } = net.deployment.contracts;
    const perProcess = ROUND.miners / ROUND.processes;
    const children: ChildProcess[] = [];
    const axonUrls: string[] = [];
    const bareUrls: string[] = [];
    try {
      for (let p = 0; p < ROUND.processes; p++) {
        const keys = minerIdx
          .slice(p * perProcess, (p + 1) * perProcess)
          .map((i) => net.accounts[i]?.privateKey as Hex);
        const { child, urls } = await startMiners({
          rpcUrl: net.anvil.rpcUrl,
          registry: subnetRegistry,
          netuid,
          keys,
        });
        children.push(child);
        axonUrls.push(...urls.axons);
        bareUrls.push(...urls.bare);
      }
      // Miners publish their endpoints; the validator finds them through the metagraph.
      await Promise.all(
        minerIdx.map((i, k) =>
          net.client(i).setEndpointAndWait({ netuid, endpoint: axonUrls[k] as string }),
        ),
      );
      const metagraph = await createMetagraph(net.publicClient, {
        netuid,
        registry: subnetRegistry,
      });
      const validator = account(net, VALIDATOR);
      const targets = metagraph.neurons
        .filter((n) => n.endpoint !== "" && n.hotkey !== validator.address)
        .map((n) => ({ uid: n.uid, hotkey: n.hotkey, endpoint: n.endpoint }));
      if (targets.length !== ROUND.miners) throw new Error(`${targets.length} targets`);
      const dendrite = createDendrite({ account: validator, netuid, timeoutMs: ROUND.timeoutMs });
      const input = () => ({ input: Array.from({ length: 64 }, () => Math.random()) });

      const axonLat: number[] = [];
      const axonRound: number[] = [];
      const statuses: Record<string, number> = {};
      for (let r = 0; r < ROUND.warmup + ROUND.rounds; r++) {
        const req = input();
        const t0 = performance.now();
        const results = await dendrite.query(targets, BENCH_SYNAPSE, req);
        const wall = ms(t0);
        if (r < ROUND.warmup) continue;
        axonRound.push(wall);
        const expected = benchAnswer(req).output;
        for (const x of results) {
          statuses[x.status] = (statuses[x.status] ?? 0) + 1;
          if (x.status !== "ok" || x.response?.output !== expected)
            throw new Error(`uid ${x.uid}: ${x.status} ${x.error ?? ""}`);
          axonLat.push(x.latencyMs);
        }
      }
      const bareLat: number[] = [];
      const bareRound: number[] = [];
      for (let r = 0; r < ROUND.warmup + ROUND.rounds; r++) {
        const body = JSON.stringify(input());
        const t0 = performance.now();
        const lats = await Promise.all(
          bareUrls.map(async (url) => {
            const s = performance.now();
            const res = await fetch(`${url}/Bench`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
            });
            if (res.status !== 200) throw new Error(`bare ${url}: ${res.status}`);
            await res.json();
            return ms(s);
          }),
        );
        const wall = ms(t0);
        if (r < ROUND.warmup) continue;
        bareRound.push(wall);
        bareLat.push(...lats);
      }
      const qps = (lat: number[], rounds: number[]) =>
        round(lat.length / (rounds.reduce((a, b) => a + b, 0) / 1000), 1);
      const out = {
        miners: ROUND.miners,
        processes: ROUND.processes,
        rounds: ROUND.rounds,
        timeoutMs: ROUND.timeoutMs,
        statuses,
        axon: {
          latencyMs: summarize(axonLat),
          roundMs: summarize(axonRound),
          queriesPerSecond: qps(axonLat, axonRound),
        },
        bare: {
          latencyMs: summarize(bareLat),
          roundMs: summarize(bareRound),
          queriesPerSecond: qps(bareLat, bareRound),
        },
      };
      log(
        `validator round over ${ROUND.miners} miners: query p50 ${out.axon.latencyMs.p50} ms, p95 ${out.axon.latencyMs.p95} ms, round p50 ${out.axon.roundMs.p50} ms, ${out.axon.queriesPerSecond} queries/s (bare: p50 ${out.bare.latencyMs.p50} ms, ${out.bare.queriesPerSecond} queries/s)`,
      );
      return out;
    } finally {
      for (const c of children) c.kill("SIGTERM");
    }
  },
};

function startMiners(args: { rpcUrl: string; registry: Hex; netuid: number; keys: Hex[] }) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(repoRoot, "bench/lib/subnet-miners-child.ts"),
      JSON.stringify(args),
    ],
    { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] },
  );
  return new Promise<{ child: ChildProcess; urls: { axons: string[]; bare: string[] } }>(
    (resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString("utf8");
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line && out.includes("\n")) resolve({ child, urls: JSON.parse(line) });
      });
      child.once("exit", (code) => reject(new Error(`miners process exited with ${code}`)));
      child.once("error", reject);
    },
  );
}

function account(net: BenchContext["net"], index: number): LocalAccount {
  const a = net.accounts[index]?.account;
  if (!a) throw new Error(`no dev account ${index}`);
  return a as LocalAccount;
}

// ------------------------------------------------------------------ main

/** Every section, in run order. Add one here (e.g. gas per tempo) to add it to subnet.json. */
const SECTIONS: BenchSection[] = [axonOverhead, validatorRound, gasPerTempo];

const { values } = parseArgs({ options: { only: { type: "string" } } });
const only = values.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((n) => !SECTIONS.some((s) => s.name === n)) ?? [];
if (unknown.length)
  throw new Error(
    `--only: unknown section(s) ${unknown.join(", ")}; known: ${SECTIONS.map((s) => s.name).join(", ")}`,
  );
const chosen = SECTIONS.filter((s) => !only || only.includes(s.name));

const previous = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, "utf8")) as { sections?: Record<string, unknown> })
  : {};
const sections: Record<string, unknown> = { ...(previous.sections ?? {}) };
// Other processes share this machine: the load average says how much (os.loadavg, 1 min).
const loadBefore = os.loadavg()[0];
const net = await startTestDeployment({ accounts: FIRST_MINER + ROUND.miners });
try {
  for (const section of chosen) {
    log(`-- ${section.name}`);
    const t0 = performance.now();
    const result = await section.run({ net, log });
    sections[section.name] = {
      about: section.about,
      measuredAt: new Date().toISOString(),
      seconds: round(ms(t0) / 1000, 1),
      ...result,
    };
  }
} finally {
  await net.stop();
}
const result = {
  name: NAME,
  about:
    "live subnets over HTTP: axon overhead vs a bare echo server, a validator round over 64 local miners; sections run by bench/subnet.ts (--only reruns some and keeps the rest)",
  machine: describeMachine(),
  loadAverage1m: { before: round(loadBefore ?? 0, 2), after: round(os.loadavg()[0] ?? 0, 2) },
  sections,
};
await mkdir(path.dirname(resultsFile), { recursive: true });
await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
log(`wrote ${path.relative(repoRoot, resultsFile)}`);
