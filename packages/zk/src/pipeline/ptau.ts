// Powers of tau for Groth16 setup. A ceremony file (e.g. the Perpetual Powers of Tau / Hermez
// `powersOfTau28_hez_final_NN.ptau`, passed as --srs-path) is what production uses; no npm
// package ships one. `noos zk setup` without --srs-path no longer needs a powers of tau at all:
// it writes a development key directly from its secrets (devZkey.ts), so setupStep calls
// ensurePtau only with --srs-path. The local preparation below (devPtau.ts, cached by power) is
// kept for callers that want a development ptau file for other tools; a local file's secrets
// were known to one process and discarded, and it is labelled a development setup.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvalidParameterError } from "@noosphere/sdk";
import { writeDevelopmentPtau } from "./devPtau.js";

export type PtauSource = {
  path: string;
  /** Largest circuit power (2^power constraints) the file serves. */
  power: number;
  /** True for a locally prepared, single-contributor file: fine for tests, not for production. */
  development: boolean;
  /** Seconds spent preparing it now (0 when it came from the cache or --srs-path). */
  preparedSeconds: number;
};

export type EnsurePtauOptions = {
  /** Needed power: 2^power >= constraints + public signals + 1. */
  power: number;
  /** A ceremony file to use instead of the cache (must be prepared for phase 2). */
  srsPath?: string | undefined;
  /** Where locally prepared files are kept (default $NOOS_PTAU_DIR or ~/.cache/noosphere/ptau). */
  cacheDir?: string | undefined;
  onProgress?: ((message: string) => void) | undefined;
};

/** Largest power we prepare locally (the file and its preparation double with each power). */
export const MAX_LOCAL_PTAU_POWER = 20;
/** Smallest file we prepare: one file then serves every smaller circuit. */
const MIN_LOCAL_PTAU_POWER = 10;

export function defaultPtauCacheDir(): string {
  return process.env.NOOS_PTAU_DIR ?? path.join(os.homedir(), ".cache", "noosphere", "ptau");
}

/** Returns a phase-2 powers-of-tau file of at least `power`, preparing a development one if needed. */
export async function ensurePtau(options: EnsurePtauOptions): Promise<PtauSource> {
  const { power } = options;
  if (!Number.isInteger(power) || power < 1 || power > 28) {
    throw new InvalidParameterError({
      field: "power",
      expected: "an integer in 1..28 (log2 of the circuit size)",
      received: power,
    });
  }
  if (options.srsPath !== undefined) {
    if (!existsSync(options.srsPath)) {
      throw new InvalidParameterError({
        field: "--srs-path",
        expected: "an existing powers-of-tau file prepared for phase 2",
        received: options.srsPath,
      });
    }
    return { path: options.srsPath, power, development: false, preparedSeconds: 0 };
  }
  const dir = options.cacheDir ?? defaultPtauCacheDir();
  const cached = findCached(dir, power);
  if (cached) return { ...cached, development: true, preparedSeconds: 0 };
  if (power > MAX_LOCAL_PTAU_POWER) {
    throw new InvalidParameterError({
      field: "power",
      expected: `at most ${MAX_LOCAL_PTAU_POWER} for a locally prepared setup; pass a ceremony file with --srs-path`,
      received: power,
    });
  }
  const target = Math.max(power, MIN_LOCAL_PTAU_POWER);
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  options.onProgress?.(
    `preparing a development powers of tau 2^${target} (one local contributor: NOT for production)...`,
  );
  const tmp = path.join(dir, `.tmp-${process.pid}-${target}.ptau`);
  try {
    // The same file snarkjs' new + contribute + preparePhase2 would write (byte for byte for a
    // given tau, alpha, beta), ~10x faster: see devPtau.ts.
    await writeDevelopmentPtau(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const file = path.join(dir, fileName(target));
  renameSync(tmp, file); // atomic: concurrent runs never see half a file
  writeFileSync(
    `${file}.json`,
    `${JSON.stringify({ power: target, development: true, note: "single local contributor; not for production", created: new Date().toISOString() }, null, 2)}\n`,
  );
  const preparedSeconds = (performance.now() - started) / 1000;
  options.onProgress?.(`prepared ${file} in ${preparedSeconds.toFixed(1)} s`);
  return { path: file, power: target, development: true, preparedSeconds };
}

function fileName(power: number): string {
  return `noosphere_dev_pot_${String(power).padStart(2, "0")}.ptau`;
}

function findCached(dir: string, power: number): { path: string; power: number } | undefined {
  if (!existsSync(dir)) return undefined;
  const sizes = readdirSync(dir)
    .map((f) => /^noosphere_dev_pot_(\d+)\.ptau$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((p) => p >= power)
    .sort((a, b) => a - b);
  const best = sizes[0];
  return best === undefined ? undefined : { path: path.join(dir, fileName(best)), power: best };
}

/** Whether a ptau file came from `ensurePtau`'s local preparation (its sidecar says so). */
export function isDevelopmentPtau(file: string): boolean {
  try {
    return JSON.parse(readFileSync(`${file}.json`, "utf8")).development === true;
  } catch {
    return false;
  }
}
