// A pool of warm job workers. Forking a worker costs seconds (Node start-up, the ML runtime, and
// tsx compiling the sources when not run from the build), which a one-sample inference job pays
// every time if each job forks its own; here `size` workers are forked ahead, each job is handed
// to an idle one, and the worker is recycled after `jobsPerWorker` jobs.
//
// The isolation each job had is kept: every job runs in a separate process (never in the
// daemon), under the V8 heap limit, killed on its timeout or the provider's shutdown (a killed or
// dead worker is replaced), and workers exit when the provider dies (their IPC channel closes).
// A worker runs one job at a time. What it keeps between jobs is only what a CID names (parsed
// sessions of models): jobs run no tenant code (ONNX graphs are data for onnxruntime, training
// is this package's own code), and each job reads and writes only its own files. It is retired
// early when a job failed (whatever state a failure left goes with it) or when its heap after a
// job is above half the limit (so one job's leftovers never cut into the next one's limit).
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BaseError } from "@noosphere/sdk";
import type { WorkerCommand, WorkerMessage, WorkerReply, WorkerRequest } from "./worker.js";

// Beside this file: worker.ts under the sources (run through tsx), worker.js in the compiled build.
const fromSources = import.meta.url.endsWith(".ts");
const workerPath = fileURLToPath(
  new URL(fromSources ? "./worker.ts" : "./worker.js", import.meta.url),
);

export type WorkerPoolConfig = {
  /** Workers kept warm (forked ahead). */
  size: number;
  /** V8 heap limit of each worker. */
  memoryBytes: bigint;
  /** Jobs a worker runs before it is replaced by a fresh one; 1: a fresh process for every job. */
  jobsPerWorker: number;
};

export type WorkerRun = {
  reply: WorkerReply;
  /** How long the job waited for a ready worker, ms (0 when one was idle). */
  waitMs: number;
  /** Whether the worker reused a parsed model session (same model CID as an earlier job). */
  sessionReused: boolean;
};

