// `noos zk prove` as a user runs it, timed as fresh processes: part of bench/zk.ts, and runnable
// on its own on a folder that holds a pipeline's files (model.compiled, witness.json, pk.key,
// vk.key), e.g. one that bench/zk.ts or the README's commands left:
//
//   npx tsx bench/lib/zk-cli-prove.ts <dir> [--runs 10] [--compare-cli <other main.js>]
//       [--before-dir <dir> --before-label <what>]   (the same build on another circuit's files,
//         e.g. the same model compiled before a circuit change: the "before" of that change)
//       [--row mlp-digits-public-logits]   (writes that row's cliProve in bench/results/zk.json)
//
// Imports only node, snarkjs' verifier and the build stamp, so that it runs while other packages
// are mid-edit.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { newestSourceMtimeMs } from "../../packages/cli/bin/stamp.js";
import { type VerificationKey, verify } from "../../packages/zk/src/pipeline/groth16.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const noosBin = path.join(repoRoot, "packages/cli/bin/noos.js");
const packagesDir = path.join(repoRoot, "packages");
const TIME = "/usr/bin/time";
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** bin/noos.js runs the compiled build only while its stamp is not older than the sources. */
function cliBuildIsFresh(): boolean {
  const stamp = path.join(packagesDir, "cli/dist/build.json");
  if (!existsSync(stamp)) return false;
  const { sourcesMtimeMs } = JSON.parse(readFileSync(stamp, "utf8")) as { sourcesMtimeMs: number };
  return newestSourceMtimeMs(packagesDir) <= sourcesMtimeMs;
}

/**
 * One fresh process under GNU time: wall seconds, CPU seconds (user + system, all threads) and
 * peak RSS (what a user's shell sees).
 */
function timed(args: string[], cwd: string) {
  const out = spawnSync(TIME, ["-f", "%e %U %S %M", process.execPath, ...args], {
    cwd,
    encoding: "utf8",
  });
  if (out.status !== 0) throw new Error(`${args.join(" ")} failed: ${out.stderr}`);
  const [seconds, user, sys, kb] = (out.stderr.trim().split("\n").at(-1) ?? "")
    .split(" ")
    .map(Number);
  if ([seconds, user, sys, kb].some((x) => x === undefined || Number.isNaN(x)))
    throw new Error(`cannot read GNU time's output: ${out.stderr}`);
  return {
    seconds: seconds as number,
    cpuSeconds: round((user as number) + (sys as number), 2),
    peakRssBytes: (kb as number) * 1024,
  };
}

/**
 * Fresh `noos zk prove` processes (compiled build) in `dir`: wall time, CPU time and peak RSS,
 * beside a bare `node -e 0` in the same run. Each proof it writes is checked with the
 * verification key. Cases: the default (the lean prover with one helper thread below 2^15
 * constraints), the lean prover on one thread, snarkjs with worker threads, and with
 * `compareCli` another build (the "before"). Runs are interleaved (one of each case per round)
 * so that a change in the machine's load affects every case alike; this machine is shared, so
 * CPU seconds are the steadier figure.
 */
