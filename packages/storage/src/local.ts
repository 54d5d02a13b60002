import { FsBlockstore } from "blockstore-fs";
import { createReader } from "./read.js";
import type { ContentStore, StoreCallOptions } from "./types.js";
import { importContent, openContent, parseCid, signalOption } from "./unixfs.js";

export const DEFAULT_STORE_DIR = ".noos/store";

/** Blocks as files under `dir` (blockstore-fs layout), read back through the verifying reader. */
export function createLocalStore({ dir = DEFAULT_STORE_DIR }: { dir?: string } = {}): ContentStore {
  const blockstore = new FsBlockstore(dir);
  let opening: Promise<void> | undefined;
  const ready = async () => {
    opening ??= blockstore.open().catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
    await opening;
  };

  const reader = createReader(async (cid, options) => {
    await ready();
    const chunks: Uint8Array[] = [];
    for await (const chunk of blockstore.get(cid, signalOption(options.signal))) chunks.push(chunk);
    return Buffer.concat(chunks);
  });

  const add: ContentStore["add"] = async (input, options: StoreCallOptions = {}) => {
    const content = await openContent(input);
    await ready();
    return importContent(content.open(), blockstore, options.signal);
  };

  return {
    kind: "local",
    add,
    addFile: (path, options) => add(path, options),
    get: reader.get,
    cat: reader.cat,
    getToFile: reader.getToFile,
    stat: reader.stat,
    async has(cid, options = {}) {
      const root = parseCid(cid);
      await ready();
      // The importer writes the root last, so a root on disk means the whole DAG was written.
      return blockstore.has(root, signalOption(options.signal));
    },
  };
}
