// Service manifests (`kind: service`) on their way to and from the chain: publish (paths → CIDs),
// the order they open (a service lease: `jobTimeout` 0, paid per second), and what a provider
// checks on the bytes it fetched. The parsing lives in parse.ts beside the job manifest's.
import type { Address, Hex } from "viem";
import { InvalidParameterError } from "../errors.js";
import { manifestHash as hashManifest } from "./canonical.js";
import { ManifestError, ManifestHashMismatchError, manifestIssue } from "./errors.js";
import type { ManifestOrderParameters } from "./order.js";
import { manifestKindOf, parseServiceManifest } from "./parse.js";
import { type ContentRef, isCid } from "./refs.js";
import type { ServiceManifest } from "./schema.js";
import { parseCpu, parseDuration, parseMemory, parseNoos } from "./units.js";

export type ServiceOrderOptions = {
  /** CID under which `canonicalManifestBytes(manifest)` was stored. */
  manifestCid: string;
  /** Payment token when the manifest names none (the network's NOOS token). */
  token?: Address | undefined;
};

/** The order a service manifest opens: a service lease (`jobTimeout: 0`) paid per second from `deposit`. */
export function serviceManifestToOrderParameters(
  manifest: ServiceManifest,
  options: ServiceOrderOptions,
): ManifestOrderParameters {
  const { resources, pricing } = manifest;
  const token = pricing.token ?? options.token;
  if (token === undefined) {
    throw new InvalidParameterError({
      field: "token",
      expected: "pricing.token in the manifest, or a token option (the network's NOOS token)",
      received: token,
    });
  }
  return {
    manifestCid: options.manifestCid,
    manifestHash: hashManifest(manifest),
    resources: {
      cpuMillis: parseCpu(resources.cpu, "resources.cpu"),
      memoryBytes: parseMemory(resources.memory, "resources.memory"),
      storageBytes:
        resources.storage === undefined ? 0n : parseMemory(resources.storage, "resources.storage"),
      gpus: resources.gpu ?? 0,
    },
    placement: {
      attributes: Object.entries(manifest.placement.attributes)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => ({ key, value })),
      allOf: [...manifest.placement.signedBy.allOf],
      anyOf: [...manifest.placement.signedBy.anyOf],
    },
    token,
    maxPricePerSecond: parseNoos(pricing.maxPricePerSecond, "pricing.maxPricePerSecond"),
    deposit: parseNoos(pricing.deposit, "pricing.deposit"),
    bidWindow: parseDuration(manifest.bidWindow, "bidWindow"),
    jobTimeout: 0,
  };
}

/** The x402 price per 1,000 samples in wei; undefined for a service whose calls are free. */
export function servicePricePerThousandSamples(manifest: ServiceManifest): bigint | undefined {
  const price = manifest.pricing.perThousandSamples;
  return price === undefined ? undefined : parseNoos(price, "pricing.perThousandSamples");
}

/** Replaces the model's local path by the CID `resolve` gives (import the file into the store). */
export async function resolveServiceManifestRefs(
  manifest: ServiceManifest,
  resolve: (path: string, field: "model") => Promise<string> | string,
): Promise<ServiceManifest> {
  const ref: ContentRef = manifest.model;
  if ("cid" in ref) return manifest;
  const cid = await resolve(ref.path, "model");
  if (!isCid(cid)) {
    throw new InvalidParameterError({
      field: "model",
      expected: "a CID (bafy… or Qm…) from the resolver",
      received: cid,
    });
  }
  return { ...manifest, model: { cid } };
}

/** Whether manifest bytes fetched by CID declare `kind: service`. */
export function isServiceManifestContent(content: string | Uint8Array): boolean {
  const text = typeof content === "string" ? content : new TextDecoder().decode(content);
  return manifestKindOf(text) === "service";
}

/**
 * What a provider does with a service manifest it fetched by CID: parse, check it hashes to the
 * order's `manifestHash`, and that the model is a CID. Throws ManifestError / ManifestHashMismatchError.
 */
export function verifyServiceManifest(
  content: string | Uint8Array,
  options: { manifestHash: Hex; source?: string | undefined },
): ServiceManifest {
  const text = typeof content === "string" ? content : new TextDecoder().decode(content);
  const manifest = parseServiceManifest(text, { source: options.source });
  const actual = hashManifest(manifest);
  if (actual.toLowerCase() !== options.manifestHash.toLowerCase()) {
    throw new ManifestHashMismatchError({
      expected: options.manifestHash,
      actual,
      source: options.source,
    });
  }
  if ("path" in manifest.model) {
    throw new ManifestError({
      source: options.source,
      issues: [
        manifestIssue(
          ["model"],
          `got the local path ${JSON.stringify(manifest.model.path)}`,
          "a CID (a provider cannot read the tenant's files)",
        ),
      ],
    });
  }
  return manifest;
}