export type WorkerPool = {
  /** Runs one job in a worker; rejects on timeout, abort or the worker's death (e.g. out of memory). */
  run(
    request: WorkerRequest,
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<WorkerRun>;
  /** Workers alive now (ready, starting or busy), forked and retired so far; for tests. */
  stats(): { alive: number; idle: number; started: number; retired: number; pids: number[] };
  /** Kills every worker; later runs are refused. */
  close(): Promise<void>;
};

type Worker = {
  child: ChildProcess;
  jobs: number;
  ready: boolean;
};

/** Consecutive workers that died before saying ready: the pool stops forking and reports it. */
const MAX_START_FAILURES = 3;

export class WorkerPoolError extends BaseError {
  constructor(reason: string, cause?: unknown) {
    super(`Job worker pool: ${reason}`, { name: "WorkerPoolError", cause });
  }
}

export function createWorkerPool(config: WorkerPoolConfig): WorkerPool {
  if (!Number.isInteger(config.size) || config.size < 1)
    throw new WorkerPoolError(`size must be an integer >= 1, got ${config.size}`);
  if (!Number.isInteger(config.jobsPerWorker) || config.jobsPerWorker < 1)
    throw new WorkerPoolError(`jobsPerWorker must be an integer >= 1, got ${config.jobsPerWorker}`);
  const heapMb = Math.max(Number(config.memoryBytes / 1024n / 1024n), 64);
  const recycleHeapBytes = (heapMb * 1024 * 1024) / 2;
  const workers = new Set<Worker>();
  const idle: Worker[] = [];
  const waiting: { resolve: (w: Worker) => void; reject: (err: unknown) => void }[] = [];
  let closed = false;
  let startFailures = 0;
  let started = 0;
  let retired = 0;

  /** An idle worker must not keep the daemon's process alive; a busy one does. */
  const setRef = (w: Worker, ref: boolean) => {
    const channel = w.child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
    if (ref) {
      w.child.ref();
      channel?.ref?.();
    } else {
      w.child.unref();
      channel?.unref?.();
    }
  };

  function spawn() {
    started++;
    const child = fork(workerPath, [], {
      execArgv: [
        ...(fromSources ? ["--import", import.meta.resolve("tsx")] : []),
        `--max-old-space-size=${heapMb}`,
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    const w: Worker = { child, jobs: 0, ready: false };
    workers.add(w);
    setRef(w, false);
    child.on("message", (m: WorkerMessage) => {
      if (m.type !== "ready" || w.ready) return;
      w.ready = true;
      startFailures = 0;
      release(w);
    });
    child.once("error", () => child.kill("SIGKILL"));
    child.once("exit", () => {
      if (!workers.delete(w)) return; // retired on purpose: its replacement is on its way
      const at = idle.indexOf(w);
      if (at >= 0) idle.splice(at, 1);
      if (!w.ready && ++startFailures >= MAX_START_FAILURES) {
        const err = new WorkerPoolError(
          `${startFailures} workers in a row exited before they were ready (${workerPath})`,
        );
        for (const waiter of waiting.splice(0)) waiter.reject(err);
        return;
      }
      topUp();
    });
  }

  function topUp() {
    if (closed || startFailures >= MAX_START_FAILURES) return;
    while (workers.size < config.size) spawn();
  }

  function release(w: Worker) {
    if (closed) return;
    const next = waiting.shift();
    if (next) return next.resolve(w);
    setRef(w, false);
    idle.push(w);
  }

  function retire(w: Worker) {
    workers.delete(w);
    retired++;
    w.child.kill("SIGKILL");
    topUp();
    if (waiting.length > 0)
      for (const starting of workers) if (!starting.ready) setRef(starting, true);
  }

  function acquire(signal: AbortSignal): Promise<Worker> {
    if (closed) return Promise.reject(new WorkerPoolError("closed"));
    // The most recently used worker first: its model sessions (and CPU caches) are the warmest.
    const w = idle.pop();
    if (w) return Promise.resolve(w);
    if (startFailures >= MAX_START_FAILURES) {
      startFailures = 0; // try again, once more, for this job
      topUp();
    }
    // Someone waits for a worker now: the starting ones keep the process alive until then.
    for (const starting of workers) if (!starting.ready) setRef(starting, true);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (worker: Worker) => {
          signal.removeEventListener("abort", onAbort);
          resolve(worker);
        },
        reject: (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const at = waiting.indexOf(waiter);
        if (at >= 0) waiting.splice(at, 1);
        reject(new BaseError("aborted: the provider is shutting down"));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      waiting.push(waiter);
    });
  }

  async function run(
    request: WorkerRequest,
    options: { timeoutMs: number; signal: AbortSignal },
  ): Promise<WorkerRun> {
    const { signal, timeoutMs } = options;
    const waitStarted = performance.now();
    const w = await acquire(signal);
    const waitMs = performance.now() - waitStarted;
    w.jobs++;
    setRef(w, true);
    const { child } = w;
    const done = await new Promise<Extract<WorkerMessage, { type: "done" }>>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        child.off("message", onMessage);
        child.off("exit", onExit);
        fn();
      };
      const fail = (reason: string) => {
        retire(w); // killed mid-job: a fresh worker replaces it
        finish(() => reject(new BaseError(reason)));
      };
      const timer = setTimeout(() => fail(`timed out after ${timeoutMs / 1000} s`), timeoutMs);
      const onAbort = () => fail("aborted: the provider is shutting down");
      const onMessage = (m: WorkerMessage) => {
        if (m.type === "done") finish(() => resolve(m));
      };
      const onExit = (code: number | null, sig: NodeJS.Signals | null) =>
        finish(() =>
          reject(
            new BaseError(
              `worker exited (${sig ?? `code ${code}`}) without a result, e.g. out of memory`,
            ),
          ),
        );
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send({ type: "job", request } satisfies WorkerCommand, (err) => {
        if (err) fail(`could not hand the job to the worker: ${err.message}`);
      });
    });
    if (!done.reply.ok || w.jobs >= config.jobsPerWorker || done.heapUsed > recycleHeapBytes)
      retire(w);
    else release(w);
    return { reply: done.reply, waitMs, sessionReused: done.sessionReused };
  }

  async function close() {
    closed = true;
    for (const waiter of waiting.splice(0)) waiter.reject(new WorkerPoolError("closed"));
    const all = [...workers];
    workers.clear();
    idle.length = 0;
    await Promise.all(
      all.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            setRef(w, true); // until it is gone
            w.child.once("exit", () => resolve());
            w.child.kill("SIGKILL");
          }),
      ),
    );
  }

  topUp();
  return {
    run,
    close,
    stats: () => ({
      alive: workers.size,
      idle: idle.length,
      started,
      retired,
      pids: [...workers].map((w) => w.child.pid ?? 0),
    }),
  };
}
