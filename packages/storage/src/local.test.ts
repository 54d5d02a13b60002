import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BaseError, InvalidParameterError } from "@noosphere/sdk";
import { FsBlockstore } from "blockstore-fs";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CHUNK_SIZE,
  ContentCorruptedError,
  ContentNotFoundError,
  type ContentStore,
  computeCid,
  createStore,
  InvalidCidError,
  UnsupportedContentError,
} from "./index.js";
import { blockFileHolding, blockFiles, collect, pattern, sha256Hex } from "./test-utils.js";

let tmp: string;
let storeDir: string;
let store: ContentStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "noos-store-"));
  storeDir = join(tmp, "store");
  store = createStore({ kind: "local", dir: storeDir });
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const sizes: [string, number][] = [
  ["empty", 0],
  ["small", 11],
  ["exactly one chunk", CHUNK_SIZE],
  ["one chunk and one byte", CHUNK_SIZE + 1],
  ["1 MiB and one byte (5 chunks)", 1024 * 1024 + 1],
];

describe("local store round trip", () => {
  it.each(sizes)("%s: add, get, cat, getToFile, stat, has", async (_name, size) => {
    const bytes = pattern(size, size + 1);
    const added = await store.add(bytes);

    expect(added.size).toBe(size);
    expect(added.sha256).toBe(sha256Hex(bytes));
    expect(added).toEqual(await computeCid(bytes));
    // One chunk is stored as the raw block itself (bafkrei…); more becomes a dag-pb root.
    const single = size <= CHUNK_SIZE;
    expect(added.cid.startsWith(single ? "bafkrei" : "bafybei")).toBe(true);

    expect(Buffer.from(await store.get(added.cid)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(await collect(store.cat(added.cid))).equals(Buffer.from(bytes))).toBe(true);

    const out = join(tmp, "out", "file.bin");
    expect(await store.getToFile(added.cid, out)).toEqual(added);
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(bytes))).toBe(true);
    expect((await readdir(join(tmp, "out"))).sort()).toEqual(["file.bin"]);

    expect(await store.stat(added.cid)).toEqual({
      cid: added.cid,
      size,
      codec: single ? "raw" : "dag-pb",
    });
    expect(await store.has(added.cid)).toBe(true);
  });

  it("gives the same CID whatever way the bytes arrive (bytes, odd-sized stream, file path)", async () => {
    const bytes = pattern(3 * CHUNK_SIZE + 12_345, 7);
    async function* oddChunks() {
      for (let i = 0; i < bytes.length; i += 99_991) yield bytes.subarray(i, i + 99_991);
    }
    const path = join(tmp, "in.bin");
    await writeFile(path, bytes);

    const fromBytes = await store.add(bytes);
    expect(await store.add(oddChunks())).toEqual(fromBytes);
    expect(await store.add(path)).toEqual(fromBytes);
    expect(await store.addFile(path)).toEqual(fromBytes);
  });

  it("keeps data across store instances on the same directory", async () => {
    const { cid } = await store.add(pattern(1000));
    const again = createStore({ kind: "local", dir: storeDir });
    expect(await again.get(cid)).toEqual(pattern(1000));
  });

  it("stays intact when many writers add the same content to one directory at once", async () => {
    const content = pattern(1024 * 1024 + 1);
    const stores = Array.from({ length: 8 }, () => createStore({ kind: "local", dir: storeDir }));
    const added = await Promise.all(stores.flatMap((s) => [s.add(content), s.add(content)]));
    expect(new Set(added.map((a) => a.cid)).size).toBe(1);
    expect(await store.get(added[0]?.cid ?? "")).toEqual(content);
    // No temp files are left behind.
    const files = await readdir(storeDir, { recursive: true });
    expect(files.filter((f) => String(f).endsWith(".tmp"))).toEqual([]);
    expect(files.filter((f) => String(f).endsWith(".data")).length).toBeGreaterThan(4);
  });

  it("accepts the base36 spelling of a CID", async () => {
    const { cid } = await store.add(pattern(5000));
    const base36 = CID.parse(cid).toString((await import("multiformats/bases/base36")).base36);
    expect(base36.startsWith("k")).toBe(true);
    expect(await store.get(base36)).toEqual(pattern(5000));
  });
});

