// The tenant's side of a service lease (`noos deploy service.yaml`): publish the manifest and the
// model, open a service order (jobTimeout 0: paid per second until closed), lease to the best
// (lowest) bid (or a chosen provider's), then read the endpoint from the provider's lease status, as an Akash
// tenant reads `uris` from `lease/{dseq}/{gseq}/{oseq}/status`.
import path from "node:path";
import {
  BaseError,
  canonicalManifestBytes,
  loadServiceManifest,
  type NoosphereAddresses,
  type NoosphereClient,
  resolveServiceManifestRefs,
  serviceManifestToOrderParameters,
  servicePricePerThousandSamples,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { type Address, type Hex, zeroAddress } from "viem";
import { sleep } from "../follower.js";
import { checkMinOrderDeposit, NoBidsError } from "./deployJob.js";
import { diagnoseNoBids } from "./noBids.js";

export type DeployServiceProgress =
  | { step: "published"; manifestCid: string; manifestHash: Hex }
  | { step: "ordered"; orderId: bigint }
  | { step: "bid"; orderId: bigint; provider: Address; pricePerSecond: bigint }
  | { step: "leased"; orderId: bigint; provider: Address; pricePerSecond: bigint }
  | { step: "serving"; leaseId: bigint; endpoint: string };

export type DeployServiceParameters = {
  client: NoosphereClient;
  contracts: NoosphereAddresses;
  store: ContentStore;
  manifestPath: string;
  /**
   * Lease to this provider: as soon as it holds the best bid (the market leases only to the best
   * bid); the order is canceled if it does not when the bid window closes.
   */
  provider?: Address | undefined;
  /** Take the best bid as soon as there is one (acceptBid), instead of waiting out the bid window. */
  acceptFirstBid?: boolean | undefined;
  onProgress?: ((event: DeployServiceProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** How often to poll the chain and the provider, ms. Default 250. */
  pollIntervalMs?: number | undefined;
  /** How long the provider has to start the server once leased, ms. Default 60 s. */
  readyTimeoutMs?: number | undefined;
};

export type DeployServiceResult = {
  leaseId: bigint;
  /** Base URL of the Open Inference Protocol server (`<endpoint>/v2/models/<model>/infer`). */
  endpoint: string;
  model: string;
  provider: Address;
  manifestCid: string;
  pricePerSecond: bigint;
  /** Wei per 1,000 samples charged through x402; undefined when calls are free. */
  pricePerThousandSamples: bigint | undefined;
};

/** What a provider's `GET /lease/<id>/status` answers (Akash's lease status, services only). */
export type LeaseStatus = {
  lease: { id: string; state: string };
  services: Record<string, { name: string; available: number; total: number; uris: string[] }>;
};

export async function deployService(params: DeployServiceParameters): Promise<DeployServiceResult> {
  const { client, contracts, store } = params;
  const progress = params.onProgress ?? (() => {});
  const poll = params.pollIntervalMs ?? 250;
  const manifestDir = path.dirname(path.resolve(params.manifestPath));
  const manifest = await loadServiceManifest(params.manifestPath);
  const resolved = await resolveServiceManifestRefs(
    manifest,
    async (p) => (await store.addFile(path.resolve(manifestDir, p))).cid,
  );
  const { cid: manifestCid } = await store.add(canonicalManifestBytes(resolved));
  const order = serviceManifestToOrderParameters(resolved, { manifestCid, token: contracts.token });
  await checkMinOrderDeposit(client, contracts, order.deposit);
  progress({ step: "published", manifestCid, manifestHash: order.manifestHash });

  // The deposit comes from the market balance (earlier refunds) first, then the allowance, else
  // a permit signed here (NOOS has EIP-2612 permits): no approve transaction.
  const { orderId, event } = await client.createOrderAndWait(order);
  progress({ step: "ordered", orderId });

  const bid = await leaseBestBid(orderId, event.bidDeadline);
  progress({ step: "leased", orderId, provider: bid.provider, pricePerSecond: bid.pricePerSecond });

  const record = await client.getProvider({ provider: bid.provider });
  if (!record)
    throw new BaseError(`Provider ${bid.provider} of lease ${orderId} is not registered.`);
  const { hostUri } = record;
  const deadline = Date.now() + (params.readyTimeoutMs ?? 60_000);
  for (;;) {
    const status = await readLeaseStatus(hostUri, orderId).catch(() => undefined);
    const service = status?.services[resolved.service.name];
    const uri = service?.uris[0];
    if (service && service.available > 0 && uri) {
      progress({ step: "serving", leaseId: orderId, endpoint: uri });
      return {
        leaseId: orderId,
        endpoint: uri,
        model: resolved.service.name,
        provider: bid.provider,
        manifestCid,
        pricePerSecond: bid.pricePerSecond,
        pricePerThousandSamples: servicePricePerThousandSamples(resolved),
      };
    }
    const lease = await client.getLease({ leaseId: orderId });
    if (lease.stateName !== "Active") {
      throw new BaseError(
        `The provider of lease ${orderId} could not start the service; the lease is ${lease.stateName} and the escrow was credited back to your market balance (the next order uses it).`,
        { name: "ServiceStartError", metaMessages: [`See ${hostUri}/status for its reason.`] },
      );
    }
    if (Date.now() > deadline) {
      await client.closeLeaseAndWait({ leaseId: orderId });
      throw new BaseError(
        `The provider of lease ${orderId} did not announce an endpoint within ${(params.readyTimeoutMs ?? 60_000) / 1000} s; the lease was closed.`,
        { name: "ServiceStartError" },
      );
    }
    await sleep(poll, params.signal);
    params.signal?.throwIfAborted();
  }

  /**
   * Waits for the best bid the policy takes (any, with acceptFirstBid; the chosen provider's) or
   * for the window's end, then leases: acceptBid before the window's end, closeAuction after it
   * (when someone else closed it first, the tenant takes that lease as it is).
   */
  async function leaseBestBid(
    id: bigint,
    bidDeadline: bigint,
  ): Promise<{ provider: Address; pricePerSecond: bigint }> {
    const seen = new Set<string>();
    const chosen = params.provider?.toLowerCase();
    for (;;) {
      const o = await client.getOrder({ orderId: id });
      if (o.stateName !== "Open") break; // closed by someone else after the window
      const hasBid = o.bestBidder !== zeroAddress;
      const key = `${o.bestBidder}:${o.bestPricePerSecond}`;
      if (hasBid && !seen.has(key)) {
        seen.add(key);
        progress({
          step: "bid",
          orderId: id,
          provider: o.bestBidder,
          pricePerSecond: o.bestPricePerSecond,
        });
      }
      const usable = hasBid && (chosen === undefined || o.bestBidder.toLowerCase() === chosen);
      const windowClosed = Date.now() / 1000 >= Number(bidDeadline);
      const early = usable && (chosen !== undefined || params.acceptFirstBid === true);
      if (windowClosed && !usable) {
        await client.cancelOrderAndWait({ orderId: id });
        if (hasBid) {
          throw new BaseError(
            `Provider ${params.provider} did not hold the best bid on order ${id} when its bid window closed; the order was canceled and its escrow credited back to your market balance.`,
            { name: "ProviderNotChosenError" },
          );
        }
        throw new NoBidsError(id, await diagnoseNoBids(client, id));
      }
      if (windowClosed || early) {
        try {
          if (windowClosed) await client.closeAuctionAndWait({ orderId: id });
          else await client.acceptBidAndWait({ orderId: id });
        } catch (err) {
          if ((await client.getOrder({ orderId: id })).stateName === "Open") throw err;
        }
        break;
      }
      await sleep(poll, params.signal);
      params.signal?.throwIfAborted();
    }
    const lease = await client.getLease({ leaseId: id });
    if (lease.stateName === "None") {
      throw new BaseError(
        `Order ${id} left the auction without a lease; its escrow was credited back to your market balance.`,
        { name: "ServiceStartError" },
      );
    }
    return { provider: lease.provider, pricePerSecond: lease.pricePerSecond };
  }
}

/** `GET <hostUri>/lease/<id>/status` (404 until the provider serves the lease). */
export async function readLeaseStatus(hostUri: string, leaseId: bigint): Promise<LeaseStatus> {
  const res = await fetch(`${hostUri.replace(/\/$/, "")}/lease/${leaseId}/status`);
  if (!res.ok) throw new BaseError(`Lease status of ${leaseId} at ${hostUri}: HTTP ${res.status}.`);
  return (await res.json()) as LeaseStatus;
}
