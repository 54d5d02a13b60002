// The provider's service host: one inference server per service lease (Akash's "a lease buys a
// running deployment"). It fetches the manifest by CID, checks it against the order's hash, loads
// the model from the content store, and serves it on its own port until the lease ends; the
// endpoint is announced through the provider's lease status (GET <hostUri>/lease/<id>/status,
// Akash's gateway path), so ComputeMarket stays as it is.
import path from "node:path";
import {
  BaseError,
  type NoosphereAddresses,
  type NoosWalletClient,
  type ServiceManifest,
  servicePricePerThousandSamples,
  verifyServiceManifest,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Logger } from "pino";
import type { Hex } from "viem";
import type { Common } from "../common.js";
import type { Paywall } from "./paywall.js";
import { createInferenceServer, type InferenceServer } from "./server.js";
import { createX402Paywall, type X402PaywallConfig } from "./x402Paywall.js";

export type ServiceLease = {
  leaseId: bigint;
  manifestCid: string;
  manifestHash: Hex;
  /** The port it had before a restart: reused when free, so the endpoint stays the same. */
  port?: number | undefined;
};

/** A paywall that can claim what it charged at once (x402Paywall's `claimNow`). */
export type LeasePaywall = Paywall & { claimNow?: () => Promise<unknown> };

/** What the host needs to charge per call: the lease, its manifest and its price. */
export type PaywallFactory = (context: {
  leaseId: bigint;
  manifest: ServiceManifest;
  /** Wei per 1,000 samples. */
  pricePerThousandSamples: bigint;
  /** The endpoint the paywall names as the resource. */
  endpoint: string;
}) => Promise<LeasePaywall>;

export type ServiceHostConfig = {
  store: ContentStore;
  /** Interface the servers listen on. */
  listenHost: string;
  /** Host name clients reach them at (the provider's hostUri host); default `listenHost`. */
  publicHost?: string | undefined;
  /** Builds the x402 paywall of a service with a per-call price; without it such services refuse to start. */
  paywall?: PaywallFactory | undefined;
  /** onnxruntime threads per model. Default 1. */
  threads?: number | undefined;
  logger?: Logger | undefined;
};

export type RunningService = {
  leaseId: bigint;
  endpoint: string;
  model: string;
  port: number;
  manifestCid: string;
  /** Wei per 1,000 samples; undefined when calls are free. */
  pricePerThousandSamples: bigint | undefined;
  startedAt: string;
};

export type ServiceHost = {
  start(lease: ServiceLease, signal?: AbortSignal): Promise<RunningService>;
  /**
   * Drains (in-flight calls finish, new ones get 503) and stops the lease's server. With
   * `claim` (the lease ended) the paywall then claims every voucher it still holds.
   */
  stop(leaseId: bigint, options?: { drainMs?: number; claim?: boolean }): Promise<void>;
  get(leaseId: bigint): RunningService | undefined;
  list(): RunningService[];
  /** The live server of a lease (tests and /status read its batchers). */
  server(leaseId: bigint): InferenceServer | undefined;
  close(options?: { drainMs?: number }): Promise<void>;
};

export class ServiceStartError extends BaseError {
  constructor(leaseId: bigint, reason: string, cause?: unknown) {
    super(`Service of lease ${leaseId} cannot start: ${reason}`, {
      name: "ServiceStartError",
      cause,
    });
  }
}

