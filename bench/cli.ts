// `noos` start-up: wall time and peak RSS of a fresh CLI process for commands that do no work of
// their own (version, help), against a bare `node -e 0` measured in the same run. Writes
// bench/results/cli.json and prints a summary.
//
//   npx tsx bench/cli.ts
//
// Each process runs under GNU time (`/usr/bin/time -f "%e %M"`): a small parent, so the peak RSS
// it reports is the child's own, not inherited from this benchmark's process. A benchmark, not a
// test: it never fails on a timing.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newestSourceMtimeMs } from "../packages/cli/bin/stamp.js";
import { describeMachine } from "./lib/machine.js";

const NAME = "cli";
const RUNS = 7;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const noos = path.join(repoRoot, "packages", "cli", "bin", "noos.js");
const TIME = "/usr/bin/time";
const packagesDir = path.join(repoRoot, "packages");
const stampFile = path.join(packagesDir, "cli", "dist", "build.json");
const tsx = path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs");

/** Every top-level command (main.ts' table; help.test.ts checks that none of them loads a library). */
const COMMANDS = [
  "devnet",
  "market",
  "deploy",
  "job",
  "demo",
  "provider",
  "token",
  "stake",
  "store",
  "subnet",
  "zk",
  "coprocessor",
  "network",
  "channel",
  "service",
  "data",
  "console",
  "verifier",
];

const cases: { name: string; args: string[] }[] = [
  { name: "node -e 0 (baseline)", args: ["-e", "0"] },
  { name: "noos --version", args: [noos, "--version"] },
  // The command list comes from main.ts' static table: no command module is loaded.
  { name: "noos --help (command list)", args: [noos, "--help"] },
  // `noos <cmd> --help` loads commander and that one module; its libraries load in its actions.
  ...COMMANDS.map((command) => ({
    name: `noos ${command} --help`,
    args: [noos, command, "--help"],
  })),
  // What bin/noos.js runs when the build is missing or older than the sources.
  {
    name: "noos --version from the sources (tsx)",
    args: ["--import", "tsx", path.join(packagesDir, "cli", "src", "main.ts"), "--version"],
  },
];

/** bin/noos.js runs the build only while its stamp is not older than the sources. */
function buildIsFresh(): boolean {
  if (!existsSync(stampFile)) return false;
  const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as { sourcesMtimeMs: number };
  return newestSourceMtimeMs(packagesDir) <= stamp.sourcesMtimeMs;
}

/** Milliseconds of the freshness check bin/noos.js makes at every start (median of 21). */
function stampCheckMs(): number {
  const times = Array.from({ length: 21 }, () => {
    const t = performance.now();
    newestSourceMtimeMs(packagesDir);
    return performance.now() - t;
  });
  return Number(median(times).toFixed(2));
}

type Sample = { seconds: number; peakRssBytes: number };

function runOnce(args: string[]): Sample {
  const out = spawnSync(TIME, ["-f", "%e %M", process.execPath, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (out.status !== 0) throw new Error(`${args.join(" ")} failed: ${out.stderr}`);
  const line = out.stderr.trim().split("\n").at(-1) ?? "";
  const [seconds, kb] = line.split(" ").map(Number);
  if (seconds === undefined || kb === undefined || Number.isNaN(seconds) || Number.isNaN(kb)) {
    throw new Error(`cannot read GNU time's output: ${line}`);
  }
  return { seconds, peakRssBytes: kb * 1024 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function main() {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed: apt-get install time`);
  if (!buildIsFresh()) {
    const built = spawnSync(process.execPath, [
      tsx,
      path.join(packagesDir, "cli", "scripts", "build.ts"),
    ]);
    if (built.status !== 0) throw new Error(`the build failed: ${built.stderr}`);
  }
  const loadBefore = os.loadavg();
  runOnce(["-e", "0"]); // warm the file cache
  for (const c of cases) runOnce(c.args);
  const metrics = cases.map((c) => {
    const samples = Array.from({ length: RUNS }, () => runOnce(c.args));
    return {
      name: c.name,
      runs: RUNS,
      wallSecondsMedian: median(samples.map((s) => s.seconds)),
      // The least disturbed run: other processes on a shared 2-core machine inflate the median.
      wallSecondsMin: Math.min(...samples.map((s) => s.seconds)),
      peakRssBytesMedian: median(samples.map((s) => s.peakRssBytes)),
      samples,
    };
  });
  // A source edited during the run (by someone else) would have sent bin/noos.js to tsx.
  const buildFreshAfter = buildIsFresh();
  const baseline = metrics[0] as (typeof metrics)[number];
  const result = {
    name: NAME,
    date: new Date().toISOString(),
    machine: describeMachine(),
    inputs: {
      runner:
        "packages/cli/bin/noos.js -> packages/cli/dist/main.js (compiled JavaScript from packages/cli/scripts/build.ts, fresh by its stamp; `noos --help` lists the commands from main.ts' table and loads none, `noos <cmd> --help` loads that command's module only, whose libraries load inside its actions); the last case runs the sources through tsx, as bin/noos.js does when the build is older than the sources",
      buildFreshThroughout: buildFreshAfter,
      // A shared 2-core machine: the ratios to bare node in the same run are what compare.
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      stampCheckMsMedian: stampCheckMs(),
      targets: { wallSeconds: 0.3, peakRssBytes: 100 * 1024 * 1024, ratioToBareNode: 5 },
    },
    baseline: {
      name: baseline.name,
      wallSecondsMedian: baseline.wallSecondsMedian,
      wallSecondsMin: baseline.wallSecondsMin,
      peakRssBytesMedian: baseline.peakRssBytesMedian,
    },
    metrics: metrics.slice(1).map((m) => ({
      ...m,
      ratioToBaseline: Number(
        (m.wallSecondsMedian / Math.max(baseline.wallSecondsMedian, 0.01)).toFixed(2),
      ),
    })),
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  for (const m of result.metrics) {
    console.log(
      `${m.name.padEnd(40)} ${m.wallSecondsMedian.toFixed(2)} s (min ${m.wallSecondsMin.toFixed(2)})  ${(m.peakRssBytesMedian / 2 ** 20).toFixed(0)} MB  (${m.ratioToBaseline}x bare node)`,
    );
  }
  console.log(
    `${baseline.name.padEnd(40)} ${baseline.wallSecondsMedian.toFixed(2)} s (min ${baseline.wallSecondsMin.toFixed(2)})  ${(baseline.peakRssBytesMedian / 2 ** 20).toFixed(0)} MB`,
  );
  if (!buildFreshAfter) console.log("a source changed during the run: some runs used tsx; rerun");
  console.log(`wrote ${path.relative(process.cwd(), resultsFile)}`);
}

await main();
