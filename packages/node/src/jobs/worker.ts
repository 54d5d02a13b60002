// Child-process entry of the job worker pool (see pool.ts): a separate process so that jobs get
// their own heap limit and can be killed on a timeout without touching the daemon. It starts
// once, says `ready` (the ML runtime is loaded by then), and runs the jobs it is handed one at a
// time until the pool retires it. Between jobs it keeps only parsed ONNX sessions, keyed by the
// model's CID (content-addressed: the same CID is the same model, whoever's job it is).
import { createSession, type MlSession } from "@noosphere/ml";
import type { JobManifest } from "@noosphere/sdk";
import type { ProgramFault } from "../verify/program.js";
import { executeJob } from "./execute.js";

export type WorkerRequest = {
  manifest: JobManifest;
  modelPath?: string | undefined;
  /** The model's CID: its parsed session is reused by later jobs naming the same CID. */
  modelCid?: string | undefined;
  inputPath: string;
  outDir: string;
  /** Testing: the fault an optimistic job's program run carries (see ProgramFault). */
  fault?: ProgramFault | undefined;
};
export type WorkerReply =
  | {
      ok: true;
      resultPath: string;
      artifacts: Record<string, string>;
      summary: Record<string, number | string>;
    }
  | { ok: false; error: string; name: string };

/** Pool -> worker. */
export type WorkerCommand = { type: "job"; request: WorkerRequest };
/** Worker -> pool. `heapUsed` after the job lets the pool retire a worker that grows. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "done"; reply: WorkerReply; heapUsed: number; sessionReused: boolean };

/** Parsed sessions by model CID; few, since each holds the model's weights. */
const MAX_SESSIONS = 4;
const sessions = new Map<string, Promise<MlSession>>();

function sessionFor(modelCid: string | undefined, modelPath: string) {
  if (!modelCid) return { session: createSession(modelPath), reused: false };
  const cached = sessions.get(modelCid);
  if (cached) {
    sessions.delete(modelCid); // most recently used last
    sessions.set(modelCid, cached);
    return { session: cached, reused: true };
  }
  const session = createSession(modelPath);
  sessions.set(modelCid, session);
  session.catch(() => sessions.delete(modelCid)); // a model that fails to load is not kept
  if (sessions.size > MAX_SESSIONS) {
    // One job at a time: the least recently used session is not in use by anyone.
    const [oldest, evicted] = sessions.entries().next().value as [string, Promise<MlSession>];
    sessions.delete(oldest);
    void evicted.then((s) => s.release()).catch(() => {});
  }
  return { session, reused: false };
}

async function run(request: WorkerRequest): Promise<WorkerMessage> {
  let reply: WorkerReply;
  let reused = false;
  try {
    const result = await executeJob({
      ...request,
      loadSession: (modelPath) => {
        const { session, reused: hit } = sessionFor(request.modelCid, modelPath);
        reused = hit;
        return session;
      },
    });
    reply = { ok: true, ...result };
  } catch (err) {
    const error = err as Error & { shortMessage?: string };
    reply = {
      ok: false,
      error: error.shortMessage ?? error.message ?? String(err),
      name: error.name ?? "Error",
    };
  }
  return { type: "done", reply, heapUsed: process.memoryUsage().heapUsed, sessionReused: reused };
}

// The IPC channel closes when the provider dies (even by SIGKILL) or retires this worker: never
// outlive it.
process.once("disconnect", () => process.exit(1));

let busy = false;
process.on("message", async (command: WorkerCommand) => {
  if (command.type !== "job") return;
  if (busy) {
    // The pool hands one job at a time; a second one is a bug there, never run two at once.
    process.send?.({
      type: "done",
      reply: { ok: false, error: "worker busy", name: "WorkerBusyError" },
      heapUsed: process.memoryUsage().heapUsed,
      sessionReused: false,
    } satisfies WorkerMessage);
    return;
  }
  busy = true;
  const message = await run(command.request);
  busy = false;
  process.send?.(message);
});

process.send?.({ type: "ready" } satisfies WorkerMessage);
