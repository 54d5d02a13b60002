import { type Hex, sha256, stringToBytes } from "viem";
import { z } from "zod";
import { BaseError } from "../errors.js";
import { canonicalJson } from "../manifest/canonical.js";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex hash");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address");

/**
 * A data asset's DDO (Ocean DDO v4, trimmed to what Noosphere uses). Stored in the content store by
 * CID; the NFT keeps the CID and sha256 of these bytes. `files` are CIDs of the data encrypted to the
 * serving provider's key (ECIES); only that provider can read them.
 */
export const ddoSchema = z.strictObject({
  "@context": z.array(z.string()).default(["https://w3id.org/did/v1"]),
  id: z
    .string()
    .regex(/^did:noos:[0-9a-f]{64}$/, "expected did:noos: followed by 64 lowercase hex"),
  version: z.literal("4.1.0").default("4.1.0"),
  chainId: z.number().int().positive(),
  nftAddress: address,
  metadata: z.strictObject({
    created: z.string(),
    updated: z.string(),
    type: z.enum(["dataset", "algorithm"]).default("dataset"),
    name: z.string().min(1, "expected a non-empty name"),
    description: z.string().default(""),
    author: z.string().default(""),
    license: z.string().default("UNLICENSED"),
    tags: z.array(z.string()).default([]),
    /** Column names / types of a tabular data set, free text otherwise. */
    schema: z.unknown().optional(),
  }),
  services: z
    .array(
      z.strictObject({
        id: z.string(),
        type: z.enum(["access", "compute"]),
        /** CIDs of the files, each encrypted to the provider (ECIES). */
        files: z.array(
          z.strictObject({
            cid: z.string().min(1),
            name: z.string(),
            size: z.number().int().nonnegative(),
            sha256: hex32,
          }),
        ),
        datatokenAddress: address,
        serviceEndpoint: z.string().url("expected the provider's URL"),
        /** Seconds an order gives access; 0: forever (Ocean). */
        timeout: z.number().int().nonnegative().default(0),
        compute: z
          .strictObject({
            /** Algorithm hashes allowed to run (also on chain: `isAlgorithmAllowed`). */
            allow: z.array(hex32).default([]),
            outputs: z.enum(["all", "metrics"]).default("all"),
          })
          .optional(),
      }),
    )
    .min(1, "expected at least one service"),
});

export type Ddo = z.output<typeof ddoSchema>;
export type DdoInput = z.input<typeof ddoSchema>;

export class InvalidDdoError extends BaseError {
  constructor(message: string, cause?: unknown) {
    super(`Invalid DDO: ${message}`, { name: "InvalidDdoError", cause });
  }
}

/** Validates a DDO; the error names each bad field. */
export function parseDdo(value: unknown): Ddo {
  const parsed = ddoSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const msg = parsed.error.issues
    .map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`)
    .join("; ");
  throw new InvalidDdoError(msg, parsed.error);
}

/** The bytes stored in the content store (canonical JSON, so the hash is stable). */
export function ddoBytes(ddo: Ddo): Uint8Array {
  return stringToBytes(canonicalJson(ddo));
}

/** sha256 of the DDO bytes: the `metadataHash` on the NFT. */
export function ddoHash(ddo: Ddo): Hex {
  return sha256(ddoBytes(ddo));
}
