import type { RetryOptions } from "./retry.js";

/** 0x-prefixed hex, as viem spells it. */
export type Hex = `0x${string}`;

/** Bytes, a byte stream, or a file path (a string is always a path; encode text first). */
export type AddInput = Uint8Array | AsyncIterable<Uint8Array> | string;

export type AddResult = {
  /** CIDv1 (base32) of the UnixFS file, as `ipfs add --cid-version=1 --raw-leaves` gives it. */
  cid: string;
  /** Length of the content in bytes. */
  size: number;
  /**
   * sha256 of the raw content bytes (not of any block or DAG node): what a contract binds and
   * what `sha256sum` prints. For a one-chunk file it equals the CID's own digest.
   */
  sha256: Hex;
};

export type StatResult = {
  cid: string;
  /** Content length in bytes. */
  size: number;
  /** `raw`: the whole file is one block; `dag-pb`: a UnixFS file node over raw leaves. */
  codec: "raw" | "dag-pb" | "identity";
};

export type StoreCallOptions = { signal?: AbortSignal | undefined };

export interface ContentStore {
  readonly kind: "local" | "kubo";
  /** Imports content; the CID is the one a Kubo node would give the same bytes. */
  add(input: AddInput, options?: StoreCallOptions): Promise<AddResult>;
  addFile(path: string, options?: StoreCallOptions): Promise<AddResult>;
  /** The whole content, every block checked against its CID. */
  get(cid: string, options?: StoreCallOptions): Promise<Uint8Array>;
  /**
   * The content as a stream; each block is checked before its bytes are yielded, so a stream
   * that ends without an error delivered exactly the content the CID names.
   */
  cat(cid: string, options?: StoreCallOptions): AsyncIterable<Uint8Array>;
  /** Writes the content to `path` (atomically: a failed read leaves no file behind). */
  getToFile(cid: string, path: string, options?: StoreCallOptions): Promise<AddResult>;
  /** Whether the root block is held here (Kubo: locally, without asking the network). */
  has(cid: string, options?: StoreCallOptions): Promise<boolean>;
  /** Size and codec, from the root block alone. */
  stat(cid: string, options?: StoreCallOptions): Promise<StatResult>;
}

export type LocalStoreConfig = {
  kind: "local";
  /** Blockstore directory (default `.noos/store`). */
  dir?: string | undefined;
};

export type KuboStoreConfig = {
  kind: "kubo";
  /** Kubo RPC API base, e.g. http://127.0.0.1:5001 (the `/api/v0` prefix is added). */
  url: string;
  /** Retries for connection errors and 502/503/504 (default: 5 attempts from 100 ms). */
  retry?: Omit<RetryOptions, "signal" | "retryIf"> | undefined;
  /** Per-request limit, also sent to Kubo as its `timeout` (default 60 s); not applied to add. */
  timeoutMs?: number | undefined;
  /** Extra headers, e.g. Authorization for an RPC behind a proxy. */
  headers?: Record<string, string> | undefined;
};

export type StoreConfig = LocalStoreConfig | KuboStoreConfig;
