// After a restart: take each job the tenant recorded and did not finish to its end. Orders still
// open are auctioned off once their bid window closes (or canceled without bids), running leases
// are waited for (or expired past their deadline), and delivered results are checked, then
// accepted or disputed (settleJob), inside the dispute window.
import { BaseError, type NoosphereClient } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { type Address, zeroAddress } from "viem";
import { sleep } from "../follower.js";
import { finalStages, openTenantJobs, type TenantJob, type TenantJobs } from "./jobState.js";
import { type SettleJobResult, type SettleProgress, settleJob, stageOf } from "./settleJob.js";

export type ResumeProgress =
  | SettleProgress
  | { step: "resuming"; jobId: string; stages: string[] }
  | { step: "running"; jobId: string; orderId: bigint; deadline: bigint };

export type ResumeJobsParameters = {
  client: NoosphereClient;
  market: Address;
  store: ContentStore;
  /** The folder `deployJob` recorded its jobs in. */
  stateDir: string;
  /** Only this job (any of its order ids); default every unfinished job. */
  jobId?: bigint | undefined;
  /** Wait for running leases to deliver (or miss their deadline). Default true. */
  wait?: boolean | undefined;
  fetchTimeoutMs?: number | undefined;
  fetchRetryMs?: number | undefined;
  pollIntervalMs?: number | undefined;
  onProgress?: ((event: ResumeProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
};

export type ResumedJob =
  | ({ jobId: string; settled: true } & SettleJobResult)
  /** Still running (wait: false): nothing to check yet. */
  | { jobId: string; settled: false; running: bigint[] };

export async function resumeJobs(params: ResumeJobsParameters): Promise<ResumedJob[]> {
  const jobs = await openTenantJobs({
    client: params.client,
    market: params.market,
    stateDir: params.stateDir,
  });
  let todo: TenantJob[];
  if (params.jobId !== undefined) {
    const job = await jobs.findByOrder(params.jobId);
    if (!job) {
      throw new BaseError(`Order ${params.jobId} is not in this tenant's job records.`, {
        name: "UnknownJobError",
        metaMessages: [
          `Records: ${jobs.file}. A job opened with another account or on another chain is not there.`,
        ],
      });
    }
    todo = [job];
  } else {
    todo = await jobs.pending();
  }
  const out: ResumedJob[] = [];
  for (const job of todo) out.push(await resumeJob(params, jobs, job));
  return out;
}

async function resumeJob(
  params: ResumeJobsParameters,
  jobs: TenantJobs,
  job: TenantJob,
): Promise<ResumedJob> {
  const { client } = params;
  const progress = params.onProgress ?? (() => {});
  const poll = params.pollIntervalMs ?? 250;
  progress({ step: "resuming", jobId: job.id, stages: job.orders.map((o) => o.stage) });
  const running: bigint[] = [];
  // Replicas that end without a result count as missing in settleJob (agreement unproven).
  for (const order of job.orders) {
    if (finalStages.has(order.stage)) continue;
    if (order.stage === "ordered") {
      const leased = await finishAuction(params, order.orderId);
      await jobs.updateOrder(job.id, order.orderId, leased);
      if (leased.stage !== "leased") continue;
    }
    for (;;) {
      const lease = await client.getLease({ leaseId: order.orderId });
      const now = BigInt(Math.floor(Date.now() / 1000));
      // A grouped lease that committed has until the group's reveal window ends to reveal.
      const committed = lease.stateName === "Committed";
      const revealEndsAt =
        committed && job.group !== undefined
          ? (await client.getGroup({ groupId: job.group })).revealEndsAt
          : 0n;
      const overdue = committed
        ? revealEndsAt !== 0n && now > revealEndsAt
        : lease.stateName === "Active" && now > lease.deadline;
      if (overdue) {
        await client.expireLeaseAndWait({ leaseId: order.orderId });
        await jobs.updateOrder(job.id, order.orderId, { stage: "expired" });
        break;
      }
      if (lease.stateName !== "Active" && !committed) {
        const current = (await jobs.get(job.id))?.orders.find((o) => o.orderId === order.orderId);
        if (current) {
          await jobs.updateOrder(job.id, order.orderId, { stage: stageOf(lease, current) });
        }
        break;
      }
      if (params.wait === false) {
        running.push(order.orderId);
        progress({
          step: "running",
          jobId: job.id,
          orderId: order.orderId,
          deadline: lease.deadline,
        });
        break;
      }
      await sleep(poll, params.signal);
      params.signal?.throwIfAborted();
    }
  }
  if (running.length > 0) return { jobId: job.id, settled: false, running };
  const settled = await settleJob({
    client,
    store: params.store,
    jobs,
    jobId: job.id,
    fetchTimeoutMs: params.fetchTimeoutMs,
    fetchRetryMs: params.fetchRetryMs,
    onProgress: progress,
    signal: params.signal,
  });
  return { jobId: job.id, settled: true, ...settled };
}

/**
 * An order left open: after its bid window, lease it to its best bid (closeAuction), or cancel it
 * when it has none or its best bidder lacks the free stake now (the escrow goes back to the
 * tenant's market balance).
 */
async function finishAuction(
  params: ResumeJobsParameters,
  orderId: bigint,
): Promise<{ stage: "leased" | "ended"; provider?: Address }> {
  const { client } = params;
  for (;;) {
    const order = await client.getOrder({ orderId });
    if (order.stateName === "Leased") {
      const lease = await client.getLease({ leaseId: orderId });
      return { stage: "leased", provider: lease.provider };
    }
    if (order.stateName !== "Open") return { stage: "ended" };
    if (Date.now() / 1000 > Number(order.bidDeadline)) {
      if (order.bestBidder !== zeroAddress) {
        const closed = await client.closeAuctionAndWait({ orderId }).then(
          () => true,
          async (err: unknown) => {
            // Closed by someone else meanwhile: the loop reads the order again.
            if ((await client.getOrder({ orderId })).stateName !== "Open") return true;
            // The best bid cannot be leased (its provider lacks the free stake): cancel below.
            if ((err as { name?: string }).name !== "MarketInsufficientUnlockedStake") throw err;
            return false;
          },
        );
        if (closed) continue;
      }
      await client.cancelOrderAndWait({ orderId });
      return { stage: "ended" };
    }
    await sleep(params.pollIntervalMs ?? 250, params.signal);
    params.signal?.throwIfAborted();
  }
}
