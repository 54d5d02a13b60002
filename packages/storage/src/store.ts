import { InvalidParameterError } from "@noosphere/sdk";
import { createKuboStore } from "./kubo.js";
import { createLocalStore } from "./local.js";
import type { ContentStore, StoreConfig } from "./types.js";

/**
 * The content store named by `config`: `{ kind: "local", dir }` (the default, blocks on disk)
 * or `{ kind: "kubo", url }` (a Kubo node's RPC API). Both give the same CIDs for the same bytes.
 */
export function createStore(config: StoreConfig = { kind: "local" }): ContentStore {
  switch (config.kind) {
    case "local":
      return createLocalStore(config.dir === undefined ? {} : { dir: config.dir });
    case "kubo":
      return createKuboStore(config);
    default:
      throw new InvalidParameterError({
        field: "store.kind",
        expected: '"local" or "kubo"',
        received: (config as { kind?: unknown }).kind,
      });
  }
}
