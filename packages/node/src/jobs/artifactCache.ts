// The provider's artifact cache: models and inputs kept on disk by CID, so a job naming a model
// that an earlier job used reads it locally instead of fetching it from the content store again.
// A CID names its bytes: the store checks every block against it when the file is first written
// (atomically, by getToFile), so a cached file is the artifact whoever's job asks for it.
// Least recently used files go once the cache is over its byte budget; a file a running job
// holds is never removed under it.
import { mkdir, readdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { ContentStore } from "@noosphere/storage";

export type ArtifactCache = {
  /**
   * A local file with the content `cid` names, held for the caller until `release()`; `hit` says
   * whether it was already here.
   */
  acquire(
    cid: string,
    signal: AbortSignal,
  ): Promise<{ path: string; hit: boolean; release: () => void }>;
  stats(): { files: number; bytes: number; hits: number; misses: number };
};

type Entry = { bytes: number; holders: number };

const CID_RE = /^[a-zA-Z0-9]+$/;

export function createArtifactCache(params: {
  store: ContentStore;
  dir: string;
  /** Byte budget; the files of running jobs may exceed it until they finish. */
  maxBytes: number;
}): ArtifactCache {
  const { store, dir, maxBytes } = params;
  /** Insertion order is recency: least recently used first. */
  const entries = new Map<string, Entry>();
  const fetching = new Map<string, Promise<void>>();
  let total = 0;
  let hits = 0;
  let misses = 0;
  // What an earlier run of the provider left: each file was complete when it got its name.
  const loaded = (async () => {
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (!CID_RE.test(name)) continue; // getToFile's temporary files
      const s = await stat(path.join(dir, name)).catch(() => undefined);
      if (!s?.isFile()) continue;
      entries.set(name, { bytes: s.size, holders: 0 });
      total += s.size;
    }
  })();

  const fileOf = (cid: string) => path.join(dir, cid);

  async function evict() {
    for (const [cid, entry] of entries) {
      if (total <= maxBytes) return;
      if (entry.holders > 0) continue;
      entries.delete(cid);
      total -= entry.bytes;
      await unlink(fileOf(cid)).catch(() => {});
    }
  }

  async function acquire(cid: string, signal: AbortSignal) {
    if (!CID_RE.test(cid)) throw new Error(`not a CID: ${JSON.stringify(cid)}`);
    await loaded;
    let hit = true;
    for (;;) {
      const entry = entries.get(cid);
      if (entry) {
        entries.delete(cid); // most recently used last
        entries.set(cid, entry);
        entry.holders++;
        if (hit) hits++;
        let released = false;
        return {
          path: fileOf(cid),
          hit,
          release: () => {
            if (released) return;
            released = true;
            entry.holders--;
            void evict();
          },
        };
      }
      hit = false;
      const inFlight = fetching.get(cid);
      if (inFlight) {
        await inFlight;
        continue;
      }
      misses++;
      const fetched = (async () => {
        const added = await store.getToFile(cid, fileOf(cid), { signal });
        entries.set(cid, { bytes: added.size, holders: 0 });
        total += added.size;
      })();
      fetching.set(cid, fetched);
      try {
        await fetched;
      } finally {
        fetching.delete(cid);
      }
    }
  }

  return {
    acquire,
    stats: () => ({ files: entries.size, bytes: total, hits, misses }),
  };
}
