import type { Address, Hex } from "viem";
import type { CreateOrderParameters } from "../actions/market/createOrder.js";
import type { Attribute } from "../actions/registry/types.js";
import { InvalidParameterError } from "../errors.js";
import { manifestHash as hashManifest } from "./canonical.js";
import { ManifestError, manifestIssue } from "./errors.js";
import { depositShortfall, type JobManifest } from "./schema.js";
import { parseCpu, parseDuration, parseMemory, parseNoos } from "./units.js";

/** A manifest's quantities in the units the contracts and the runtime use. */
export type ManifestQuantities = {
  cpuMillis: number;
  memoryBytes: bigint;
  /** 0n when the manifest asks for no scratch disk. */
  storageBytes: bigint;
  gpus: number;
  /** Seconds. */
  deadline: number;
  /** Seconds. */
  bidWindow: number;
  /** Wei per second. */
  maxPricePerSecond: bigint;
  /** Wei. */
  deposit: bigint;
};

/** cpu, memory, prices and durations of a manifest as numbers (millicores, bytes, wei, seconds). */
export function manifestQuantities(manifest: JobManifest): ManifestQuantities {
  const { resources, pricing } = manifest;
  return {
    cpuMillis: parseCpu(resources.cpu, "resources.cpu"),
    memoryBytes: parseMemory(resources.memory, "resources.memory"),
    storageBytes:
      resources.storage === undefined ? 0n : parseMemory(resources.storage, "resources.storage"),
    gpus: resources.gpu ?? 0,
    deadline: parseDuration(manifest.deadline, "deadline"),
    bidWindow: parseDuration(manifest.bidWindow, "bidWindow"),
    maxPricePerSecond: parseNoos(pricing.maxPricePerSecond, "pricing.maxPricePerSecond"),
    deposit: parseNoos(pricing.deposit, "pricing.deposit"),
  };
}

export type ManifestToOrderParametersOptions = {
  /** CID under which `canonicalManifestBytes(manifest)` was stored. */
  manifestCid: string;
  /** Defaults to `manifestHash(manifest)`; when given, it must equal it (providers recompute it). */
  manifestHash?: Hex | undefined;
  /** Payment token when the manifest names none (the network's NOOS token). */
  token?: Address | undefined;
};

/** `CreateOrderParameters` without `address`, every field filled in. */
export type ManifestOrderParameters = Omit<
  CreateOrderParameters,
  "address" | "resources" | "placement" | "bidWindow" | "jobTimeout"
> & {
  resources: { cpuMillis: number; memoryBytes: bigint; storageBytes: bigint; gpus: number };
  placement: { attributes: Attribute[]; allOf: Address[]; anyOf: Address[] };
  bidWindow: number;
  jobTimeout: number;
};

/**
 * The order a manifest asks for: `createOrder(client, { address, ...manifestToOrderParameters(m, …) })`.
 * Every kind (inference, training, evaluation) is a batch job, so `jobTimeout` is the deadline in
 * seconds and the deposit must cover `maxPricePerSecond x deadline` (a ManifestError on
 * `pricing.deposit` says how much). A redundant job opens one such order per replica.
 */
export function manifestToOrderParameters(
  manifest: JobManifest,
  options: ManifestToOrderParametersOptions,
): ManifestOrderParameters {
  const q = manifestQuantities(manifest);
  const shortfall = depositShortfall(manifest.pricing, manifest.deadline);
  if (shortfall) {
    throw new ManifestError({
      issues: [manifestIssue(shortfall.path, shortfall.problem, shortfall.expected)],
    });
  }
  const computed = hashManifest(manifest);
  if (options.manifestHash !== undefined && options.manifestHash.toLowerCase() !== computed) {
    throw new InvalidParameterError({
      field: "manifestHash",
      expected: `manifestHash(manifest) = ${computed}`,
      received: options.manifestHash,
    });
  }
  const token = manifest.pricing.token ?? options.token;
  if (token === undefined) {
    throw new InvalidParameterError({
      field: "token",
      expected: "pricing.token in the manifest, or a token option (the network's NOOS token)",
      received: token,
    });
  }
  const attributes = Object.entries(manifest.placement.attributes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
  return {
    manifestCid: options.manifestCid,
    manifestHash: options.manifestHash ?? computed,
    resources: {
      cpuMillis: q.cpuMillis,
      memoryBytes: q.memoryBytes,
      storageBytes: q.storageBytes,
      gpus: q.gpus,
    },
    placement: {
      attributes,
      allOf: [...manifest.placement.signedBy.allOf],
      anyOf: [...manifest.placement.signedBy.anyOf],
    },
    token,
    maxPricePerSecond: q.maxPricePerSecond,
    deposit: q.deposit,
    bidWindow: q.bidWindow,
    jobTimeout: q.deadline,
  };
}
