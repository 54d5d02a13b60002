// The provider daemon: registers, follows the market, bids, runs the jobs it wins, submits the
// results with a signed receipt, withdraws its pay (credited to its market balance), and serves
// GET /status. State comes back from the chain plus `<stateDir>/provider.json`: a restart resumes
// the leases it held and never bids twice (the market keeps one best bid per order, and refuses a
// bid that is not below it).
import path from "node:path";
import {
  type Attribute,
  computeMarketAbi,
  type DecodedEvent,
  getLease,
  getOrder,
  type NoosphereAddresses,
  type NoosphereClient,
  type NoosReadClient,
} from "@noosphere/sdk";
import type { Address, Hex } from "viem";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { retryTransaction, serveStatus } from "../daemon.js";
import { follow, sleep } from "../follower.js";
import type { ServiceHost } from "../service/leases.js";
import { deploymentKeyOf, openDeploymentState } from "../state.js";
import { createDefender, type Defender, type OptimisticJob } from "../verify/defender.js";
import type { ProgramFault } from "../verify/program.js";
import {
  AT_CAPACITY,
  type BidDecision,
  batchedReads,
  bidOnOrder,
  type Capacity,
  createOpenBids,
  type OrderCreatedArgs,
} from "./bidder.js";
import { newSalt, resultCommitment } from "./commitReveal.js";
import type { ScalePricing } from "./pricing.js";
import { ensureRegistered } from "./registration.js";

export const PROVIDER_VERSION = "0.1.0";
/** The market's own errors (`Market…`) are final: resending would fail the same way. */
const retry = <T>(send: () => Promise<T>, signal: AbortSignal) =>
  retryTransaction(send, {
    signal,
    isFinal: (err) => Boolean((err as { name?: string }).name?.startsWith("Market")),
  });
/** Bid decisions kept for GET /status. */
const MAX_DECISIONS = 200;

/** Where a job's time went, ms (logged with "result submitted"; bench/provider.ts reads them). */
export type JobTimings = {
  fetchMs?: number;
  workerWaitMs?: number;
  executeMs?: number;
  storeMs?: number;
  /** 1 when the worker reused the parsed model (same model CID as an earlier job). */
  sessionReused?: number;
};

/** What running a job produced: the result is already in the content store. */
export type JobResult = {
  resultCid: string;
  resultHash: Hex;
  timings?: JobTimings | undefined;
  /** An optimistic job: what the provider posts as its claim after submitting the result. */
  optimistic?: OptimisticJob | undefined;
};

/**
 * Runs the job of a lease (fetch manifest and inputs, execute, store outputs). `close` (if any)
 * stops what the runner keeps (its worker processes) once the provider has stopped.
 */
export type JobRunner = ((job: {
  leaseId: bigint;
  manifestCid: string;
  manifestHash: Hex;
  signal: AbortSignal;
}) => Promise<JobResult>) & {
  close?: () => Promise<void>;
  /** Reads content by CID (the defender recomputes an optimistic run from its input). */
  fetchContent?: (cid: string) => Promise<Uint8Array>;
};

export type ProviderConfig = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  startBlock: bigint;
  hostUri: string;
  attributes: Attribute[];
  stake: bigint;
  pricing: ScalePricing;
  capacity: Capacity;
  stateDir: string;
  listen: { host: string; port: number };
  /** How often the provider pays its market balance (pay for its jobs) out to its wallet. */
  withdrawIntervalMs: number;
  pollIntervalMs: number;
  runJob: JobRunner;
  /**
   * Hosts service leases (orders with jobTimeout 0): one inference server per lease, announced at
   * GET <hostUri>/lease/<id>/status. Without it the provider does not bid on service orders.
   */
  services?: ServiceHost | undefined;
  /** How often the provider settles its service leases (collects their per-second pay). Default 60 s. */
  serviceSettleIntervalMs?: number | undefined;
  /** How long a closing service lets in-flight calls finish. Default 10 s. */
  serviceDrainMs?: number | undefined;
  /**
   * Optimistic jobs: the verifier and referee (default: the deployment's optimisticVerifier and
   * stepReferee), and for tests a fault the defender's run carries or a defender that goes silent.
   */
  optimistic?:
    | {
        verifier?: Address | undefined;
        referee?: Address | undefined;
        fault?: ProgramFault | undefined;
        silent?: boolean | "reveal" | undefined;
      }
    | undefined;
};

