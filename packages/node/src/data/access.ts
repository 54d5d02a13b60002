// The provider's checks before any byte of a data asset is decrypted: the same for a download and
// for a compute-to-data job, so "the raw data never leaves" rests on one function each.

import { BaseError, type Ddo } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { type Address, getAddress, type Hex } from "viem";
import type { DataAssetMetadata, DataChain } from "./chain.js";
import { loadDdo } from "./chain.js";
import { readDecrypted } from "./ecies.js";

export type DataRefusal =
  | "not_found"
  | "wrong_provider"
  | "compute_only"
  | "no_service"
  | "no_order"
  | "algorithm_not_allowed"
  | "bad_request";

/** HTTP status for each refusal (402: the buyer has to buy an order first). */
export const REFUSAL_STATUS: Record<DataRefusal, number> = {
  not_found: 404,
  // Not 421: fetch (undici) retries a 421 on a new connection, re-sending the one-time nonce.
  wrong_provider: 409,
  compute_only: 403,
  no_service: 403,
  no_order: 402,
  algorithm_not_allowed: 403,
  bad_request: 401,
};

export class DataAccessRefusedError extends BaseError {
  readonly refusal: DataRefusal;
  constructor(refusal: DataRefusal, message: string) {
    super(message, { name: "DataAccessRefusedError" });
    this.refusal = refusal;
  }
}

export type DataAccess = {
  nft: Address;
  metadata: DataAssetMetadata;
  ddo: Ddo;
  service: Ddo["services"][number];
  serviceIndex: number;
};

type CheckBase = {
  chain: DataChain;
  store: ContentStore;
  /** This provider's address: it serves only the assets whose decryptorAddress it is. */
  provider: Address;
  did: string;
  consumer: Address;
};

async function resolve(
  { chain, store, provider, did }: CheckBase,
  type: "access" | "compute",
): Promise<DataAccess> {
  const asset = await chain.asset(did);
  if (!asset) throw new DataAccessRefusedError("not_found", `No data asset with DID ${did}.`);
  const { nft, metadata } = asset;
  if (getAddress(metadata.decryptorAddress) !== getAddress(provider)) {
    throw new DataAccessRefusedError(
      "wrong_provider",
      `Data ${did} is served by ${metadata.decryptorAddress} (${metadata.decryptorUrl}), not by this provider ${provider}: its files are encrypted to that provider's key.`,
    );
  }
  if (type === "access" && metadata.computeOnly) {
    throw new DataAccessRefusedError(
      "compute_only",
      `Data ${did} is compute-only: it can be used in compute-to-data jobs, not downloaded.`,
    );
  }
  const ddo = await loadDdo(store, metadata);
  // A compute job may use a compute service, or an access service that also allows compute.
  const serviceIndex = ddo.services.findIndex(
    (s) => s.type === type || (type === "compute" && s.compute !== undefined),
  );
  const service = ddo.services[serviceIndex];
  if (!service) {
    throw new DataAccessRefusedError("no_service", `Data ${did} has no ${type} service.`);
  }
  return { nft, metadata, ddo, service, serviceIndex };
}

async function requireOrder(base: CheckBase, access: DataAccess): Promise<void> {
  const ok = await base.chain.hasValidOrder(
    getAddress(access.service.datatokenAddress),
    base.consumer,
    access.serviceIndex,
  );
  if (!ok) {
    throw new DataAccessRefusedError(
      "no_order",
      `${base.consumer} holds no valid order for ${base.did} (service ${access.serviceIndex}, datatoken ${access.service.datatokenAddress}): buy one first (noos data buy ${base.did}).`,
    );
  }
}

/** A download: this provider serves the asset, it is not compute-only, the consumer holds an order. */
export async function checkDownload(base: CheckBase): Promise<DataAccess> {
  const access = await resolve(base, "access");
  await requireOrder(base, access);
  return access;
}

/**
 * A compute-to-data job: this provider serves the asset, the job's algorithm hash is on the
 * NFT's allow-list (on chain, so provider and chain agree), and the job's tenant holds an order.
 */
export async function checkComputeJob(base: CheckBase & { algorithm: Hex }): Promise<DataAccess> {
  const access = await resolve(base, "compute");
  if (!(await base.chain.isAlgorithmAllowed(access.nft, base.algorithm))) {
    throw new DataAccessRefusedError(
      "algorithm_not_allowed",
      `Algorithm ${base.algorithm} is not on the allow-list of ${base.did}; the publisher allows: ${access.service.compute?.allow.join(", ") || "(none)"}.`,
    );
  }
  await requireOrder(base, access);
  return access;
}

/** The service's files, decrypted with the provider's key (each checked against the DDO's sha256). */
export async function decryptFiles(
  store: ContentStore,
  privateKey: Hex,
  access: DataAccess,
): Promise<{ name: string; bytes: Uint8Array }[]> {
  return Promise.all(
    access.service.files.map(async (f) => ({
      name: f.name,
      bytes: await readDecrypted(store, privateKey, f),
    })),
  );
}
