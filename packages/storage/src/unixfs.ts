// How content becomes a CID. Everything here must stay byte-for-byte what Kubo does for
// `ipfs add --cid-version=1 --raw-leaves` with its default chunker and layout, or the same file
// would get a different CID on a real IPFS node than the one we bind on chain.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { InvalidParameterError } from "@noosphere/sdk";
import { BlackHoleBlockstore } from "blockstore-core/black-hole";
import { type ImporterOptions, importFile, type WritableStorage } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";
import { InvalidCidError } from "./errors.js";
import type { AddInput, AddResult, Hex } from "./types.js";

/** Kubo's default chunk: `--chunker=size-262144`. */
export const CHUNK_SIZE = 262_144;
/** Kubo's default `Import.UnixFSFileMaxLinks`: links per node of the balanced DAG. */
export const MAX_LINKS_PER_NODE = 174;

/**
 * The `ipfs add` flags whose result the local importer reproduces, as Kubo RPC query
 * parameters. Kubo's defaults are spelled out so a node whose `Import.*` config differs still
 * produces our CIDs. (`Import.UnixFSFileMaxLinks` has no per-call flag on older nodes: it must
 * stay at its default of 174, which matters only for files over 174 chunks, 43.5 MiB.)
 */
export const KUBO_ADD_FLAGS = {
  "cid-version": "1",
  "raw-leaves": "true",
  chunker: `size-${CHUNK_SIZE}`,
  hash: "sha2-256",
  trickle: "false",
  inline: "false",
  "wrap-with-directory": "false",
} as const;

const RAW_CODEC = 0x55;
const DAG_PB_CODEC = 0x70;
const SHA2_256 = 0x12;
const IDENTITY = 0x00;

const CODEC_NAMES: Record<number, string> = {
  [RAW_CODEC]: "raw",
  [DAG_PB_CODEC]: "dag-pb",
  113: "dag-cbor",
  297: "dag-json",
  512: "json",
};
export const codecName = (code: number) => CODEC_NAMES[code] ?? `codec 0x${code.toString(16)}`;

/** Importer options equal to KUBO_ADD_FLAGS; fresh each time (the importer may mutate them). */
export function importerOptions(): ImporterOptions {
  return {
    cidVersion: 1,
    rawLeaves: true,
    // A file that fits one chunk is that raw block itself (bafkrei…), as in Kubo.
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_LINKS_PER_NODE }),
  };
}

/** `{ signal }` only when there is one (exactOptionalPropertyTypes forbids `signal: undefined`). */
export const signalOption = (signal: AbortSignal | undefined): { signal?: AbortSignal } =>
  signal ? { signal } : {};

/** Parses a CID string (CIDv1 in base32/base36/base58, or CIDv0) or throws InvalidCidError. */
export function parseCid(value: unknown, field = "cid"): CID {
  if (typeof value !== "string" || value.trim() === "") throw new InvalidCidError({ value, field });
  try {
    return CID.parse(value.trim());
  } catch (cause) {
    // base36 (k51…) needs its decoder passed explicitly.
    if (value.trim().startsWith("k")) {
      try {
        return CID.parse(value.trim(), base36.decoder);
      } catch {}
    }
    throw new InvalidCidError({ value, field, cause });
  }
}

/**
 * Whether `bytes` hash to `cid`'s multihash. Only sha2-256 (what we and Kubo write) and
 * identity are understood; anything else returns "unsupported" rather than trusting it.
 */
export function checkBlock(cid: CID, bytes: Uint8Array): "ok" | "mismatch" | "unsupported" {
  const { code, digest } = cid.multihash;
  let actual: Uint8Array;
  if (code === SHA2_256) actual = createHash("sha256").update(bytes).digest();
  else if (code === IDENTITY) actual = bytes;
  else return "unsupported";
  return Buffer.compare(Buffer.from(actual), Buffer.from(digest)) === 0 ? "ok" : "mismatch";
}

/** Byte count and sha256 of a stream, taken as it flows through. */
export function measure(source: AsyncIterable<Uint8Array>, signal?: AbortSignal) {
  const hash = createHash("sha256");
  let size = 0;
  async function* tap() {
    for await (const chunk of source) {
      signal?.throwIfAborted();
      if (!(chunk instanceof Uint8Array)) {
        throw new InvalidParameterError({
          field: "content",
          expected: "chunks of Uint8Array",
          received: typeof chunk,
        });
      }
      hash.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
  }
  return {
    stream: tap(),
    /** Call once the stream is fully read. */
    result: () => ({ size, sha256: `0x${hash.digest("hex")}` as Hex }),
  };
}

/**
 * Normalises what `add` accepts into a byte stream. A string is a file path (to add text,
 * encode it first). `replayable` says whether the same bytes can be read again for a retry.
 */
export async function openContent(
  input: AddInput,
): Promise<{ open: () => AsyncIterable<Uint8Array>; replayable: boolean }> {
  if (typeof input === "string") {
    await assertReadableFile(input);
    return { open: () => createReadStream(input), replayable: true };
  }
  if (input instanceof Uint8Array) {
    return {
      open: async function* () {
        yield input;
      },
      replayable: true,
    };
  }
  if (input && typeof input === "object" && Symbol.asyncIterator in input) {
    // Handing it out again is safe only while nobody has iterated it; callers track that.
    return { open: () => input, replayable: false };
  }
  throw new InvalidParameterError({
    field: "content",
    expected: "a Uint8Array, an AsyncIterable<Uint8Array> or a file path",
    received: input === null ? "null" : typeof input,
  });
}

async function assertReadableFile(path: string): Promise<void> {
  const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
    throw new InvalidParameterError({
      field: "path",
      expected: "an existing file",
      received: path,
      cause,
    });
  });
  if (!info.isFile()) {
    throw new InvalidParameterError({ field: "path", expected: "a regular file", received: path });
  }
}

/** Imports a stream into `blockstore` with the Kubo-equal options; returns CID, size, sha256. */
export async function importContent(
  source: AsyncIterable<Uint8Array>,
  blockstore: WritableStorage,
  signal?: AbortSignal,
): Promise<AddResult> {
  const measured = measure(source, signal);
  const entry = await importFile({ content: measured.stream }, blockstore, importerOptions());
  return { cid: entry.cid.toString(), ...measured.result() };
}

/**
 * The CID, size and sha256 that `add` would return, without storing anything (Kubo's
 * `ipfs add --only-hash` with the same flags).
 */
export async function computeCid(input: AddInput): Promise<AddResult> {
  const content = await openContent(input);
  return importContent(content.open(), new BlackHoleBlockstore());
}
