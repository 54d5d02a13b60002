// The tenant's workflow, as `noos deploy` runs it: validate the manifest, publish its files and
// itself to the content store, open the order(s), take the lowest bid (or a chosen provider),
// wait for the result, check it, accept it and download it. With `verification: redundant`,
// N providers run the job and it is accepted only when their result hashes agree.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  BaseError,
  type Bid,
  canonicalManifestBytes,
  type JobManifest,
  type Lease,
  loadJobManifest,
  manifestHash,
  manifestToOrderParameters,
  type NoosphereAddresses,
  type NoosphereClient,
  resolveManifestRefs,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Address, Hex } from "viem";
import { sleep } from "../follower.js";

export type DeployProgress =
  | { step: "published"; manifestCid: string; manifestHash: Hex }
  | { step: "ordered"; orderId: bigint; replica: number }
  | { step: "bid"; orderId: bigint; provider: Address; pricePerSecond: bigint }
  | { step: "leased"; orderId: bigint; provider: Address; pricePerSecond: bigint }
  | { step: "result"; orderId: bigint; resultCid: string }
  | { step: "expired"; orderId: bigint; attempt: number }
  | { step: "done"; orderId: bigint; state: string };

export type DeployJobParameters = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  store: ContentStore;
  manifestPath: string;
  /** Lease to this provider instead of the lowest bid. */
  provider?: Address | undefined;
  /** Where results go: `<resultsDir>/<orderId>/`. */
  resultsDir: string;
  /** Take the lowest bid present as soon as there is one, instead of waiting out the bid window. */
  acceptFirstBid?: boolean | undefined;
  /** Re-order this many times when a provider misses its deadline. Default 0. */
  retries?: number | undefined;
  onProgress?: ((event: DeployProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** How often to poll the chain, ms. Default 250. */
  pollIntervalMs?: number | undefined;
};

export type DeployedReplica = {
  orderId: bigint;
  provider: Address;
  pricePerSecond: bigint;
  /** Gross paid to the provider (fees included), wei. */
  cost: bigint;
  resultCid: string;
  resultHash: Hex;
  state: string;
};

export type DeployJobResult = {
  manifestCid: string;
  manifestHash: Hex;
  kind: JobManifest["kind"];
  /** "completed", or "disputed" when redundant replicas disagree. */
  outcome: "completed" | "disputed";
  replicas: DeployedReplica[];
  cost: bigint;
  resultDir: string;
  files: Record<string, string>;
};

export class NoBidsError extends BaseError {
  constructor(orderId: bigint) {
    super(
      `No eligible bids on order ${orderId} before its bid window closed; the escrow was refunded.`,
      {
        name: "NoBidsError",
        metaMessages: [
          "Raise pricing.maxPricePerSecond, relax placement, or start providers (noos devnet --providers 3).",
        ],
      },
    );
  }
}

export async function deployJob(params: DeployJobParameters): Promise<DeployJobResult> {
  const { client, contracts, store } = params;
  const progress = params.onProgress ?? (() => {});
  const poll = params.pollIntervalMs ?? 250;
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
  progress({ step: "published", manifestCid, manifestHash: hash });

  const replicas = resolved.verification.mode === "redundant" ? resolved.verification.replicas : 1;
  const taken = new Set<string>();
  const runReplica = async (replica: number): Promise<{ orderId: bigint; lease: Lease }> => {
    for (let attempt = 0; ; attempt++) {
      await client.approveAndWait({ spender: contracts.market, amount: orderParams.deposit });
      const { orderId, event } = await client.createOrderAndWait(orderParams);
      progress({ step: "ordered", orderId, replica });
      const bid = await chooseBid(orderId, event.bidDeadline);
      taken.add(bid.provider.toLowerCase());
      await client.acceptBidAndWait({ orderId, bidIndex: bid.index });
      progress({
        step: "leased",
        orderId,
        provider: bid.provider,
        pricePerSecond: bid.pricePerSecond,
      });
      const lease = await waitForResult(orderId);
      if (lease.stateName === "ResultSubmitted") {
        progress({ step: "result", orderId, resultCid: lease.resultCid });
        return { orderId, lease };
      }
      if (lease.stateName === "Active") {
        // Deadline passed without a result: the escrow comes back and the provider is slashed.
        await client.expireLeaseAndWait({ leaseId: orderId });
        progress({ step: "expired", orderId, attempt });
        if (attempt < (params.retries ?? 0)) continue;
        throw new BaseError(
          `The provider of order ${orderId} missed its deadline; the escrow was refunded.`,
          {
            name: "JobExpiredError",
          },
        );
      }
      throw new BaseError(
        `Order ${orderId} ended as ${lease.stateName} without a result; the escrow was refunded.`,
        {
          name: "JobFailedError",
          metaMessages: [
            "The provider gave the job up (e.g. the model could not be loaded). See `noos job status`.",
          ],
        },
      );
    }
  };

  /** Waits for bids until the window closes (or the order is full), then picks one. */
  async function chooseBid(orderId: bigint, bidDeadline: bigint): Promise<Bid> {
    const seen = new Set<string>();
    let eligible: Bid[] = [];
    for (;;) {
      const bids = await client.getBids({ orderId });
      for (const b of bids) {
        if (!seen.has(b.provider)) {
          seen.add(b.provider);
          progress({
            step: "bid",
            orderId,
            provider: b.provider,
            pricePerSecond: b.pricePerSecond,
          });
        }
      }
      eligible = bids.filter(
        (b) =>
          b.stateName === "Open" &&
          !taken.has(b.provider.toLowerCase()) &&
          (!params.provider || b.provider.toLowerCase() === params.provider.toLowerCase()),
      );
      const order = await client.getOrder({ orderId });
      const windowClosed = Date.now() / 1000 >= Number(bidDeadline);
      const full = order.bidCount >= order.maxBids;
      const chosenArrived =
        (params.provider !== undefined || params.acceptFirstBid === true) && eligible.length > 0;
      if (windowClosed || full || chosenArrived) break;
      await sleep(poll, params.signal);
      params.signal?.throwIfAborted();
    }
    const best = eligible.sort((a, b) =>
      a.pricePerSecond < b.pricePerSecond
        ? -1
        : a.pricePerSecond > b.pricePerSecond
          ? 1
          : Number(a.index - b.index),
    )[0];
    if (!best) {
      await client.cancelOrderAndWait({ orderId });
      throw new NoBidsError(orderId);
    }
    return best;
  }

  async function waitForResult(orderId: bigint): Promise<Lease> {
    for (;;) {
      const lease = await client.getLease({ leaseId: orderId });
      if (lease.stateName !== "Active") return lease;
      if (Date.now() / 1000 > Number(lease.deadline) + 1) return lease;
      await sleep(poll, params.signal);
      params.signal?.throwIfAborted();
    }
  }

  // 2. Run the replicas one after the other, so each picks a different provider.
  const done: { orderId: bigint; lease: Lease }[] = [];
  for (let r = 0; r < replicas; r++) done.push(await runReplica(r));

  // 3. Check: the store verifies content against its CID; the on-chain hash must match too.
  const first = done[0] as { orderId: bigint; lease: Lease };
  const agree = done.every((d) => d.lease.resultHash === first.lease.resultHash);
  const resultDir = path.resolve(params.resultsDir, first.orderId.toString());
  await mkdir(resultDir, { recursive: true });
  const files = agree ? await download(store, first.lease, resultDir) : {};
  for (const d of done) {
    if (agree) await client.acceptResultAndWait({ leaseId: d.orderId });
    else await client.disputeResultAndWait({ leaseId: d.orderId });
  }
  const replicasOut: DeployedReplica[] = [];
  for (const d of done) {
    const lease = await client.getLease({ leaseId: d.orderId });
    replicasOut.push({
      orderId: d.orderId,
      provider: lease.provider,
      pricePerSecond: lease.pricePerSecond,
      cost: lease.paid + lease.held,
      resultCid: lease.resultCid,
      resultHash: lease.resultHash,
      state: lease.stateName,
    });
    progress({ step: "done", orderId: d.orderId, state: lease.stateName });
  }
  return {
    manifestCid,
    manifestHash: hash,
    kind: resolved.kind,
    outcome: agree ? "completed" : "disputed",
    replicas: replicasOut,
    cost: replicasOut.reduce((sum, r) => sum + r.cost, 0n),
    resultDir,
    files,
  };
}

/** Downloads a result (and the model a training result names), checking the on-chain hash. */
export async function download(
  store: ContentStore,
  lease: Lease,
  dir: string,
): Promise<Record<string, string>> {
  const bytes = await store.get(lease.resultCid);
  const sha = `0x${createHash("sha256").update(bytes).digest("hex")}`;
  if (sha !== lease.resultHash.toLowerCase()) {
    throw new BaseError(
      `Result ${lease.resultCid} does not match the hash bound on chain (${lease.resultHash}).`,
      {
        name: "ResultHashMismatchError",
      },
    );
  }
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {};
  const resultPath = path.join(dir, "result.json");
  await writeFile(resultPath, bytes);
  files.result = resultPath;
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  if (Array.isArray(doc.output_data)) {
    files.output = path.join(dir, "output.json");
    await writeFile(files.output, `${JSON.stringify({ output_data: doc.output_data })}\n`);
  }
  const model = doc.model as { cid?: string } | undefined;
  if (model?.cid) {
    files.model = path.join(dir, "model.onnx");
    await store.getToFile(model.cid, files.model);
  }
  return files;
}