export function createServiceHost(config: ServiceHostConfig): ServiceHost {
  const running = new Map<
    string,
    { info: RunningService; server: InferenceServer; paywall: LeasePaywall | undefined }
  >();
  const publicHost = config.publicHost ?? config.listenHost;
  const formatHost = (h: string) => (h.includes(":") ? `[${h}]` : h);

  async function listen(lease: ServiceLease, manifest: ServiceManifest, model: Uint8Array) {
    const price = servicePricePerThousandSamples(manifest);
    if (price !== undefined && !config.paywall) {
      throw new ServiceStartError(
        lease.leaseId,
        `pricing.perThousandSamples is ${manifest.pricing.perThousandSamples} NOOS but this provider has no x402 paywall`,
      );
    }
    const models = [
      {
        name: manifest.service.name,
        model,
        maxBatchSize: manifest.service.maxBatchSize,
        maxQueueDelayMicroseconds: manifest.service.maxQueueDelayMicroseconds,
        threads: config.threads,
      },
    ];
    const open = async (port: number) => {
      // The paywall names the endpoint, which needs the port: a lazy one is bound after listening.
      let paywall: LeasePaywall | undefined;
      const deferred: Paywall | undefined =
        price === undefined
          ? undefined
          : {
              authorize: (req) => (paywall as Paywall).authorize(req),
              close: async () => paywall?.close(),
            };
      const server = await createInferenceServer({
        models,
        listen: { host: config.listenHost, port },
        paywall: deferred,
        logger: config.logger,
      });
      const endpoint = `http://${formatHost(publicHost)}:${new URL(server.url).port}`;
      if (price !== undefined && config.paywall) {
        try {
          paywall = await config.paywall({
            leaseId: lease.leaseId,
            manifest,
            pricePerThousandSamples: price,
            endpoint,
          });
        } catch (err) {
          await server.close({ drainMs: 0 });
          throw err;
        }
      }
      return { server, endpoint, price, paywall };
    };
    if (lease.port) {
      try {
        return await open(lease.port);
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE") throw err;
        config.logger?.warn(
          { leaseId: lease.leaseId, port: lease.port },
          "old port taken; serving on a new one",
        );
      }
    }
    return open(0);
  }

  return {
    async start(lease, signal) {
      const key = lease.leaseId.toString();
      const existing = running.get(key);
      if (existing) return existing.info;
      const source = `ipfs://${lease.manifestCid}`;
      const manifest = verifyServiceManifest(
        await config.store.get(lease.manifestCid, { signal }),
        {
          manifestHash: lease.manifestHash,
          source,
        },
      );
      const model = await config.store.get((manifest.model as { cid: string }).cid, { signal });
      const { server, endpoint, price, paywall } = await listen(lease, manifest, model);
      const info: RunningService = {
        leaseId: lease.leaseId,
        endpoint,
        model: manifest.service.name,
        port: Number(new URL(server.url).port),
        manifestCid: lease.manifestCid,
        pricePerThousandSamples: price,
        startedAt: new Date().toISOString(),
      };
      running.set(key, { info, server, paywall });
      config.logger?.info(
        { leaseId: lease.leaseId, endpoint, model: info.model },
        "service started",
      );
      return info;
    },
    async stop(leaseId, options) {
      const key = leaseId.toString();
      const entry = running.get(key);
      if (!entry) return;
      running.delete(key);
      await entry.server.close(options);
      if (options?.claim && entry.paywall?.claimNow) {
        // The lease is over: nothing will claim these vouchers later.
        await entry.paywall.claimNow().catch((err: unknown) => {
          config.logger?.error(
            { leaseId, err: String(err) },
            "final x402 claim failed; vouchers stay persisted",
          );
        });
      }
      config.logger?.info({ leaseId }, "service stopped");
    },
    get: (leaseId) => running.get(leaseId.toString())?.info,
    list: () => [...running.values()].map((e) => e.info),
    server: (leaseId) => running.get(leaseId.toString())?.server,
    async close(options) {
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((e) => e.server.close(options)));
    },
  };
}

/**
 * The provider's x402 paywall per paid service lease: PaymentChannels (x402 batch-settlement),
 * the provider's wallet as receiver, vouchers persisted per lease in the provider's state folder.
 */
export function x402PaywallFactory(
  common: Common,
  config: {
    client: NoosWalletClient;
    contracts: NoosphereAddresses;
    stateDir: string;
    claim?: X402PaywallConfig["claim"];
    withdrawDelay?: number | undefined;
    pollIntervalMs?: number | undefined;
  },
): PaywallFactory | undefined {
  const contract = config.contracts.paymentChannels;
  if (!contract) return undefined;
  return ({ leaseId, manifest, pricePerThousandSamples, endpoint }) =>
    createX402Paywall(common, {
      client: config.client,
      contract,
      token: manifest.pricing.token ?? config.contracts.token,
      pricePer1000: pricePerThousandSamples,
      stateFile: path.join(config.stateDir, `x402-lease-${leaseId}.json`),
      withdrawDelay: config.withdrawDelay,
      ...(config.claim ? { claim: config.claim } : {}),
      pollIntervalMs: config.pollIntervalMs,
      description: `${manifest.service.name} at ${endpoint} (lease ${leaseId})`,
    });
}
