// Finishing a job: check every result the job's orders delivered, then accept them all (every
// replica delivered, passed its check, and the hashes agree) or dispute each one still in its
// dispute window. Nothing here throws for a bad result: a result the tenant cannot verify is never
// left to be accepted by default after the window. Used by `deployJob` right after the results
// come in and by `resumeJobs` after a restart (the job records say where each order was).
import path from "node:path";
import { BaseError, type Lease, type NoosphereClient } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Address, Hex } from "viem";
import { checkResult, type ResultCheckFailure, writeResultFiles } from "./checkResult.js";
import { finalStages, type TenantJob, type TenantJobs, type TenantOrder } from "./jobState.js";

export type SettleProgress =
  | {
      step: "checked";
      orderId: bigint;
      ok: boolean;
      reason?: ResultCheckFailure | undefined;
      detail?: string | undefined;
    }
  | { step: "done"; orderId: bigint; state: string };

export type DeployedReplica = {
  orderId: bigint;
  provider: Address;
  pricePerSecond: bigint;
  /** Gross paid to the provider (fees included), wei. */
  cost: bigint;
  resultCid: string;
  resultHash: Hex;
  state: string;
  /** The tenant's check of this replica's result (absent when it delivered none). */
  check?: { ok: boolean; reason?: ResultCheckFailure | undefined; detail?: string | undefined };
};

export type SettleJobResult = {
  /**
   * "completed" (accepted), "disputed" (disputed on chain), "failed" (nothing delivered), or
   * "missed" (the dispute window closed before the tenant could act: the result can be paid).
   */
  outcome: "completed" | "disputed" | "failed" | "missed";
  /** Why the job was not accepted, in words. */
  reason?: string | undefined;
  replicas: DeployedReplica[];
  cost: bigint;
  resultDir: string;
  files: Record<string, string>;
};

