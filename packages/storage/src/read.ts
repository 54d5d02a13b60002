// One read path for every backend: the UnixFS exporter over a block source whose every block is
// hashed and compared with its CID before the exporter sees it. The exporter itself trusts the
// blockstore, so this wrapper is what makes a read verified.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BaseError } from "@noosphere/sdk";
import { exporter, type ReadableStorage } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import { ContentCorruptedError, ContentNotFoundError, UnsupportedContentError } from "./errors.js";
import type { AddResult, StatResult, StoreCallOptions } from "./types.js";
import { checkBlock, codecName, measure, parseCid, signalOption } from "./unixfs.js";

/** Fetches one block's bytes, unverified; throws an error named NotFoundError when absent. */
export type BlockSource = (cid: CID, options: StoreCallOptions) => Promise<Uint8Array>;

export type ReaderOptions = {
  /** Blocks fetched in parallel under one DAG node (remote sources benefit; disk barely). */
  blockReadConcurrency?: number | undefined;
};

export function createReader(source: BlockSource, readerOptions: ReaderOptions = {}) {
  function verifiedBlocks(root: CID): ReadableStorage {
    return {
      async *get(cid, options) {
        const signal = options?.signal;
        signal?.throwIfAborted();
        let bytes: Uint8Array;
        try {
          bytes = await source(cid, { signal });
        } catch (err) {
          // Blockstores may report an abort as "not found"; the caller asked to stop.
          signal?.throwIfAborted();
          throw readError(err, root, cid);
        }
        const check = checkBlock(cid, bytes);
        if (check === "mismatch") {
          throw new ContentCorruptedError({
            cid: root.toString(),
            block: cid.toString(),
            reason: "does not hash to its CID",
          });
        }
        if (check === "unsupported") {
          throw new UnsupportedContentError({
            cid: root.toString(),
            reason: `hash function 0x${cid.multihash.code.toString(16)} of block ${cid} cannot be verified`,
          });
        }
        yield bytes;
      },
    };
  }

  async function open(cidString: string, options: StoreCallOptions) {
    const root = parseCid(cidString);
    const entry = await exporter(root, verifiedBlocks(root), signalOption(options.signal)).catch(
      (err: unknown) => {
        throw readError(err, root, root);
      },
    );
    if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity") {
      throw new UnsupportedContentError({
        cid: root.toString(),
        reason: `it is a ${entry.type === "object" ? codecName(root.code) : entry.type}`,
      });
    }
    return { root, entry };
  }

  async function* cat(cidString: string, options: StoreCallOptions = {}) {
    const { root, entry } = await open(cidString, options);
    try {
      yield* entry.content({
        ...signalOption(options.signal),
        ...(readerOptions.blockReadConcurrency
          ? { blockReadConcurrency: readerOptions.blockReadConcurrency }
          : {}),
      });
    } catch (err) {
      throw readError(err, root, root);
    }
  }

  async function get(cid: string, options: StoreCallOptions = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of cat(cid, options)) {
      chunks.push(chunk);
      length += chunk.byteLength;
    }
    // A fresh Uint8Array (not a Buffer that may share Node's pool with unrelated data).
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }

  async function getToFile(
    cid: string,
    path: string,
    options: StoreCallOptions = {},
  ): Promise<AddResult> {
    const root = parseCid(cid);
    await mkdir(dirname(path), { recursive: true });
    // Written beside the target and renamed, so no reader ever sees a partial or unverified file.
    const partial = `${path}.${randomBytes(4).toString("hex")}.partial`;
    const measured = measure(cat(cid, options));
    try {
      await pipeline(
        Readable.from(measured.stream),
        createWriteStream(partial),
        signalOption(options.signal),
      );
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    return { cid: root.toString(), ...measured.result() };
  }

  async function stat(cid: string, options: StoreCallOptions = {}): Promise<StatResult> {
    const { root, entry } = await open(cid, options);
    const size = entry.type === "file" ? entry.unixfs.fileSize() : entry.size;
    return {
      cid: root.toString(),
      size: Number(size),
      codec: entry.type === "file" ? "dag-pb" : entry.type === "raw" ? "raw" : "identity",
    };
  }

  return { cat, get, getToFile, stat };
}

/** Turns the exporter's and blockstores' errors into ours, naming the root CID. */
function readError(err: unknown, root: CID, block: CID): unknown {
  if (err instanceof BaseError) return err;
  const name = err instanceof Error ? err.name : "";
  if (name === "AbortError" || name === "TimeoutError") return err;
  if (name === "NotFoundError") {
    return new ContentNotFoundError({ cid: root.toString(), block: block.toString(), cause: err });
  }
  if (name === "OverReadError" || name === "UnderReadError") {
    return new ContentCorruptedError({
      cid: root.toString(),
      block: root.toString(),
      reason: "its blocks do not add up to the size its root declares",
      cause: err,
    });
  }
  if (name === "NotUnixFSError" || name === "NoResolverError") {
    return new UnsupportedContentError({
      cid: root.toString(),
      reason: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }
  return err;
}
