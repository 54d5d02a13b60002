// Child-process entry: runs one job and reports over IPC. A separate process so that a job
// gets its own heap limit and can be killed on timeout without touching the daemon.
import type { JobManifest } from "@noosphere/sdk";
import { executeJob } from "./execute.js";

export type WorkerRequest = {
  manifest: JobManifest;
  modelPath?: string | undefined;
  inputPath: string;
  outDir: string;
};
export type WorkerReply =
  | {
      ok: true;
      resultPath: string;
      artifacts: Record<string, string>;
      summary: Record<string, number | string>;
    }
  | { ok: false; error: string; name: string };

// The IPC channel closes when the provider dies (even by SIGKILL): never outlive it.
process.once("disconnect", () => process.exit(1));

process.once("message", async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, ...(await executeJob(request)) };
  } catch (err) {
    const error = err as Error & { shortMessage?: string };
    reply = {
      ok: false,
      error: error.shortMessage ?? error.message ?? String(err),
      name: error.name ?? "Error",
    };
  }
  process.send?.(reply, () => process.exit(0));
});
