// The provider's job runner: fetch the manifest by CID and check its on-chain hash, take the model
// and input from the artifact cache (fetched by CID on a miss), run the job in a warm worker
// process of the pool (heap limit, timeout, see pool.ts), and put the result in the content store.
// The result document's CID and sha256 are what go on chain.
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import {
  BaseError,
  type ContentRef,
  type JobManifest,
  parseDuration,
  parseNoos,
  verifyJobManifest,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Hex } from "viem";
import { type DataJobs, metricsOnlyResult, type PreparedDataInput } from "../data/job.js";
import type { JobRunner, JobTimings } from "../provider/provider.js";
import type { OptimisticJob } from "../verify/defender.js";
import type { ProgramFault } from "../verify/program.js";
import { type ArtifactCache, createArtifactCache } from "./artifactCache.js";
import { createWorkerPool, type WorkerPool } from "./pool.js";
import type { WorkerReply } from "./worker.js";

export type JobRunnerConfig = {
  store: ContentStore;
  /** Scratch space; each lease gets its own folder, removed afterwards. Cache: `<workDir>/cache`. */
  workDir: string;
  /** V8 heap limit of each worker. */
  memoryBytes: bigint;
  timeoutMs: number;
  /** Warm worker processes (default 2, the provider's default maxJobs): one per job slot. */
  workers?: number | undefined;
  /** Jobs a worker runs before a fresh process replaces it (default 32; 1: one per job). */
  jobsPerWorker?: number | undefined;
  /** Byte budget of the artifact cache (default 1 GiB). */
  cacheBytes?: number | undefined;
  /** Compute-to-data: checks and decrypts the input of `data:` jobs (none: such jobs fail). */
  dataJobs?: DataJobs | undefined;
  /** Testing: a wrong value in the program run of every optimistic job (a cheating provider). */
  optimisticFault?: ProgramFault | undefined;
};

export class JobFailedError extends BaseError {
  constructor(leaseId: bigint, reason: string, cause?: unknown) {
    super(`Job of lease ${leaseId} failed: ${reason}`, { name: "JobFailedError", cause });
  }
}

export const DEFAULT_JOB_WORKERS = 2;
export const DEFAULT_JOBS_PER_WORKER = 32;
const DEFAULT_CACHE_BYTES = 1024 ** 3;

/** A job runner with its pool and cache (for /status and tests); `close` kills the workers. */
export type PooledJobRunner = JobRunner & {
  close: () => Promise<void>;
  fetchContent: (cid: string) => Promise<Uint8Array>;
  pool: WorkerPool;
  cache: ArtifactCache;
};

