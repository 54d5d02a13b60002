// @noosphere/storage: content addressed by IPFS-compatible CIDs.
//
// A file gets the CID that `ipfs add --cid-version=1 --raw-leaves --chunker=size-262144
// --hash=sha2-256 --trickle=false --inline=false` gives it on Kubo (CIDv1, raw leaves, sha2-256,
// 256 KiB chunks, balanced DAG of at most 174 links a node, as Kubo's defaults), so a CID bound
// on chain can be fetched from any IPFS node. `sha256` in results is the hash of the raw bytes.
// Backends: `local` (blockstore-fs on disk, default) and `kubo` (a node's RPC API). Every read
// checks each block against its CID.
export * from "./errors.js";
export { createKuboStore } from "./kubo.js";
export { createLocalStore, DEFAULT_STORE_DIR } from "./local.js";
export { type RetryOptions, retryDelay, withRetry } from "./retry.js";
export { createStore } from "./store.js";
export type {
  AddInput,
  AddResult,
  ContentStore,
  Hex,
  KuboStoreConfig,
  LocalStoreConfig,
  StatResult,
  StoreCallOptions,
  StoreConfig,
} from "./types.js";
export { CHUNK_SIZE, computeCid, KUBO_ADD_FLAGS, MAX_LINKS_PER_NODE, parseCid } from "./unixfs.js";
