// The tenant's record of the jobs it opened: each order and how far it got (ordered, leased,
// result seen, checked, accepted or disputed). It is written before and after every step, so a
// tenant whose process dies between a result and its check can still finish the check and
// dispute within the window (`noos job check`, `noos deploy --resume`). The chain stays the source
// of truth for each lease; this file remembers what the chain cannot: which orders form one job,
// what the tenant's check found, and where the results go.
import path from "node:path";
import type { NoosphereClient } from "@noosphere/sdk";
import type { Address, Hex } from "viem";
import { deploymentKeyOf, openDeploymentState, type StateFile } from "../state.js";
import type { ResultCheckFailure } from "./checkResult.js";

export type TenantOrderStage =
  /** Order open on chain, no lease yet. */
  | "ordered"
  /** A bid was accepted: the provider is running the job. */
  | "leased"
  /** The provider committed to a result (redundant group) and has not revealed it yet. */
  | "committed"
  /** A result is on chain; not yet checked. */
  | "result"
  /** The result was checked (`check` says how it went); not yet accepted or disputed. */
  | "checked"
  | "accepted"
  | "disputed"
  /** The dispute window closed before the tenant could act: anyone may accept the result. */
  | "missed"
  /** The provider missed its deadline: escrow refunded, provider slashed. */
  | "expired"
  /** Canceled (no bids) or closed without a result. */
  | "ended";

export type TenantOrder = {
  orderId: bigint;
  replica: number;
  stage: TenantOrderStage;
  provider?: Address | undefined;
  resultCid?: string | undefined;
  resultHash?: Hex | undefined;
  /** Seconds since the epoch; from the lease once a result is on chain. */
  disputeEndsAt?: bigint | undefined;
  check?: { ok: boolean; reason?: ResultCheckFailure | undefined; detail?: string | undefined };
  updatedAt: string;
};

export type TenantJob = {
  /** The first order's id: what `noos deploy` prints and `noos job check` takes. */
  id: string;
  manifestCid: string;
  manifestHash: Hex;
  kind: string;
  replicas: number;
  /** Replica group on chain (redundant jobs run through one group). */
  group?: bigint | undefined;
  resultsDir: string;
  createdAt: string;
  orders: TenantOrder[];
  /** Set once every order is final. */
  outcome?: "completed" | "disputed" | "failed" | "missed" | undefined;
};

type TenantState = { jobs: Record<string, TenantJob> };

/** The final stages: nothing more for the tenant to do on these orders. */
export const finalStages: ReadonlySet<TenantOrderStage> = new Set([
  "accepted",
  "disputed",
  "missed",
  "expired",
  "ended",
]);

export type TenantJobs = {
  /** Where the records live (undefined: in memory only). */
  file: string | undefined;
  get: (id: string) => Promise<TenantJob | undefined>;
  /** The job that holds this order id, whichever replica it is. */
  findByOrder: (orderId: bigint) => Promise<TenantJob | undefined>;
  /** Jobs with orders that are not final yet, oldest first. */
  pending: () => Promise<TenantJob[]>;
  put: (job: TenantJob) => Promise<void>;
  /** Adds or changes one order of a job; returns the job as saved. */
  updateOrder: (
    jobId: string,
    orderId: bigint,
    change: Partial<Omit<TenantOrder, "orderId" | "updatedAt">>,
  ) => Promise<TenantJob>;
  setOutcome: (jobId: string, outcome: TenantJob["outcome"]) => Promise<void>;
};

/**
 * The tenant's job records for this account on this deployment: `<stateDir>/tenant-<address>.json`,
 * started fresh (the old one kept aside) when the chain or market differs.
 */
export async function openTenantJobs(params: {
  client: NoosphereClient;
  market: Address;
  stateDir: string;
  onReset?: ((message: string) => void) | undefined;
}): Promise<TenantJobs> {
  const file = path.join(
    params.stateDir,
    `tenant-${params.client.account.address.toLowerCase()}.json`,
  );
  const state = await openDeploymentState<TenantState>({
    file,
    deployment: await deploymentKeyOf(params.client, params.market),
    initial: () => ({ jobs: {} }),
    onReset: (message) => params.onReset?.(message),
  });
  return tenantJobs(state, file);
}

/** Job records kept in memory only (a caller that gave no state folder). */
export function memoryTenantJobs(): TenantJobs {
  let value: TenantState = { jobs: {} };
  const state: StateFile<TenantState> = {
    read: async () => structuredClone(value),
    write: async (v) => {
      value = structuredClone(v);
    },
    update: async (change) => {
      const current = structuredClone(value);
      value = structuredClone(change(current) ?? current);
      return structuredClone(value);
    },
  };
  return tenantJobs(state, undefined);
}

function tenantJobs(state: StateFile<TenantState>, file: string | undefined): TenantJobs {
  const isPending = (job: TenantJob) => job.orders.some((o) => !finalStages.has(o.stage));
  return {
    file,
    get: async (id) => (await state.read()).jobs[id],
    findByOrder: async (orderId) =>
      Object.values((await state.read()).jobs).find((j) =>
        j.orders.some((o) => o.orderId === orderId),
      ),
    pending: async () =>
      Object.values((await state.read()).jobs)
        .filter(isPending)
        .sort((a, b) => Number(BigInt(a.id) - BigInt(b.id))),
    put: async (job) => {
      await state.update((s) => {
        s.jobs[job.id] = job;
        return s;
      });
    },
    updateOrder: async (jobId, orderId, change) => {
      const saved = await state.update((s) => {
        const job = s.jobs[jobId];
        if (!job) throw new Error(`no tenant job ${jobId}`);
        const now = new Date().toISOString();
        const i = job.orders.findIndex((o) => o.orderId === orderId);
        const defined = Object.fromEntries(
          Object.entries(change).filter(([, v]) => v !== undefined),
        ) as Partial<TenantOrder>;
        if (i < 0) {
          job.orders.push({
            orderId,
            replica: change.replica ?? job.orders.length,
            stage: change.stage ?? "ordered",
            ...defined,
            updatedAt: now,
          });
        } else {
          job.orders[i] = { ...(job.orders[i] as TenantOrder), ...defined, updatedAt: now };
        }
        return s;
      });
      return saved.jobs[jobId] as TenantJob;
    },
    setOutcome: async (jobId, outcome) => {
      await state.update((s) => {
        const job = s.jobs[jobId];
        if (job) job.outcome = outcome;
        return s;
      });
    },
  };
}
