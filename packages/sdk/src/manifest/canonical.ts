import { type Hex, keccak256 } from "viem";
import { BaseError } from "../errors.js";
import { ManifestError, ManifestHashMismatchError, manifestIssue } from "./errors.js";
import { parseJobManifest } from "./parse.js";
import { manifestRefs } from "./resolve.js";
import type { JobManifest, ServiceManifest } from "./schema.js";

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
 * `JSON.stringify` writes them, `undefined` members left out. For the values a manifest holds
 * (strings, finite numbers, booleans, lists, mappings) this is RFC 8785 (JCS), so other languages
 * can reproduce the bytes — Akash hashes `sortJSON(manifest)` the same way.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new BaseError(`Cannot canonicalise the number ${value}.`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new BaseError(`Cannot canonicalise a ${typeof value} in JSON.`);
}

/**
 * The bytes a manifest is stored and hashed as: UTF-8 canonical JSON of the parsed manifest
 * (defaults filled in, references normalised), so the hash does not depend on YAML layout, key
 * order or comments. Store these bytes: `parseJobManifest` reads them back.
 */
export function canonicalManifestBytes(manifest: JobManifest | ServiceManifest): Uint8Array {
  return new TextEncoder().encode(canonicalJson(manifest));
}

/**
 * keccak256 of `canonicalManifestBytes`. Akash uses sha256 of its sorted JSON; we use keccak256
 * because the hash lives on chain as `OrderParams.manifestHash` (bytes32) and keccak256 is what
 * the EVM computes natively: a contract (a verifier, a dispute) can recompute it over the
 * manifest bytes for 30 gas + 6 per word, where sha256 costs a precompile call; it is also the
 * hash viem, EIP-712 receipts and the rest of the stack already use.
 */
export function manifestHash(manifest: JobManifest | ServiceManifest): Hex {
  return keccak256(canonicalManifestBytes(manifest));
}

export type VerifyJobManifestOptions = {
  /** The order's on-chain `manifestHash`. */
  manifestHash: Hex;
  /** Where the bytes came from (e.g. `ipfs://<cid>`), for errors. */
  source?: string | undefined;
};

/**
 * What a provider does with the manifest it fetched by CID: parse it, check that it hashes to the
 * order's `manifestHash`, and check that every reference is a CID it can fetch.
 * Throws ManifestError or ManifestHashMismatchError.
 */
export function verifyJobManifest(
  content: string | Uint8Array,
  options: VerifyJobManifestOptions,
): JobManifest {
  const text = typeof content === "string" ? content : new TextDecoder().decode(content);
  const manifest = parseJobManifest(text, { source: options.source });
  const actual = manifestHash(manifest);
  if (actual.toLowerCase() !== options.manifestHash.toLowerCase()) {
    throw new ManifestHashMismatchError({
      expected: options.manifestHash,
      actual,
      source: options.source,
    });
  }
  const unresolved = manifestRefs(manifest).filter(({ ref }) => "path" in ref);
  if (unresolved.length > 0) {
    throw new ManifestError({
      source: options.source,
      issues: unresolved.map(({ path, ref }) =>
        manifestIssue(
          path,
          `got the local path ${JSON.stringify("path" in ref ? ref.path : "")}`,
          "a CID (a provider cannot read the tenant's files)",
        ),
      ),
    });
  }
  return manifest;
}