export async function cliProve(
  dir: string,
  vk: VerificationKey,
  options: {
    runs: number;
    compareCli?: string | undefined;
    bin?: string | undefined;
    /** Also prove, with the same build, in another folder (another circuit's files). */
    before?: { dir: string; vk: VerificationKey; label: string } | undefined;
  },
) {
  // --bin packages/cli/dist/main.js times the build itself, without bin/noos.js's freshness
  // check: in a tree that others edit during the run, a stale stamp would send bin/noos.js to tsx.
  const bin = options.bin ?? noosBin;
  if (!existsSync(TIME)) return { note: `${TIME} (GNU time) not found: apt-get install time` };
  const prove = (bin: string, ...flags: string[]) => [
    bin,
    "zk",
    "prove",
    ...flags,
    "--proof-path",
    "cli-proof.json",
  ];
  const cases: { name: string; args: string[]; dir?: string; vk?: VerificationKey }[] = [
    { name: "node -e 0 (baseline)", args: ["-e", "0"] },
    { name: "noos zk prove", args: prove(bin) },
    { name: "noos zk prove --single-thread", args: prove(bin, "--single-thread") },
    { name: "noos zk prove --worker-threads", args: prove(bin, "--worker-threads") },
    ...(options.compareCli
      ? [{ name: `before: ${options.compareCli} zk prove`, args: prove(options.compareCli) }]
      : []),
    ...(options.before
      ? [
          {
            name: `before: noos zk prove on ${options.before.label}`,
            args: prove(bin),
            dir: options.before.dir,
            vk: options.before.vk,
          },
        ]
      : []),
  ];
  const freshBefore = cliBuildIsFresh();
  const loadAverageBefore = os.loadavg().map((x) => round(x, 2));
  timed(cases[1]?.args ?? [], dir); // warm the file cache
  const samples = cases.map(() => [] as ReturnType<typeof timed>[]);
  for (let i = 0; i < options.runs; i++) {
    for (const [k, c] of cases.entries()) {
      const cwd = c.dir ?? dir;
      samples[k]?.push(timed(c.args, cwd));
      if (c.args[0] !== "-e") {
        const p = JSON.parse(readFileSync(path.join(cwd, "cli-proof.json"), "utf8")) as {
          proof: Parameters<typeof verify>[2];
          public_signals: string[];
        };
        if (!(await verify(c.vk ?? vk, p.public_signals, p.proof)))
          throw new Error(`${c.name}: the proof does not verify`);
        rmSync(path.join(cwd, "cli-proof.json"));
      }
    }
  }
  const rows = cases.map((c, k) => {
    const s = samples[k] ?? [];
    return {
      name: c.name,
      wallSecondsMedian: median(s.map((x) => x.seconds)),
      // The least disturbed run: other processes on a shared 2-core machine inflate the median.
      wallSecondsMin: Math.min(...s.map((x) => x.seconds)),
      cpuSecondsMedian: median(s.map((x) => x.cpuSeconds)),
      cpuSecondsMin: Math.min(...s.map((x) => x.cpuSeconds)),
      peakRssBytesMedian: median(s.map((x) => x.peakRssBytes)),
      samples: s,
    };
  });
  const base = rows[0];
  return {
    what: "fresh `noos zk prove` processes (packages/cli/bin/noos.js, compiled build), GNU time %e/%U+%S/%M, cases interleaved; every proof verified",
    bin: path.relative(repoRoot, bin),
    buildFresh: bin === noosBin ? freshBefore && cliBuildIsFresh() : "n/a (the build run directly)",
    loadAverageBefore,
    loadAverageAfter: os.loadavg().map((x) => round(x, 2)),
    runs: options.runs,
    cases: rows.map((r) => ({
      ...r,
      wallOverBaseline: base ? round(r.wallSecondsMedian / base.wallSecondsMedian, 2) : null,
      cpuOverBaseline: base ? round(r.cpuSecondsMedian / base.cpuSecondsMedian, 2) : null,
    })),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "10" },
      "compare-cli": { type: "string" },
      bin: { type: "string" },
      row: { type: "string" },
      "before-dir": { type: "string" },
      "before-label": { type: "string", default: "the previous circuit" },
    },
  });
  const dir = positionals[0];
  if (!dir) throw new Error("usage: zk-cli-prove.ts <dir> [--runs n] [--compare-cli main.js]");
  const vk = JSON.parse(readFileSync(path.join(dir, "vk.key"), "utf8")) as VerificationKey;
  const result = await cliProve(dir, vk, {
    runs: Number(values.runs),
    compareCli: values["compare-cli"],
    bin: values.bin ? path.resolve(values.bin) : undefined,
    before: values["before-dir"]
      ? {
          dir: values["before-dir"],
          label: values["before-label"] as string,
          vk: JSON.parse(
            readFileSync(path.join(values["before-dir"], "vk.key"), "utf8"),
          ) as VerificationKey,
        }
      : undefined,
  });
  for (const c of "cases" in result ? result.cases : []) {
    process.stdout.write(
      `${c.name}: wall median ${c.wallSecondsMedian} s (min ${c.wallSecondsMin}), CPU median ${c.cpuSecondsMedian} s (min ${c.cpuSecondsMin}), RSS ${(c.peakRssBytesMedian / 2 ** 20).toFixed(0)} MB\n`,
    );
  }
  if (values.row) {
    const file = path.join(repoRoot, "bench/results/zk.json");
    const json = JSON.parse(readFileSync(file, "utf8")) as {
      results: { name: string; cliProve?: unknown }[];
    };
    const row = json.results.find((r) => r.name === values.row);
    if (!row) throw new Error(`no row ${values.row} in ${file}`);
    row.cliProve = { ...result, measuredAt: new Date().toISOString(), dir: "(standalone run)" };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  }
}