describe("local store errors", () => {
  it("reports content that was never added as not found", async () => {
    const { cid } = await computeCid(pattern(100, 42));
    expect(await store.has(cid)).toBe(false);
    const err = await store.get(cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentNotFoundError);
    expect(err).toBeInstanceOf(BaseError);
    expect(err).toMatchObject({ name: "ContentNotFoundError", cid, block: undefined });
    expect((err as Error).message).toContain(`Content ${cid} was not found`);
    await expect(store.stat(cid)).rejects.toBeInstanceOf(ContentNotFoundError);
    await expect(collect(store.cat(cid))).rejects.toBeInstanceOf(ContentNotFoundError);
  });

  it("names the missing block when a DAG is incomplete", async () => {
    const bytes = pattern(2 * CHUNK_SIZE + 1, 3);
    const { cid } = await store.add(bytes);
    const secondLeaf = bytes.subarray(CHUNK_SIZE, 2 * CHUNK_SIZE);
    await rm(await blockFileHolding(storeDir, secondLeaf));

    const leafCid = CID.createV1(0x55, await sha256.digest(secondLeaf)).toString();
    const err = await store.get(cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentNotFoundError);
    expect(err).toMatchObject({ cid, block: leafCid });
    expect((err as Error).message).toContain(`block ${leafCid} was not found`);
  });

  it("detects a corrupted leaf block on disk", async () => {
    const bytes = pattern(1024 * 1024 + 1, 9);
    const { cid } = await store.add(bytes);
    const thirdLeaf = bytes.subarray(2 * CHUNK_SIZE, 3 * CHUNK_SIZE);
    const file = await blockFileHolding(storeDir, thirdLeaf);
    const damaged = Buffer.from(thirdLeaf);
    damaged[1000] = (damaged[1000] ?? 0) ^ 0x01; // one flipped bit
    await writeFile(file, damaged);

    const leafCid = CID.createV1(0x55, await sha256.digest(thirdLeaf)).toString();
    const err = await store.get(cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentCorruptedError);
    expect(err).toMatchObject({ name: "ContentCorruptedError", cid, block: leafCid });
    expect((err as Error).message).toContain(`block ${leafCid} does not hash to its CID`);

    // A stream hands out only verified bytes: the two good leaves, then the error.
    const seen: Uint8Array[] = [];
    const streamed = (async () => {
      for await (const chunk of store.cat(cid)) seen.push(chunk);
    })();
    await expect(streamed).rejects.toBeInstanceOf(ContentCorruptedError);
    const prefix = Buffer.concat(seen);
    expect(prefix.length).toBeLessThanOrEqual(2 * CHUNK_SIZE);
    expect(prefix.equals(Buffer.from(bytes.subarray(0, prefix.length)))).toBe(true);

    // getToFile leaves nothing behind, not even its partial file.
    const out = join(tmp, "out", "model.onnx");
    await expect(store.getToFile(cid, out)).rejects.toBeInstanceOf(ContentCorruptedError);
    expect(await readdir(join(tmp, "out"))).toEqual([]);
  });

  it("detects a corrupted single-block file and a corrupted dag-pb root", async () => {
    const small = pattern(500, 11);
    const one = await store.add(small);
    const [file] = await blockFiles(storeDir);
    await writeFile(file as string, Buffer.concat([Buffer.from(small), Buffer.from([0])]));
    await expect(store.get(one.cid)).rejects.toMatchObject({
      name: "ContentCorruptedError",
      cid: one.cid,
      block: one.cid,
    });

    const big = pattern(CHUNK_SIZE + 10, 12);
    const two = await store.add(big);
    const files = await blockFiles(storeDir);
    const leaves = [big.subarray(0, CHUNK_SIZE), big.subarray(CHUNK_SIZE)];
    for (const f of files) {
      const content = Buffer.from(await readFile(f));
      if (!leaves.some((l) => content.equals(Buffer.from(l))) && content.length < 1000) {
        content[content.length - 1] = (content[content.length - 1] ?? 0) ^ 0xff; // the root
        await writeFile(f, content);
      }
    }
    await expect(store.stat(two.cid)).rejects.toMatchObject({
      name: "ContentCorruptedError",
      block: two.cid,
    });
  });

  it("rejects malformed CIDs, naming the field", async () => {
    for (const bad of ["", "not-a-cid", "bafy!!", "Qm123"]) {
      const err = await store.get(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidCidError);
      expect(err).toBeInstanceOf(InvalidParameterError);
      expect(err).toMatchObject({ name: "InvalidCidError", field: "cid", value: bad });
    }
    await expect(store.has("nope")).rejects.toBeInstanceOf(InvalidCidError);
  });

  it("refuses content that is not a UnixFS file (a dag-cbor block)", async () => {
    const block = new Uint8Array([0xa1, 0x61, 0x61, 0x01]); // dag-cbor {"a": 1}
    const cid = CID.createV1(0x71, await sha256.digest(block));
    const blocks = new FsBlockstore(storeDir);
    await blocks.open();
    await blocks.put(cid, block);
    const err = await store.get(cid.toString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedContentError);
    expect((err as Error).message).toContain("it is a dag-cbor");
  });

  it("rejects a missing path or a directory with the field named", async () => {
    await expect(store.addFile(join(tmp, "missing.bin"))).rejects.toMatchObject({
      name: "InvalidParameterError",
      field: "path",
    });
    await mkdir(join(tmp, "adir"));
    await expect(store.add(join(tmp, "adir"))).rejects.toMatchObject({
      name: "InvalidParameterError",
      field: "path",
    });
    await expect(store.add(42 as unknown as Uint8Array)).rejects.toMatchObject({
      field: "content",
    });
  });

  it("honours an aborted signal", async () => {
    const { cid } = await store.add(pattern(10));
    const signal = AbortSignal.abort();
    await expect(store.get(cid, { signal })).rejects.toMatchObject({ name: "AbortError" });
    await expect(store.add(pattern(10), { signal })).rejects.toMatchObject({ name: "AbortError" });
  });

  it("refuses an unknown store kind", () => {
    expect(() => createStore({ kind: "s3" } as never)).toThrow(/Invalid store.kind/);
  });
});
