// `noos job check [id]`: finish what a tenant's `noos deploy` left undone (its process stopped
// between a result and its check): check each delivered result against the hash bound on chain,
// then accept it or dispute it inside the dispute window. The records are the tenant's job state
// (`<dir>/tenant/tenant-<address>.json`), written by `noos deploy` before each step.
import path from "node:path";
import type { ResumeProgress } from "@noosphere/node";
import type { NoosphereClient } from "@noosphere/sdk";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printFields, printJson } from "../output.js";

/** Where `noos deploy` keeps the tenant's job records. */
export const tenantStateDir = (options: GlobalOptions) =>
  path.join(path.resolve(options.dir), "tenant");

export function registerJobCheck(job: Command, tenant: () => GlobalOptions) {
  job
    .command("check")
    .argument("[id]", "a job's order id (default: every unfinished job of this tenant)")
    .option("--no-wait", "do not wait for leases still running; report them and stop")
    .option(
      "--fetch-timeout <seconds>",
      "retry an unfetchable result this long, then dispute",
      "300",
    )
    .description(
      "check the results of jobs `noos deploy` did not finish (e.g. after a restart): accept, or dispute on chain",
    )
    .action(async (id: string | undefined, opts: { wait: boolean; fetchTimeout: string }) => {
      // The SDK (viem), @noosphere/node and the store load here, not for `noos job --help`.
      const { resumeJobs } = await import("@noosphere/node");
      const { formatNoos } = await import("@noosphere/sdk");
      const { createStore } = await import("@noosphere/storage");
      const { parseId, walletClient } = await import("../context.js");
      const options = tenant();
      const { client, connection } = await walletClient(options);
      const log = options.json
        ? () => {}
        : (e: ResumeProgress) => process.stderr.write(`${describeResume(e)}\n`);
      const jobs = await resumeJobs({
        client: client as NoosphereClient,
        market: connection.contracts.market,
        store: createStore({ kind: "local", dir: path.join(path.resolve(options.dir), "store") }),
        stateDir: tenantStateDir(options),
        jobId: id === undefined ? undefined : parseId("id", id),
        wait: opts.wait,
        fetchTimeoutMs: Number(parseId("--fetch-timeout", opts.fetchTimeout)) * 1000,
        onProgress: log,
      });
      // Anything but an accepted result (disputed, missed, failed) is worth a non-zero status.
      if (jobs.some((j) => j.settled && j.outcome !== "completed")) process.exitCode = 1;
      if (options.json) return printJson(jobs);
      if (jobs.length === 0) {
        process.stdout.write("no unfinished jobs\n");
        return;
      }
      for (const j of jobs) {
        if (!j.settled) {
          printFields({ job: j.jobId, outcome: "running", orders: j.running.join(", ") });
          continue;
        }
        printFields({
          job: j.jobId,
          outcome: j.outcome,
          ...(j.reason ? { reason: j.reason } : {}),
          orders: j.replicas.map((r) => `${r.orderId} (${r.state})`).join(", "),
          cost: `${formatNoos(j.cost)} NOOS`,
          files: Object.values(j.files).join(", ") || "-",
        });
      }
    });
}

/** One line per check step, shared by `noos deploy` and `noos job check`. */
export function describeCheck(e: Extract<ResumeProgress, { step: "checked" | "done" }>): string {
  if (e.step === "done") return `order ${e.orderId}: ${e.state}`;
  return e.ok
    ? `order ${e.orderId}: result checked (bytes match the hash on chain)`
    : `order ${e.orderId}: result FAILED the check (${e.reason}): ${e.detail}; disputing`;
}

function describeResume(e: ResumeProgress): string {
  switch (e.step) {
    case "resuming":
      return `job ${e.jobId}: resuming (orders ${e.stages.join(", ")})`;
    case "running":
      return `job ${e.jobId}: order ${e.orderId} still running (deadline ${new Date(Number(e.deadline) * 1000).toISOString()})`;
    default:
      return describeCheck(e);
  }
}