export type SettleJobParameters = {
  client: NoosphereClient;
  store: ContentStore;
  jobs: TenantJobs;
  jobId: string;
  /**
   * How long to keep retrying a result that cannot be fetched before disputing it, ms. Always
   * capped so the dispute lands inside the window. Default 5 minutes.
   */
  fetchTimeoutMs?: number | undefined;
  /** Pause between fetch attempts, ms. Default 1000. */
  fetchRetryMs?: number | undefined;
  /** A lease of the job ended without a result (missed deadline, no bids): agreement is unproven. */
  incomplete?: string | undefined;
  onProgress?: ((event: SettleProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Leases the caller read just now (deployJob, right as the result came): not read again. */
  leases?: ReadonlyMap<bigint, Lease> | undefined;
};

/** Time kept at the end of the dispute window for the dispute transaction to land. */
const DISPUTE_MARGIN_MS = 60_000;

export async function settleJob(params: SettleJobParameters): Promise<SettleJobResult> {
  const { client, store, jobs, jobId } = params;
  const progress = params.onProgress ?? (() => {});
  let job = await mustGet(jobs, jobId);

  // 1. Bring each order's stage in line with its lease, and check the results not yet checked.
  const leases = new Map<bigint, Lease>();
  const bytes = new Map<bigint, Uint8Array>();
  for (const order of job.orders) {
    if (order.stage === "ordered") continue; // no lease (canceled, or never leased)
    // The lease and the chain's time in one round trip (the time bounds the result's check).
    const [lease, now] = await Promise.all([
      params.leases?.get(order.orderId) ?? client.getLease({ leaseId: order.orderId }),
      chainTime(client),
    ]);
    leases.set(order.orderId, lease);
    const synced = stageOf(lease, order);
    if (synced !== order.stage) {
      job = await jobs.updateOrder(jobId, order.orderId, {
        stage: synced,
        resultCid: lease.resultCid || undefined,
        resultHash: lease.resultCid ? lease.resultHash : undefined,
        disputeEndsAt: lease.disputeEndsAt || undefined,
      });
    }
    if (lease.stateName !== "ResultSubmitted") continue;
    if (order.check && !order.check.ok) continue; // a failed check stands (bytes do not change)
    // The window is on chain time: what is left of it, less the time the dispute needs to land.
    const left = (Number(lease.disputeEndsAt) - Number(now)) * 1000;
    const deadline =
      Date.now() + Math.min(params.fetchTimeoutMs ?? 5 * 60_000, left - DISPUTE_MARGIN_MS);
    const check = await checkResult({
      store,
      resultCid: lease.resultCid,
      resultHash: lease.resultHash,
      fetchUntilMs: deadline,
      retryMs: params.fetchRetryMs,
      signal: params.signal,
    });
    const verdict = check.ok
      ? { ok: true }
      : { ok: false, reason: check.reason, detail: check.detail };
    if (check.ok) bytes.set(order.orderId, check.bytes);
    job = await jobs.updateOrder(jobId, order.orderId, {
      stage: "checked",
      resultCid: lease.resultCid,
      resultHash: lease.resultHash,
      disputeEndsAt: lease.disputeEndsAt,
      check: verdict,
    });
    progress({ step: "checked", orderId: order.orderId, ...verdict });
  }

  // 2. Decide: accept only a complete, checked, agreeing set of results.
  const withResult = job.orders.filter((o) => o.resultHash !== undefined);
  const failed = withResult.filter((o) => o.check && !o.check.ok);
  const hashes = new Set(withResult.map((o) => o.resultHash?.toLowerCase()));
  const missing = job.replicas - withResult.length;
  let reason: string | undefined;
  if (failed.length > 0) {
    const first = failed[0] as TenantOrder;
    reason = `order ${first.orderId}: ${first.check?.detail ?? first.check?.reason}`;
  } else if (hashes.size > 1) {
    reason = `the ${withResult.length} replicas returned ${hashes.size} different result hashes`;
  } else if (missing > 0 || params.incomplete) {
    reason =
      params.incomplete ??
      `${missing} of ${job.replicas} replicas delivered no result, so agreement is unproven`;
  }
  const accept = reason === undefined && withResult.length > 0;

  // 3. Act on chain, order by order (each result is accepted or disputed on its own lease).
  const nowS = () => chainTime(client);
  for (const order of job.orders) {
    const lease = leases.get(order.orderId);
    if (lease?.stateName !== "ResultSubmitted") continue;
    if (accept) {
      await client.acceptResultAndWait({ leaseId: order.orderId });
      job = await jobs.updateOrder(jobId, order.orderId, { stage: "accepted" });
      continue;
    }
    if ((await nowS()) >= lease.disputeEndsAt) {
      job = await jobs.updateOrder(jobId, order.orderId, { stage: "missed" });
      continue;
    }
    try {
      await client.disputeResultAndWait({ leaseId: order.orderId });
      const own = order.check && !order.check.ok ? order.check : undefined;
      job = await jobs.updateOrder(jobId, order.orderId, {
        stage: "disputed",
        check: own ?? {
          ok: true,
          reason: hashes.size > 1 ? "disagreement" : "incomplete",
          detail: reason,
        },
      });
    } catch (err) {
      if ((err as { name?: string }).name !== "MarketDisputeWindowClosed") throw err;
      job = await jobs.updateOrder(jobId, order.orderId, { stage: "missed" });
    }
  }

  // 4. Report, from the chain.
  const resultDir = path.resolve(job.resultsDir, job.id);
  let files: Record<string, string> = {};
  if (accept) {
    const first = withResult[0] as TenantOrder;
    const checked =
      bytes.get(first.orderId) ??
      (await store.get(first.resultCid ?? "", { signal: params.signal }));
    files = await writeResultFiles(store, checked, resultDir);
  }
  const replicas: DeployedReplica[] = [];
  for (const order of job.orders) {
    if (order.stage === "ordered" || (order.stage === "ended" && !leases.has(order.orderId)))
      continue;
    const lease = await client.getLease({ leaseId: order.orderId });
    replicas.push({
      orderId: order.orderId,
      provider: lease.provider,
      pricePerSecond: lease.pricePerSecond,
      // A batch job's price (price x jobTimeout) is held while the lease runs and paid in full
      // when the result is accepted; a job that failed or was given up costs nothing.
      cost:
        lease.stateName === "Completed"
          ? lease.pricePerSecond * (lease.deadline - lease.startedAt)
          : lease.held,
      resultCid: lease.resultCid,
      resultHash: lease.resultHash,
      state: lease.stateName,
      ...(order.check ? { check: order.check } : {}),
    });
    progress({ step: "done", orderId: order.orderId, state: lease.stateName });
  }
  const latest = await mustGet(jobs, jobId);
  const disputed = latest.orders.some((o) => o.stage === "disputed");
  const missed = latest.orders.some((o) => o.stage === "missed");
  const outcome = accept
    ? "completed"
    : disputed
      ? "disputed"
      : missed
        ? "missed"
        : withResult.length > 0
          ? "disputed"
          : "failed";
  if (outcome === "missed") {
    reason = `${reason ?? "the result was not checked in time"}; the dispute window closed before the tenant could dispute, so anyone can now accept the result and the provider is paid`;
  }
  if (job.orders.every((o) => finalStages.has(o.stage))) await jobs.setOutcome(jobId, outcome);
  return {
    outcome,
    ...(reason !== undefined && !accept ? { reason } : {}),
    replicas,
    cost: replicas.reduce((sum, r) => sum + r.cost, 0n),
    resultDir,
    files,
  };
}

/** The latest block's timestamp: dispute windows are measured on chain time. */
async function chainTime(client: NoosphereClient): Promise<bigint> {
  return (await client.getBlock()).timestamp;
}

/** The tenant's stage for a lease as the chain has it now. */
export function stageOf(lease: Lease, order: TenantOrder): TenantOrder["stage"] {
  switch (lease.stateName) {
    case "Active":
      return "leased";
    case "Committed":
      return "committed";
    case "ResultSubmitted":
      return order.stage === "checked" ? "checked" : "result";
    case "Disputed":
      return "disputed";
    case "Completed":
      // Accepted by the tenant, by anyone after the window, or by the arbiter.
      return order.stage === "disputed" ? "disputed" : "accepted";
    case "Failed":
      return order.stage === "disputed" ? "disputed" : "expired";
    default:
      return lease.stateName === "None" ? order.stage : "ended";
  }
}

async function mustGet(jobs: TenantJobs, jobId: string): Promise<TenantJob> {
  const job = await jobs.get(jobId);
  if (!job)
    throw new BaseError(`No job ${jobId} in the tenant's records.`, { name: "UnknownJobError" });
  return job;
}