/**
 * `committing`: a grouped lease's result and salt are saved and the commit is being sent;
 * `committed`: on chain, waiting for the group's reveal phase; then `submitted` once revealed.
 */
type JobState =
  | "running"
  | "committing"
  | "committed"
  | "submitted"
  | "failed"
  /** Service leases: the server is up (resumed after a restart), then closed when the lease ends. */
  | "serving"
  | "closed";
type ProviderJob = {
  state: JobState;
  startedAt: string;
  error?: string;
  resultCid?: string;
  /** Optimistic jobs: the claim to post after the result (kept until it is posted). */
  optimistic?: OptimisticJob;
  claimId?: string;
  /** Grouped leases (redundant jobs): what the commitment binds, kept until the reveal. */
  group?: bigint;
  resultHash?: Hex;
  salt?: Hex;
  /** Service leases: where the server answers, and the model name. */
  endpoint?: string;
  port?: number;
  model?: string;
};
type ProviderState = {
  cursor?: bigint;
  jobs: Record<string, ProviderJob>;
  earnedWithdrawn: bigint;
};

export type Provider = {
  /** Resolves once the daemon has stopped (after `common.signal` aborts). */
  done: Promise<void>;
  /** Bound address of the status server. */
  statusUrl: string;
  /** The defender of optimistic claims (when a verifier is deployed). */
  defender?: Defender | undefined;
};

