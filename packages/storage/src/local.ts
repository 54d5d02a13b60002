import { randomBytes } from "node:crypto";
import { access, mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { FsBlockstore } from "blockstore-fs";
import { NextToLast } from "blockstore-fs/sharding";
import type { CID } from "multiformats/cid";
import { createReader } from "./read.js";
import type { ContentStore, StoreCallOptions } from "./types.js";
import { importContent, openContent, parseCid, signalOption } from "./unixfs.js";

export const DEFAULT_STORE_DIR = ".noos/store";

/** Blocks as files under `dir` (blockstore-fs layout), read back through the verifying reader. */
export function createLocalStore({ dir = DEFAULT_STORE_DIR }: { dir?: string } = {}): ContentStore {
  const blockstore = new SharedFsBlockstore(dir);
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

/**
 * blockstore-fs writes a block through a temp file named after the block (steno), so two
 * writers of the same block (two processes sharing the devnet's store, or two concurrent adds)
 * can interleave in that temp file and leave a corrupt block. Here each write gets its own temp
 * file, and a block already on disk is not written again: blocks are immutable by their CID.
 */
class SharedFsBlockstore extends FsBlockstore {
  // The default layout, kept here because FsBlockstore's own copy is private.
  private readonly layout: NextToLast;
  private readonly root: string;

  constructor(dir: string) {
    const layout = new NextToLast();
    super(dir, { shardingStrategy: layout });
    this.layout = layout;
    this.root = path.resolve(dir);
  }

  override async put(
    key: CID,
    val: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<CID> {
    if (!(val instanceof Uint8Array)) return super.put(key, val, options);
    const { dir, file } = this.layout.encode(key);
    const target = path.join(this.root, dir, file);
    if (
      await access(target).then(
        () => true,
        () => false,
      )
    )
      return key;
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temp, val);
    await rename(temp, target);
    return key;
  }
}
