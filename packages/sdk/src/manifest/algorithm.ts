import { type Hex, sha256, stringToBytes } from "viem";
import { canonicalJson } from "./canonical.js";
import type { JobManifest } from "./schema.js";

/**
 * The hash a data publisher puts on an asset's allow-list for compute-to-data: sha256 of the
 * canonical JSON of what the job runs (kind, model, training or evaluation spec), not of what it
 * runs on (input, data, resources, pricing). Ocean pins algorithms by files + container checksum;
 * here the model is pinned by its CID (content hash) and the rest is the spec itself. Compute it on
 * the published manifest (references are CIDs there), as the provider sees it.
 */
export function algorithmHashOf(manifest: JobManifest): Hex {
  const algorithm: Record<string, unknown> = { kind: manifest.kind };
  if ("model" in manifest) algorithm.model = manifest.model;
  if ("training" in manifest) algorithm.training = manifest.training;
  if ("evaluation" in manifest) algorithm.evaluation = manifest.evaluation;
  return sha256(stringToBytes(canonicalJson(algorithm)));
}
