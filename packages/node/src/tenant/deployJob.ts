// The tenant's workflow, as `noos deploy` runs it: validate the manifest, publish its files and
// itself to the content store, open the order(s), lease to the best (lowest) bid (or a chosen
// provider's), wait for the result, check it, accept it and download it. With `verification:
// redundant`, N providers run the job and it is accepted only when their result hashes agree.
// Deposits come from the tenant's market balance first (refunds stay there: the next order uses
// them), then its allowance, else a permit: no approve transaction.
// Every result is checked and then accepted or disputed on chain: a result that fails the check
// (wrong hash, unfetchable, not a result) is disputed, never left to be paid after the window.
// With `stateDir`, each step is recorded first, so `resumeJobs` finishes a check after a restart.
import path from "node:path";
import {
  BaseError,
  canonicalManifestBytes,
  computeMarketAbi,
  formatNoos,
  InvalidParameterError,
  type JobManifest,
  type Lease,
  loadJobManifest,
  manifestHash,
  manifestToOrderParameters,
  type NoosphereAddresses,
  type NoosphereClient,
  orderStateName,
  protocolParamsAbi,
  resolveManifestRefs,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { type Address, type Hex, zeroAddress } from "viem";
import { sleep } from "../follower.js";
import { checkResult, writeResultFiles } from "./checkResult.js";
import { memoryTenantJobs, openTenantJobs, type TenantJobs } from "./jobState.js";
import { marketWatch } from "./marketWatch.js";
import { diagnoseNoBids, type NoBidsDiagnosis } from "./noBids.js";
import { type OptimisticPhase, verifierOf, waitOptimistic } from "./optimistic.js";
import { type DeployedReplica, type SettleProgress, settleJob } from "./settleJob.js";

export type { DeployedReplica } from "./settleJob.js";

export type DeployProgress =
  | { step: "published"; manifestCid: string; manifestHash: Hex }
  | { step: "ordered"; orderId: bigint; replica: number }
  | { step: "bid"; orderId: bigint; provider: Address; pricePerSecond: bigint }
  | { step: "leased"; orderId: bigint; provider: Address; pricePerSecond: bigint }
  /** A replica of a group bound itself to its result; it is revealed once every replica has. */
  | { step: "committed"; orderId: bigint }
  | { step: "result"; orderId: bigint; resultCid: string }
  | { step: "expired"; orderId: bigint; attempt: number }
  /** Optimistic jobs: the claim's phase (challenge window, dispute, finalized or rejected). */
  | { step: "optimistic"; orderId: bigint; phase: OptimisticPhase["phase"]; text: string }
  | SettleProgress;

export type DeployJobParameters = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  store: ContentStore;
  manifestPath: string;
  /**
   * Lease to this provider: as soon as it holds the best bid (the market leases only to the best
   * bid); the order is canceled if it does not when the bid window closes.
   */
  provider?: Address | undefined;
  /** Where results go: `<resultsDir>/<orderId>/`. */
  resultsDir: string;
  /** Take the best bid as soon as there is one (acceptBid), instead of waiting out the bid window. */
  acceptFirstBid?: boolean | undefined;
  /** Re-order this many times when a provider misses its deadline. Default 0. */
  retries?: number | undefined;
  onProgress?: ((event: DeployProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** How often to poll the chain, ms. Default 250. */
  pollIntervalMs?: number | undefined;
  /**
   * Where the tenant records its jobs (`tenant-<address>.json`), so a restarted process can finish
   * their checks (`resumeJobs`). Without it the records live in memory only.
   */
  stateDir?: string | undefined;
  /** How long to retry fetching a result before disputing it, ms (capped by the dispute window). */
  fetchTimeoutMs?: number | undefined;
  /** Pause between fetch attempts, ms. Default 1000. */
  fetchRetryMs?: number | undefined;
};

export type DeployJobResult = {
  manifestCid: string;
  manifestHash: Hex;
  kind: JobManifest["kind"];
  /** The job's id in the tenant's records (its first order id). */
  jobId: string;
  /**
   * "completed", or "disputed" when a result failed the tenant's check (hash mismatch,
   * unfetchable, malformed) or redundant replicas disagree: the results were disputed on chain.
   */
  outcome: "completed" | "disputed" | "failed" | "missed";
  /** Why the job was disputed, in words. */
  reason?: string | undefined;
  replicas: DeployedReplica[];
  cost: bigint;
  /**
   * The tenant's market balance in the payment token once the job is settled: what its orders'
   * refunds (escrow left, a missed deadline) left there. The next order draws on it first;
   * `noos market withdraw` pays it out.
   */
  balance: bigint;
  resultDir: string;
  files: Record<string, string>;
};

/** Where a refund went, for the errors that end a job: the tenant's market balance. */
const REFUNDED = "the escrow was credited back to your market balance (the next order uses it)";

/** An order as the market stores it (no manifest, resources or placement). */
type OrderView = {
  stateName: string;
  bestBidder: Address;
  bestPricePerSecond: bigint;
};

export class NoBidsError extends BaseError {
  readonly diagnosis: NoBidsDiagnosis | undefined;
  constructor(orderId: bigint, diagnosis?: NoBidsDiagnosis) {
    super(`No bids on order ${orderId} before its bid window closed; ${REFUNDED}.`, {
      name: "NoBidsError",
      metaMessages: diagnosis
        ? [
            diagnosis.advice,
            ...diagnosis.providers.map((p) => `provider ${p.provider}: ${p.reason}`),
          ]
        : [
            "Start providers (noos devnet --providers 3), or check the manifest's price and placement.",
          ],
    });
    this.diagnosis = diagnosis;
  }
}

export async function deployJob(params: DeployJobParameters): Promise<DeployJobResult> {
  const { client, contracts, store } = params;
  const progress = params.onProgress ?? (() => {});
  const poll = params.pollIntervalMs ?? 250;
  // Waits wake on the market's events (one shared poller, every `poll` ms) and look again on their
  // own at least this often.
  const watch = marketWatch(client, contracts.market, poll);
  const fallbackMs = Math.max(poll, 1000);
  const manifestDir = path.dirname(path.resolve(params.manifestPath));

  // 1. Validate and publish: nothing is sent before the manifest is known to be good.
  const manifest = await loadJobManifest(params.manifestPath);
  const resolved = await resolveManifestRefs(
    manifest,
    async (p) => (await store.addFile(path.resolve(manifestDir, p))).cid,
  );
  const hash = manifestHash(resolved);
  const { cid: manifestCid } = await store.add(canonicalManifestBytes(resolved));
  const orderParams = manifestToOrderParameters(resolved, {
    manifestCid,
    manifestHash: hash,
    token: contracts.token,
  });
  // The chain's minimum deposit, checked before anything is sent. (A single order pays its
  // deposit from the market balance, then the allowance, else by permit: the SDK decides.)
  await checkMinOrderDeposit(client, contracts, orderParams.deposit);
  progress({ step: "published", manifestCid, manifestHash: hash });
  /**
   * Makes sure the market can take `amount` for a replica group (createOrderGroup has no permit
   * form; it takes the market balance first, then the allowance): when the two fall short, the
   * tenant funds its account with the rest, by permit (no approve transaction).
   */
  const ensureFunds = async (amount: bigint) => {
    const [balance, allowance] = await Promise.all([
      marketBalance(),
      client.getAllowance({ owner: client.account.address, spender: contracts.market }),
    ]);
    if (balance + allowance < amount) {
      await client.fundAccountAndWait({ token: contracts.token, amount: amount - balance });
    }
  };
  const marketBalance = () =>
    client.getMarketBalance({ account: client.account.address, token: contracts.token });

  const replicas = resolved.verification.mode === "redundant" ? resolved.verification.replicas : 1;
  const jobs: TenantJobs = params.stateDir
    ? await openTenantJobs({ client, market: contracts.market, stateDir: params.stateDir })
    : memoryTenantJobs();
  let jobId: string | undefined;
  let groupId: bigint | undefined;
  /** Records an order's new stage before anything else happens to it. */
  const record = async (
    orderId: bigint,
    change: Parameters<TenantJobs["updateOrder"]>[2],
  ): Promise<void> => {
    if (jobId === undefined) {
      jobId = orderId.toString();
      await jobs.put({
        id: jobId,
        manifestCid,
        manifestHash: hash,
        kind: resolved.kind,
        replicas,
        group: groupId,
        resultsDir: path.resolve(params.resultsDir),
        createdAt: new Date().toISOString(),
        orders: [],
      });
    }
    await jobs.updateOrder(jobId, orderId, change);
  };
  const runReplica = async (replica: number): Promise<{ orderId: bigint; lease: Lease }> => {
    for (let attempt = 0; ; attempt++) {
      const { orderId, event } = await client.createOrderAndWait(orderParams);
      await record(orderId, { replica, stage: "ordered" });
      progress({ step: "ordered", orderId, replica });
      await leaseOrder(orderId, event.bidDeadline);
      const lease = await waitForResult(orderId);
      // An optimistic job's provider posts its claim right after the result, which freezes the
      // payment: the lease is then Disputed (by the verifier), with the result on it.
      if (
        lease.stateName === "ResultSubmitted" ||
        (lease.stateName === "Disputed" && lease.resultCid !== "")
      ) {
        await record(orderId, {
          stage: "result",
          resultCid: lease.resultCid,
          resultHash: lease.resultHash,
          disputeEndsAt: lease.disputeEndsAt,
        });
        progress({ step: "result", orderId, resultCid: lease.resultCid });
        return { orderId, lease };
      }
      if (lease.stateName === "Active") {
        // Deadline passed without a result: the escrow comes back and the provider is slashed.
        await client.expireLeaseAndWait({ leaseId: orderId });
        await record(orderId, { stage: "expired" });
        progress({ step: "expired", orderId, attempt });
        if (attempt < (params.retries ?? 0)) continue;
        throw new BaseError(`The provider of order ${orderId} missed its deadline; ${REFUNDED}.`, {
          name: "JobExpiredError",
          metaMessages: [await balanceNote()],
        });
      }
      await record(orderId, { stage: "ended" });
      throw new BaseError(
        `Order ${orderId} ended as ${lease.stateName} without a result; ${REFUNDED}.`,
        {
          name: "JobFailedError",
          metaMessages: [
            "The provider gave the job up (e.g. the model could not be loaded). See `noos job status`.",
            await balanceNote(),
          ],
        },
      );
    }
  };

  /** "Your market balance is now …": where the refunds of an order that ended went. */
  async function balanceNote(): Promise<string> {
    const balance = await marketBalance().catch(() => undefined);
    return balance === undefined
      ? "Refunds stay in your market balance: the next order uses them (noos market withdraw pays them out)."
      : `Your market balance is now ${formatNoos(balance)} NOOS: the next order uses it first (noos market withdraw pays it out).`;
  }

  /** Follows the lease (woken by its events) until it leaves Active or its deadline passes. */
  async function waitForResult(orderId: bigint): Promise<Lease> {
    return watch.until(
      orderId,
      async () => {
        const lease = await client.getLease({ leaseId: orderId });
        if (lease.stateName !== "Active") return lease;
        if (Date.now() / 1000 > Number(lease.deadline) + 1) return lease;
        return undefined;
      },
      { fallbackMs, signal: params.signal },
    );
  }

  /**
   * Redundant jobs: one replica group, every replica leased to a different provider (the market
   * lets a provider bid on one order of a group only) and running at the same time. Each commits
   * to its result before any is revealed, so none can copy another.
   */
  async function runGroup(): Promise<void> {
    await ensureFunds(orderParams.deposit * BigInt(replicas));
    const created = await client.createOrderGroupAndWait({ ...orderParams, replicas });
    groupId = created.groupId;
    const orderIds = created.orderIds;
    for (const [replica, orderId] of orderIds.entries()) {
      await record(orderId, { replica, stage: "ordered" });
      progress({ step: "ordered", orderId, replica });
    }
    const { bidDeadline } = await client.getOrder({ orderId: created.groupId });
    const leased: bigint[] = [];
    try {
      // One at a time: the tenant's transactions (acceptBid or closeAuction) take its nonces in
      // turn. The auctions themselves run side by side on chain (one bid window for the group).
      for (const orderId of orderIds) {
        await leaseOrder(orderId, bidDeadline);
        leased.push(orderId);
      }
    } catch (err) {
      // Fewer distinct providers than replicas: the job cannot be checked by agreement. Give
      // back what was granted (the tenant pays the seconds worked) and the orders still open.
      if (!params.signal?.aborted) {
        for (const orderId of orderIds) {
          const order = await client.getOrder({ orderId });
          if (leased.includes(orderId)) await client.closeLeaseAndWait({ leaseId: orderId });
          else if (order.stateName === "Open") await client.cancelOrderAndWait({ orderId });
          await record(orderId, { stage: "ended" });
        }
      }
      throw err;
    }
    await Promise.all(orderIds.map((orderId) => waitForReveal(orderId)));
  }

  /**
   * Leases the order to its best bid (the market keeps one, the lowest so far). As soon as the
   * policy allows (`acceptFirstBid`: any bid; `provider`: that provider's), the tenant accepts it
   * (acceptBid); otherwise it waits out the bid window and closes the auction (closeAuction, which
   * anyone may call: when someone else did first, the tenant takes that lease as it is). A best
   * bid whose acceptance fails (its provider no longer has the stake free) blocks the order: the
   * tenant waits for a lower bid until the window closes, then cancels the order.
   */
  async function leaseOrder(orderId: bigint, bidDeadline: bigint): Promise<Lease> {
    /** Best bids reported already (provider and price). */
    const seen = new Set<string>();
    /** The best bid whose acceptance failed, and why. */
    let refused: { bid: string; err: unknown } | undefined;
    const chosen = params.provider?.toLowerCase();
    try {
      for (;;) {
        const found = await watch.until<{ order: OrderView; windowClosed: boolean } | "left">(
          orderId,
          async () => {
            const order = await orderView(orderId);
            if (order.stateName !== "Open") return "left";
            const hasBid = order.bestBidder !== zeroAddress;
            const bid = `${order.bestBidder.toLowerCase()}:${order.bestPricePerSecond}`;
            if (hasBid && !seen.has(bid)) {
              seen.add(bid);
              progress({
                step: "bid",
                orderId,
                provider: order.bestBidder,
                pricePerSecond: order.bestPricePerSecond,
              });
            }
            const usable =
              hasBid &&
              refused?.bid !== bid &&
              (chosen === undefined || order.bestBidder.toLowerCase() === chosen);
            const windowClosed = Date.now() / 1000 >= Number(bidDeadline);
            const early = usable && (chosen !== undefined || params.acceptFirstBid === true);
            return early || windowClosed ? { order, windowClosed } : undefined;
          },
          // Bids come as events; the window's end does not: look again at least this often.
          { fallbackMs: Math.min(fallbackMs, msUntil(bidDeadline)), signal: params.signal },
        );
        if (found === "left") break;
        const { order, windowClosed } = found;
        const bid = `${order.bestBidder.toLowerCase()}:${order.bestPricePerSecond}`;
        const usable =
          order.bestBidder !== zeroAddress &&
          refused?.bid !== bid &&
          (chosen === undefined || order.bestBidder.toLowerCase() === chosen);
        if (windowClosed && !usable) {
          await client.cancelOrderAndWait({ orderId });
          if (refused) {
            throw new BaseError(
              `The best bid on order ${orderId} could not be accepted before its bid window closed; ${REFUNDED}.`,
              { name: "BidsRefusedError", cause: refused.err, metaMessages: [await balanceNote()] },
            );
          }
          if (chosen !== undefined && order.bestBidder !== zeroAddress) {
            throw new BaseError(
              `Provider ${params.provider} did not hold the best bid on order ${orderId} when its bid window closed; the order was canceled and ${REFUNDED}.`,
              { name: "ProviderNotChosenError", metaMessages: [await balanceNote()] },
            );
          }
          throw new NoBidsError(orderId, await diagnoseNoBids(client, orderId));
        }
        try {
          // After the window the tenant closes the auction like anyone could; before it, it
          // accepts the best bid.
          if (windowClosed) await client.closeAuctionAndWait({ orderId });
          else await client.acceptBidAndWait({ orderId });
        } catch (err) {
          if (!bidRefused(err)) throw err;
          if ((await client.getOrder({ orderId })).stateName !== "Open") throw err; // see below
          refused = { bid, err };
          continue;
        }
        break;
      }
    } catch (err) {
      if (!(await leasedBySomeoneElse(orderId))) throw err;
    }
    const lease = await client.getLease({ leaseId: orderId });
    if (lease.stateName === "None") {
      throw new BaseError(`Order ${orderId} left the auction without a lease; ${REFUNDED}.`, {
        name: "JobFailedError",
        metaMessages: [await balanceNote()],
      });
    }
    await record(orderId, { stage: "leased", provider: lease.provider });
    progress({
      step: "leased",
      orderId,
      provider: lease.provider,
      pricePerSecond: lease.pricePerSecond,
    });
    return lease;
  }

  /**
   * The market's view of an order, without its OrderCreated event (what getOrder adds): one read,
   * on the path from a bid to its lease.
   */
  async function orderView(orderId: bigint): Promise<OrderView> {
    const order = await client.readContract({
      address: contracts.market,
      abi: computeMarketAbi,
      functionName: "getOrder",
      args: [orderId],
    });
    return { ...order, stateName: orderStateName(order.state) };
  }

  /** The lease of an order that left the auction without the tenant (closeAuction by anyone). */
  async function leasedBySomeoneElse(orderId: bigint): Promise<Lease | undefined> {
    const order = await client.getOrder({ orderId });
    return order.stateName === "Leased" ? client.getLease({ leaseId: orderId }) : undefined;
  }

  /** Follows one grouped lease until its result is revealed or it ends without one. */
  async function waitForReveal(orderId: bigint): Promise<void> {
    let committed = false;
    for (;;) {
      const lease = await client.getLease({ leaseId: orderId });
      const now = Date.now() / 1000;
      if (lease.stateName === "ResultSubmitted") {
        await record(orderId, {
          stage: "result",
          resultCid: lease.resultCid,
          resultHash: lease.resultHash,
          disputeEndsAt: lease.disputeEndsAt,
        });
        progress({ step: "result", orderId, resultCid: lease.resultCid });
        return;
      }
      if (lease.stateName === "Committed" && !committed) {
        committed = true;
        await record(orderId, { stage: "committed" });
        progress({ step: "committed", orderId });
      }
      let overdue = lease.stateName === "Active" && now > Number(lease.deadline) + 1;
      if (lease.stateName === "Committed") {
        const { revealEndsAt } = await client.getGroup({ groupId: groupId as bigint });
        overdue = revealEndsAt !== 0n && now > Number(revealEndsAt) + 1;
      }
      if (overdue) {
        // No result by the deadline, or no reveal in the reveal window: refund and slash.
        await client.expireLeaseAndWait({ leaseId: orderId });
        await record(orderId, { stage: "expired" });
        progress({ step: "expired", orderId, attempt: 0 });
        return;
      }
      if (lease.stateName !== "Active" && lease.stateName !== "Committed") {
        await record(orderId, { stage: "ended" });
        return;
      }
      await sleep(poll, params.signal);
      params.signal?.throwIfAborted();
    }
  }

  // 2. Run the replicas: a redundant job through one replica group, all at once; a single one
  //    (and re-orders after a missed deadline) as its own order.
  // An error or an abort from here on leaves the job in the records, for `resumeJobs`.
  /** The lease of a single job as its result came (settleJob need not read it again). */
  const known = new Map<bigint, Lease>();
  if (replicas > 1) await runGroup();
  else {
    const { orderId, lease } = await runReplica(0);
    if (resolved.verification.mode !== "optimistic") known.set(orderId, lease);
    const verifier = verifierOf(contracts);
    if (resolved.verification.mode === "optimistic" && verifier) {
      // The provider's claim holds the payment through the challenge window: wait for its end.
      const { outcome, phase } = await waitOptimistic({
        client,
        verifier,
        leaseId: orderId,
        claimBy: lease.disputeEndsAt - 30n,
        onPhase: (ph) => progress({ step: "optimistic", orderId, phase: ph.phase, text: ph.text }),
        pollIntervalMs: Math.max(poll, 500),
        signal: params.signal,
      });
      if (outcome !== "finalized") {
        await record(orderId, {
          ...(outcome === "rejected" ? { stage: "disputed" as const } : {}),
          check: {
            ok: false,
            reason: outcome === "rejected" ? "claim-rejected" : "unclaimed",
            detail: phase.text,
          },
        });
      }
    }
  }

  // 3. Check every result, then accept them all or dispute each one (see settleJob).
  params.signal?.throwIfAborted(); // stopping: the records let `resumeJobs` finish the check
  const id = jobId as string;
  const settled = await settleJob(settleOptions(jobs, id));
  return {
    manifestCid,
    manifestHash: hash,
    kind: resolved.kind,
    jobId: id,
    ...settled,
    balance: await marketBalance(),
  };

  function settleOptions(jobs: TenantJobs, jobId: string) {
    return {
      client,
      store,
      jobs,
      jobId,
      fetchTimeoutMs: params.fetchTimeoutMs,
      fetchRetryMs: params.fetchRetryMs,
      onProgress: progress,
      signal: params.signal,
      leases: known,
    };
  }
}

/** Milliseconds until `deadline` (unix seconds) by the local clock, at least 1. */
function msUntil(deadline: bigint): number {
  return Math.max(1, Number(deadline) * 1000 - Date.now());
}

/**
 * Errors of an acceptBid (or closeAuction) that say the best bid (not the order or the tenant)
 * is no longer good: its provider lacks free stake now, or the transaction reverted after the
 * simulation passed (the chain changed in between, e.g. another lease took the stake).
 */
const BID_REFUSED = new Set(["MarketInsufficientUnlockedStake", "TransactionRevertedError"]);
function bidRefused(err: unknown): boolean {
  return BID_REFUSED.has((err as { name?: string }).name ?? "");
}

/**
 * Downloads a result (and the model a training result names), checking it against the hash bound
 * on chain; throws ResultCheckError when it fails the check (`noos job result`).
 */
export async function download(
  store: ContentStore,
  lease: Lease,
  dir: string,
): Promise<Record<string, string>> {
  const check = await checkResult({
    store,
    resultCid: lease.resultCid,
    resultHash: lease.resultHash,
    fetchUntilMs: 0,
  });
  if (!check.ok) {
    throw new BaseError(`Result of lease ${lease.id} failed the check: ${check.detail}.`, {
      name: check.reason === "hash-mismatch" ? "ResultHashMismatchError" : "ResultCheckError",
    });
  }
  return writeResultFiles(store, check.bytes, dir);
}

/**
 * The chain's minimum order deposit, told by the manifest's field before anything is sent (the
 * contract's revert names raw wei only).
 */
export async function checkMinOrderDeposit(
  client: NoosphereClient,
  contracts: Pick<NoosphereAddresses, "params" | "token">,
  deposit: bigint,
): Promise<void> {
  const { minOrderDeposit } = await client.readContract({
    address: contracts.params,
    abi: protocolParamsAbi,
    functionName: "paymentToken",
    args: [contracts.token],
  });
  if (deposit < minOrderDeposit) {
    throw new InvalidParameterError({
      field: "pricing.deposit",
      expected: `at least ${formatNoos(minOrderDeposit)} NOOS (this chain's minimum order deposit)`,
      received: `${formatNoos(deposit)} NOOS`,
    });
  }
}
