// The provider's job runner: fetch the manifest by CID and check its on-chain hash, fetch the
// model and input, run the job in a worker process with a heap limit and a timeout, and put the
// result in the content store. The result document's CID and sha256 are what go on chain.
import { fork } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BaseError, type ContentRef, type JobManifest, verifyJobManifest } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Hex } from "viem";
import type { JobRunner } from "../provider/provider.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

export type JobRunnerConfig = {
  store: ContentStore;
  /** Scratch space; each lease gets its own folder, removed afterwards. */
  workDir: string;
  /** V8 heap limit of the worker. */
  memoryBytes: bigint;
  timeoutMs: number;
};

export class JobFailedError extends BaseError {
  constructor(leaseId: bigint, reason: string, cause?: unknown) {
    super(`Job of lease ${leaseId} failed: ${reason}`, { name: "JobFailedError", cause });
  }
}

// Beside this file: worker.ts under the sources (run through tsx), worker.js in the compiled build.
const fromSources = import.meta.url.endsWith(".ts");
const workerPath = fileURLToPath(
  new URL(fromSources ? "./worker.ts" : "./worker.js", import.meta.url),
);

export function createJobRunner(config: JobRunnerConfig): JobRunner {
  return async ({ leaseId, manifestCid, manifestHash, signal }) => {
    const dir = path.join(config.workDir, `lease-${leaseId}`);
    await mkdir(dir, { recursive: true });
    try {
      const manifestBytes = await config.store.get(manifestCid, { signal });
      const manifest = verifyJobManifest(manifestBytes, { manifestHash, source: manifestCid });
      const inputPath = await fetchRef(
        config.store,
        manifest.input,
        path.join(dir, `input.${manifest.input.format}`),
        signal,
      );
      const modelPath =
        manifest.kind === "training"
          ? undefined
          : await fetchRef(config.store, manifest.model, path.join(dir, "model.onnx"), signal);
      const outDir = path.join(dir, "out");
      await mkdir(outDir, { recursive: true });
      const reply = await runWorker(config, { manifest, modelPath, inputPath, outDir }, signal);
      if (!reply.ok) throw new JobFailedError(leaseId, `${reply.name}: ${reply.error}`);
      return await storeResult(config.store, manifest, reply);
    } catch (err) {
      if (err instanceof JobFailedError) throw err;
      throw new JobFailedError(
        leaseId,
        err instanceof BaseError ? err.shortMessage : String(err),
        err,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

async function fetchRef(store: ContentStore, ref: ContentRef, file: string, signal: AbortSignal) {
  if (!("cid" in ref))
    throw new BaseError(`Manifest reference ${ref.path} is a local path, not a CID.`);
  await store.getToFile(ref.cid, file, { signal });
  return file;
}

/** Training results name their model by CID, so the one result CID covers everything. */
async function storeResult(
  store: ContentStore,
  manifest: JobManifest,
  reply: Extract<WorkerReply, { ok: true }>,
) {
  const result = JSON.parse(await readFile(reply.resultPath, "utf8")) as Record<string, unknown>;
  for (const [name, file] of Object.entries(reply.artifacts)) {
    const added = await store.add(file);
    for (const [key, value] of Object.entries(result)) {
      if (value === name) result[key] = { cid: added.cid, sha256: added.sha256, size: added.size };
    }
  }
  result.manifestKind = manifest.kind;
  const bytes = new TextEncoder().encode(`${JSON.stringify(result)}\n`);
  await writeFile(reply.resultPath, bytes);
  const added = await store.add(bytes);
  return { resultCid: added.cid, resultHash: added.sha256 as Hex };
}

function runWorker(
  config: JobRunnerConfig,
  request: WorkerRequest,
  signal: AbortSignal,
): Promise<WorkerReply> {
  const heapMb = Number(config.memoryBytes / 1024n / 1024n);
  const child = fork(workerPath, [], {
    execArgv: [
      ...(fromSources ? ["--import", import.meta.resolve("tsx")] : []),
      `--max-old-space-size=${Math.max(heapMb, 64)}`,
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(() => reject(new BaseError(`timed out after ${config.timeoutMs / 1000} s`)));
    }, config.timeoutMs);
    const onAbort = () => {
      child.kill("SIGKILL");
      finish(() => reject(new BaseError("aborted: the provider is shutting down")));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.once("message", (reply: WorkerReply) => finish(() => resolve(reply)));
    child.once("exit", (code, sig) =>
      finish(() =>
        reject(
          new BaseError(
            `worker exited (${sig ?? `code ${code}`}) without a result, e.g. out of memory`,
          ),
        ),
      ),
    );
    child.once("error", (err) => finish(() => reject(err)));
    child.send(request);
  });
}