export async function createProvider(common: Common, config: ProviderConfig): Promise<Provider> {
  const { client, contracts, logger } = { ...config, logger: common.logger };
  const me = client.account.address.toLowerCase();
  // A provider restarted against another chain (a new devnet at the same RPC URL) must not
  // carry its cursor and jobs over: order ids start again at 1 there.
  const state = await openDeploymentState<ProviderState>({
    file: path.join(config.stateDir, "provider.json"),
    deployment: await deploymentKeyOf(client, contracts.market),
    initial: () => ({ jobs: {}, earnedWithdrawn: 0n }),
    onReset: (message, details) => logger.warn(details, message),
  });
  const running = new Map<string, Promise<void>>();
  const opt = config.optimistic;
  const named = contracts as { optimisticVerifier?: Address; stepReferee?: Address };
  const verifier = opt?.verifier ?? named.optimisticVerifier;
  const referee = opt?.referee ?? named.stepReferee;
  const defender: Defender | undefined =
    verifier && referee && config.runJob.fetchContent
      ? await createDefender(common, {
          client: client as never,
          contracts: { verifier, referee, token: contracts.token },
          stateDir: config.stateDir,
          startBlock: config.startBlock,
          fetchContent: config.runJob.fetchContent,
          pollIntervalMs: config.pollIntervalMs,
          fault: opt?.fault,
          silent: opt?.silent,
        })
      : undefined;

  await ensureRegistered(common, {
    client,
    contracts,
    hostUri: config.hostUri,
    attributes: config.attributes,
    stake: config.stake,
  });

  // The latest bid decisions, by order id, so a tenant with no bids can learn why (GET /status).
  const decisions = new Map<string, { bid: boolean; reason?: string; pricePerSecond?: bigint }>();
  const decided = (orderId: bigint, decision: BidDecision) => {
    decisions.delete(orderId.toString());
    decisions.set(
      orderId.toString(),
      decision.bid ? { bid: true, pricePerSecond: decision.pricePerSecond } : decision,
    );
    if (decisions.size > MAX_DECISIONS) decisions.delete(decisions.keys().next().value as string);
  };
  /**
   * Bids are decided side by side (see onEvent) and jobs submit while others bid. An account with
   * a nonce manager (`noos provider start` makes one) sends them at once; without one, two
   * transactions sent together would take the same nonce, so they are sent one at a time.
   */
  const serialSends = !(client.account as { nonceManager?: unknown }).nonceManager;
  let sendChain: Promise<unknown> = Promise.resolve();
  const send = <T>(transaction: () => Promise<T>): Promise<T> => {
    if (!serialSends) return transaction();
    const next = sendChain.then(transaction, transaction);
    sendChain = next.catch(() => {});
    return next;
  };
  const bidder = {
    send,
    client,
    contracts,
    pricing: config.pricing,
    capacity: config.capacity,
    runningJobs: () => running.size,
    servesServices: Boolean(config.services),
    onDecision: decided,
    // Bids out count against the unlocked stake: no bid a tenant could not accept.
    openBids: createOpenBids(),
    reads: batchedReads(client),
  };

  /** Records the job before anything else, so a crash right after the LeaseCreated event still resumes it. */
  async function startJob(leaseId: bigint) {
    const key = leaseId.toString();
    if (running.has(key)) return;
    await state.update((s) => {
      const previous = s.jobs[key];
      s.jobs[key] = {
        state: "running",
        startedAt: previous?.startedAt ?? new Date().toISOString(),
        // A service restarted after a provider restart tries its old port (same endpoint).
        ...(previous?.port === undefined ? {} : { port: previous.port }),
      };
      return s;
    });
    const job = runLease(leaseId).finally(() => {
      running.delete(key);
      void retryDeferred();
    });
    running.set(key, job);
  }

  async function runLease(leaseId: bigint) {
    const key = leaseId.toString();
    const started = performance.now();
    // Both reads at once: the order is needed anyway when the lease is still active.
    const [lease, order] = await Promise.all([
      getLease(client, { address: contracts.market, leaseId }),
      getOrder(client as unknown as NoosReadClient, {
        address: contracts.market,
        orderId: leaseId,
      }),
    ]);
    if (lease.stateName !== "Active") {
      // Finished while we were away (submitted, expired or closed): nothing left to run.
      await state.update((s) => {
        const job = s.jobs[key];
        if (job?.state === "running")
          s.jobs[key] = {
            ...job,
            state:
              order.jobTimeout === 0
                ? "closed"
                : lease.stateName === "Failed"
                  ? "failed"
                  : "submitted",
          };
        return s;
      });
      return;
    }
    if (order.jobTimeout === 0) {
      await runService(leaseId, order).catch(async (err: unknown) => {
        if (common.signal.aborted) return;
        count(common, "servicesFailed");
        logger.error(
          { leaseId, err: String(err) },
          "service failed; closing the lease so the tenant is refunded",
        );
        await state.update((s) => {
          s.jobs[key] = {
            state: "failed",
            startedAt: s.jobs[key]?.startedAt ?? "",
            error: String(err),
          };
          return s;
        });
        await send(() => client.closeLeaseAndWait({ leaseId })).catch((closeErr: unknown) => {
          logger.error(
            { leaseId, err: String(closeErr) },
            "could not close the failed service lease",
          );
        });
      });
      return;
    }
    logger.info({ leaseId }, "job started");
    try {
      const { timings, ...result } = await config.runJob({
        leaseId,
        manifestCid: order.manifestCid,
        manifestHash: order.manifestHash,
        signal: common.signal,
      });
      if (order.group !== 0n) {
        // A replica of a group: commit now, reveal once every replica is bound (see commitReveal).
        await commitGrouped(leaseId, order.group, result);
        return;
      }
      const ran = performance.now();
      const receipt = await client.signReceipt({ leaseId, ...result });
      await retry(
        () => send(() => client.submitResultAndWait({ leaseId, ...result, receipt })),
        common.signal,
      );
      const submitMs = Math.round(performance.now() - ran);
      await state.update((s) => {
        s.jobs[key] = {
          state: "submitted",
          startedAt: s.jobs[key]?.startedAt ?? "",
          resultCid: result.resultCid,
          ...(result.optimistic
            ? { optimistic: result.optimistic, resultHash: result.resultHash }
            : {}),
        };
        return s;
      });
      if (result.optimistic) await postClaim(leaseId, result.optimistic, result.resultHash);
      count(common, "jobsSubmitted");
      logger.info(
        {
          leaseId,
          resultCid: result.resultCid,
          timings: { ...timings, submitMs, totalMs: Math.round(performance.now() - started) },
        },
        "result submitted",
      );
    } catch (err) {
      if (common.signal.aborted) return; // shutting down: the job resumes on restart
      count(common, "jobsFailed");
      logger.error(
        { leaseId, err: String(err) },
        "job failed; closing the lease so the tenant is refunded",
      );
      await state.update((s) => {
        s.jobs[key] = {
          state: "failed",
          startedAt: s.jobs[key]?.startedAt ?? "",
          error: String(err),
        };
        return s;
      });
      // A provider that cannot deliver gives the job up before its deadline: the tenant gets
      // everything back and no stake is slashed.
      await send(() => client.closeLeaseAndWait({ leaseId })).catch((closeErr: unknown) => {
        logger.error({ leaseId, err: String(closeErr) }, "could not close the failed lease");
      });
    }
  }

  /** Posts an optimistic job's claim (bond, challenge window) and defends it. */
  async function postClaim(leaseId: bigint, job: OptimisticJob, resultHash: Hex) {
    const key = leaseId.toString();
    if (!defender) {
      logger.error({ leaseId }, "optimistic job, but no verifier is deployed: no claim posted");
      return;
    }
    try {
      const claimId = await send(() => (defender as Defender).claim(leaseId, job, resultHash));
      await state.update((s) => {
        const j = s.jobs[key];
        if (j) {
          j.claimId = claimId.toString();
          delete j.optimistic;
        }
        return s;
      });
    } catch (err) {
      if (common.signal.aborted) return;
      logger.error({ leaseId, err: String(err) }, "could not post the claim; retrying on restart");
    }
  }

  /** Resolvers that end a running service, by lease id (called on its LeaseClosed event). */
  const serviceEnded = new Map<string, () => void>();
  /**
   * A service lease: start its server, announce it (state + lease status), serve until the lease
   * closes (then drain and stop) or the provider stops (state stays "serving": a restart resumes it).
   */
  async function runService(leaseId: bigint, order: { manifestCid: string; manifestHash: Hex }) {
    const key = leaseId.toString();
    const services = config.services;
    if (!services) throw new Error("this provider hosts no services");
    const saved = (await state.read()).jobs[key];
    const info = await services.start(
      {
        leaseId,
        manifestCid: order.manifestCid,
        manifestHash: order.manifestHash,
        port: saved?.port,
      },
      common.signal,
    );
    await state.update((s) => {
      s.jobs[key] = {
        state: "serving",
        startedAt: s.jobs[key]?.startedAt ?? "",
        endpoint: info.endpoint,
        port: info.port,
        model: info.model,
      };
      return s;
    });
    count(common, "servicesStarted");
    const ended = new Promise<"closed" | "shutdown">((resolve) => {
      serviceEnded.set(key, () => resolve("closed"));
      if (common.signal.aborted) resolve("shutdown");
      common.signal.addEventListener("abort", () => resolve("shutdown"), { once: true });
    });
    // The lease may have closed while the server was starting (its event already handled).
    const lease = await getLease(client, { address: contracts.market, leaseId });
    if (lease.stateName !== "Active") serviceEnded.get(key)?.();
    const how = await ended;
    serviceEnded.delete(key);
    if (how === "shutdown") {
      await services.stop(leaseId, { drainMs: 2_000 });
      return;
    }
    await services.stop(leaseId, { drainMs: config.serviceDrainMs ?? 10_000, claim: true });
    await state.update((s) => {
      const job = s.jobs[key];
      if (job) s.jobs[key] = { ...job, state: "closed" };
      return s;
    });
    count(common, "servicesClosed");
  }

  /** Collects the per-second pay of the services it runs (settle also closes a lease whose escrow ran out). */
  let lastServiceSettle = Date.now();
  async function settleServices() {
    if (Date.now() - lastServiceSettle < (config.serviceSettleIntervalMs ?? 60_000)) return;
    lastServiceSettle = Date.now();
    for (const service of config.services?.list() ?? []) {
      await send(() => client.settleLeaseAndWait({ leaseId: service.leaseId })).catch(
        (err: unknown) => {
          logger.warn(
            { leaseId: service.leaseId, err: String(err) },
            "settling the service lease failed",
          );
        },
      );
    }
  }

  /**
   * Saves result and salt first (a restart can then still commit the same thing, and reveal), then
   * commits. The job slot is free again afterwards: the reveal waits for the group, not for us.
   */
  async function commitGrouped(leaseId: bigint, group: bigint, result: JobResult) {
    const key = leaseId.toString();
    const saved = await state.update((s) => {
      const job = s.jobs[key];
      s.jobs[key] = {
        startedAt: job?.startedAt ?? "",
        state: "committing",
        group,
        resultCid: result.resultCid,
        resultHash: result.resultHash,
        salt: job?.salt ?? newSalt(),
      };
      return s;
    });
    await sendCommit(leaseId, saved.jobs[key] as ProviderJob);
  }

  async function sendCommit(leaseId: bigint, job: ProviderJob) {
    const key = leaseId.toString();
    const commitment = resultCommitment({
      leaseId,
      resultHash: job.resultHash as Hex,
      resultCid: job.resultCid as string,
      salt: job.salt as Hex,
      provider: client.account.address,
    });
    await retry(
      () => send(() => client.commitResultAndWait({ leaseId, commitment })),
      common.signal,
    );
    await state.update((s) => {
      const current = s.jobs[key];
      if (current?.state === "committing") s.jobs[key] = { ...current, state: "committed" };
      return s;
    });
    count(common, "resultsCommitted");
    logger.info({ leaseId, group: job.group }, "result committed; revealing once the group is");
    await revealGroup(job.group as bigint);
  }

  /** Reveals this provider's committed results in `group` if its reveal phase is open. */
  const revealing = new Set<string>();
  async function revealGroup(group: bigint) {
    const mine = Object.entries((await state.read()).jobs).filter(
      ([key, job]) =>
        job.group === group &&
        (job.state === "committed" || job.state === "committing") &&
        !revealing.has(key),
    );
    if (mine.length === 0) return;
    const g = await client.getGroup({ groupId: group });
    if (g.revealEndsAt === 0n) return; // some replica has not committed yet
    for (const [key, job] of mine) {
      if (revealing.has(key)) continue;
      revealing.add(key);
      try {
        await reveal(BigInt(key), job);
      } catch (err) {
        logger.error({ leaseId: key, err: String(err) }, "reveal failed; will retry on restart");
      } finally {
        revealing.delete(key);
      }
    }
  }

  async function reveal(leaseId: bigint, job: ProviderJob) {
    const key = leaseId.toString();
    const lease = await getLease(client, { address: contracts.market, leaseId });
    if (lease.stateName === "Committed") {
      const result = { resultCid: job.resultCid as string, resultHash: job.resultHash as Hex };
      const receipt = await client.signReceipt({ leaseId, ...result });
      await retry(
        () =>
          send(() =>
            client.revealResultAndWait({ leaseId, ...result, salt: job.salt as Hex, receipt }),
          ),
        common.signal,
      );
      count(common, "jobsSubmitted");
      logger.info({ leaseId, resultCid: result.resultCid }, "result revealed");
    } else if (lease.stateName === "Active") {
      return; // the commit has not landed (yet): resumeGrouped sends it
    }
    await state.update((s) => {
      const current = s.jobs[key];
      if (current) {
        s.jobs[key] = {
          ...current,
          state:
            lease.stateName === "Failed" || lease.stateName === "Closed" ? "failed" : "submitted",
        };
      }
      return s;
    });
  }

  /** After a restart: commit what was saved but maybe not sent, reveal what the group allows. */
  async function resumeGrouped(leaseId: bigint, job: ProviderJob) {
    const lease = await getLease(client, { address: contracts.market, leaseId });
    if (job.state === "committing" && lease.stateName === "Active") {
      await sendCommit(leaseId, job);
      return;
    }
    if (lease.stateName === "Committed") {
      await state.update((s) => {
        const current = s.jobs[leaseId.toString()];
        if (current) s.jobs[leaseId.toString()] = { ...current, state: "committed" };
        return s;
      });
      await revealGroup(job.group as bigint);
      return;
    }
    await reveal(leaseId, job); // ended meanwhile: record how
  }

  /**
   * Orders that came while every job slot was taken by a running job or a bid out (with their
   * OrderCreated event): bid on them when a slot frees up (a job ends, a bid is outbid or its
   * order goes to another provider).
   */
  const deferred = new Map<bigint, OrderCreatedArgs>();
  const slotsTaken = () => running.size + bidder.openBids.pending();
  async function bid(orderId: bigint, created: OrderCreatedArgs) {
    if (slotsTaken() >= config.capacity.maxJobs) {
      decided(orderId, { bid: false, reason: `${AT_CAPACITY}; will bid when a job slot frees` });
      deferred.set(orderId, created);
      return;
    }
    await bidOnOrder(common, bidder, orderId, created).catch((err: unknown) => {
      logger.warn({ orderId, err: String(err) }, "bid failed");
    });
    // Decided at capacity (the slots filled while it read the chain): later, not never.
    if (decisions.get(orderId.toString())?.reason === AT_CAPACITY) deferred.set(orderId, created);
  }
  async function retryDeferred() {
    for (const [orderId, created] of [...deferred]) {
      if (slotsTaken() >= config.capacity.maxJobs || common.signal.aborted) return;
      deferred.delete(orderId);
      await bid(orderId, created); // re-checks the order: still open, window not closed, best bid
    }
  }

  /**
   * Bids of the batch of events being handled. They run side by side (each is a few reads and a
   * transaction) instead of one after the other, and the LeaseCreated events behind them start
   * their jobs without waiting; the follower's cursor is saved only once they are all done, so a
   * restart still replays an order whose bid was in flight.
   */
  const pendingBids = new Set<Promise<void>>();
  async function onEvent(event: DecodedEvent) {
    const args = event.args as Record<string, unknown>;
    if (event.eventName === "OrderCreated") {
      const created = args as OrderCreatedArgs;
      const pending = bid(created.orderId, created).finally(() => pendingBids.delete(pending));
      pendingBids.add(pending);
    } else if (event.eventName === "LeaseCreated" && String(args.provider).toLowerCase() === me) {
      bidder.openBids.close(args.leaseId as bigint);
      await startJob(args.leaseId as bigint);
    } else if (
      event.eventName === "LeaseCreated" ||
      event.eventName === "OrderCanceled" ||
      (event.eventName === "BidCreated" && String(args.outbid).toLowerCase() === me)
    ) {
      // The order left the auction, or a cheaper bid replaced ours: our bid is no longer open.
      // (Our price is what our pricing asks: we do not bid again lower.) Its slot is free.
      bidder.openBids.close((args.leaseId ?? args.orderId) as bigint);
      if (deferred.size > 0) void retryDeferred();
    } else if (event.eventName === "LeaseClosed" && String(args.provider).toLowerCase() === me) {
      serviceEnded.get(String(args.leaseId))?.();
    } else if (event.eventName === "GroupRevealOpened") {
      await revealGroup(args.groupId as bigint);
    }
  }

  // Resume the jobs this provider held when it stopped.
  const saved = await state.read();
  for (const [key, job] of Object.entries(saved.jobs)) {
    if (job.state === "running" || job.state === "serving") await startJob(BigInt(key));
    else if (job.state === "committing" || job.state === "committed") {
      await resumeGrouped(BigInt(key), job).catch((err: unknown) => {
        logger.error({ leaseId: key, err: String(err) }, "could not resume a committed result");
      });
    } else if (job.state === "submitted" && job.optimistic && job.resultHash && !job.claimId) {
      // Submitted before the restart, claim not posted yet.
      void postClaim(BigInt(key), job.optimistic, job.resultHash);
    }
  }

  /** Akash's lease status (provider gateway `lease/{id}/status`): where the service answers. */
  const leaseStatus = async (path: string) => {
    const match = /^\/lease\/(\d+)\/status$/.exec(path);
    if (!match) return undefined;
    const service = config.services?.get(BigInt(match[1] as string));
    const job = (await state.read()).jobs[match[1] as string];
    if (!job) return undefined;
    return {
      lease: { id: match[1], state: job.state },
      services: service
        ? {
            [service.model]: {
              name: service.model,
              available: 1,
              total: 1,
              ready_replicas: 1,
              uris: [service.endpoint],
              protocol: "open-inference-protocol/v2",
              ...(service.pricePerThousandSamples === undefined
                ? {}
                : { pricePerThousandSamples: service.pricePerThousandSamples }),
            },
          }
        : {},
    };
  };

  const server = await serveStatus(
    config.listen,
    async () => ({
      version: PROVIDER_VERSION,
      address: client.account.address,
      hostUri: config.hostUri,
      chainCursor: (await state.read()).cursor,
      running: [...running.keys()],
      jobs: (await state.read()).jobs,
      orders: Object.fromEntries(decisions),
      earnings: {
        /** The market balance: pay credited for finished jobs and settled services, not yet withdrawn. */
        withdrawable: await client.getMarketBalance({
          account: client.account.address,
          token: contracts.token,
        }),
        withdrawn: (await state.read()).earnedWithdrawn,
      },
      services: config.services?.list() ?? [],
      ...(defender ? { optimistic: await defender.status() } : {}),
      metrics: Object.fromEntries(common.metrics),
    }),
    async (path) => (await leaseStatus(path)) ?? defender?.routes(path),
  );
  const address = server.address();
  const statusUrl =
    typeof address === "object" && address
      ? `http://${config.listen.host}:${address.port}/status`
      : "";
  logger.info({ statusUrl }, "provider ready");

  const withdrawLoop = (async () => {
    while (!common.signal.aborted) {
      await sleep(config.withdrawIntervalMs, common.signal);
      if (common.signal.aborted) break;
      await settleServices();
      try {
        // Pay is credited to the provider's market balance; it is paid out in one withdrawal.
        const balance = await client.getMarketBalance({
          account: client.account.address,
          token: contracts.token,
        });
        if (balance > 0n) {
          const { event } = await send(() =>
            client.withdrawBalanceAndWait({ token: contracts.token }),
          );
          const amount = event.amount;
          await state.update((s) => ({ ...s, earnedWithdrawn: s.earnedWithdrawn + amount }));
          logger.info({ amount }, "withdrew the market balance");
        }
      } catch (err) {
        logger.warn({ err: String(err) }, "withdrawal failed; will retry");
      }
    }
  })();

  const followLoop = follow(common, {
    client,
    address: contracts.market,
    abi: computeMarketAbi,
    fromBlock: config.startBlock,
    loadCursor: async () => (await state.read()).cursor,
    saveCursor: async (block) => {
      await Promise.all(pendingBids);
      await state.update((s) => ({ ...s, cursor: block }));
    },
    onEvent,
    pollIntervalMs: config.pollIntervalMs,
  });

  const done = (async () => {
    await Promise.all([followLoop, withdrawLoop, defender?.done]);
    await Promise.allSettled([...running.values(), ...pendingBids]);
    await config.runJob.close?.();
    await config.services?.close({ drainMs: 2_000 });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info("provider stopped");
  })();
  return { done, statusUrl, defender };
}