export function createJobRunner(config: JobRunnerConfig): PooledJobRunner {
  const pool = createWorkerPool({
    size: config.workers ?? DEFAULT_JOB_WORKERS,
    memoryBytes: config.memoryBytes,
    jobsPerWorker: config.jobsPerWorker ?? DEFAULT_JOBS_PER_WORKER,
  });
  const cache = createArtifactCache({
    store: config.store,
    dir: path.join(config.workDir, "cache"),
    maxBytes: config.cacheBytes ?? DEFAULT_CACHE_BYTES,
  });
  const run = async ({
    leaseId,
    manifestCid,
    manifestHash,
    signal,
  }: Parameters<JobRunner>[0]): Promise<Awaited<ReturnType<JobRunner>>> => {
    const dir = path.join(config.workDir, `lease-${leaseId}`);
    const held: (() => void)[] = [];
    const timings: JobTimings = {};
    let t = performance.now();
    const lap = (name: keyof JobTimings) => {
      const now = performance.now();
      timings[name] = Math.round(now - t);
      t = now;
    };
    try {
      const outDir = path.join(dir, "out");
      const [manifestBytes] = await Promise.all([
        config.store.get(manifestCid, { signal }),
        mkdir(outDir, { recursive: true }),
      ]);
      const manifest = verifyJobManifest(manifestBytes, { manifestHash, source: manifestCid });
      const fetch = async (ref: ContentRef) => {
        const cid = cidOf(ref);
        const artifact = await cache.acquire(cid, signal);
        held.push(artifact.release);
        return { cid, path: artifact.path };
      };
      // A `data:` job's input is decrypted here, after the C2D checks; never cached.
      let data: PreparedDataInput | undefined;
      if (manifest.data) {
        if (!config.dataJobs) {
          throw new BaseError(`This provider serves no data assets (job data ${manifest.data}).`);
        }
        data = await config.dataJobs.prepare({ leaseId, manifest, dir });
      }
      const fetchInput = async () => {
        if (data) return { path: data.inputPath };
        if (!manifest.input) throw new BaseError("The job manifest has no input (and no data).");
        return fetch(manifest.input);
      };
      const [input, model] = await Promise.all([
        fetchInput(),
        manifest.kind === "training" ? undefined : fetch(manifest.model),
      ]);
      lap("fetchMs");
      // A data job without `input` runs on the asset's file: the executor reads its format.
      const job = data && !manifest.input ? { ...manifest, input: data.input } : manifest;
      const { reply, waitMs, sessionReused } = await pool.run(
        {
          manifest: job,
          modelPath: model?.path,
          modelCid: model?.cid,
          inputPath: input.path,
          outDir,
          ...(config.optimisticFault ? { fault: config.optimisticFault } : {}),
        },
        { timeoutMs: config.timeoutMs, signal },
      );
      lap("executeMs");
      timings.workerWaitMs = Math.round(waitMs);
      timings.sessionReused = sessionReused ? 1 : 0;
      if (!reply.ok) throw new JobFailedError(leaseId, `${reply.name}: ${reply.error}`);
      const stored = await storeResult(config.store, manifest, reply, data?.metricsOnly ?? false);
      lap("storeMs");
      const optimistic = await optimisticJobOf(manifest, reply.resultPath);
      return { ...stored, timings, ...(optimistic ? { optimistic } : {}) };
    } catch (err) {
      if (err instanceof JobFailedError) throw err;
      throw new JobFailedError(
        leaseId,
        err instanceof BaseError ? err.shortMessage : String(err),
        err,
      );
    } finally {
      for (const release of held) release();
      await rm(dir, { recursive: true, force: true });
    }
  };
  return Object.assign(run, {
    close: () => pool.close(),
    pool,
    cache,
    fetchContent: (cid: string) => config.store.get(cid),
  });
}

/** An optimistic job's claim material (the spec and final state its result document holds). */
async function optimisticJobOf(
  manifest: JobManifest,
  resultPath: string,
): Promise<OptimisticJob | undefined> {
  const v = manifest.verification;
  if (v.mode !== "optimistic" || !manifest.input) return undefined;
  const result = JSON.parse(await readFile(resultPath, "utf8")) as {
    optimistic?: { spec: Hex; finalState: Hex };
  };
  if (!result.optimistic) return undefined;
  return {
    spec: result.optimistic.spec,
    finalState: result.optimistic.finalState,
    challengeWindow: parseDuration(v.challengeWindow, "verification.challengeWindow"),
    bond: parseNoos(v.bond, "verification.bond"),
    inputCid: cidOf(manifest.input),
    format:
      manifest.input.format === "json"
        ? "json"
        : manifest.input.format === "jsonl"
          ? "jsonl"
          : "csv",
    kind: manifest.kind,
    ...(manifest.kind === "training"
      ? { labelsColumn: manifest.training.labelsColumn }
      : {
          modelCid: cidOf(manifest.model),
          ...(manifest.kind === "evaluation"
            ? { labelsColumn: manifest.evaluation.labelsColumn }
            : {}),
        }),
  };
}

function cidOf(ref: ContentRef): string {
  if (!("cid" in ref))
    throw new BaseError(`Manifest reference ${ref.path} is a local path, not a CID.`);
  return ref.cid;
}

/** Training results name their model by CID, so the one result CID covers everything. */
async function storeResult(
  store: ContentStore,
  manifest: JobManifest,
  reply: Extract<WorkerReply, { ok: true }>,
  metricsOnly: boolean,
) {
  let result = JSON.parse(await readFile(reply.resultPath, "utf8")) as Record<string, unknown>;
  if (metricsOnly) result = metricsOnlyResult(result, Object.keys(reply.artifacts));
  else
    for (const [name, file] of Object.entries(reply.artifacts)) {
      const added = await store.add(file);
      for (const [key, value] of Object.entries(result)) {
        if (value === name)
          result[key] = { cid: added.cid, sha256: added.sha256, size: added.size };
      }
    }
  result.manifestKind = manifest.kind;
  const bytes = new TextEncoder().encode(`${JSON.stringify(result)}\n`);
  const added = await store.add(bytes);
  return { resultCid: added.cid, resultHash: added.sha256 as Hex };
}
