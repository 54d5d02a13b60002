// The Kubo backend against a stand-in node: a real node:http server on 127.0.0.1 that answers
// the three RPC endpoints the backend uses (add, block/get, block/stat) by delegating to the
// local store, with Kubo's response shapes (NDJSON for add, raw bytes for block/get, the
// {"Message","Code","Type"} error body with HTTP 500). The client side is the real one: fetch
// over a socket, multipart upload, retries, error mapping and block verification.
// What this does NOT show: that a real Kubo accepts these requests and returns these CIDs. The
// CID equality with Kubo rests on unixfs.test.ts (Kubo-recorded CIDs, hand-built DAG root).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsBlockstore } from "blockstore-fs";
import { CID } from "multiformats/cid";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CHUNK_SIZE,
  ContentCorruptedError,
  ContentNotFoundError,
  type ContentStore,
  computeCid,
  createStore,
  KUBO_ADD_FLAGS,
  KuboApiError,
  StoreUnavailableError,
} from "./index.js";
import { blockFileHolding, collect, pattern, sha256Hex } from "./test-utils.js";

type Seen = { endpoint: string; query: URLSearchParams; contentType: string | undefined };

type FakeKubo = {
  url: string;
  seen: Seen[];
  /** Answer this many requests with 503 (after reading their body), then behave. */
  unavailable: number;
  /** Replaces the add answer's Hash, to play a node that ignored our flags. */
  addHash?: string;
  close(): Promise<void>;
};

let tmp: string;
let nodeDir: string;
let fake: FakeKubo;
let kubo: ContentStore;

async function startFakeKubo(dir: string): Promise<FakeKubo> {
  const backing = createStore({ kind: "local", dir });
  const blocks = new FsBlockstore(dir);
  await blocks.open();

  const state: Omit<FakeKubo, "url" | "close"> = { seen: [], unavailable: 0 };
  const kuboError = (res: ServerResponse, message: string, status = 500) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ Message: message, Code: 0, Type: "error" }));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = Buffer.from(await collect(req));
    const endpoint = url.pathname.replace(/^\/api\/v0\//, "");
    state.seen.push({
      endpoint,
      query: url.searchParams,
      contentType: req.headers["content-type"],
    });

    if (state.unavailable > 0) {
      state.unavailable--;
      res.writeHead(503).end("node is starting");
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end(`${req.method} not allowed`);
      return;
    }
    const arg = url.searchParams.get("arg") ?? "";
    switch (endpoint) {
      case "add": {
        const boundary = /boundary=(.+)$/.exec(req.headers["content-type"] ?? "")?.[1];
        if (!boundary) return kuboError(res, "request is not multipart", 400);
        const start = body.indexOf("\r\n\r\n") + 4;
        const end = body.lastIndexOf(`\r\n--${boundary}--`);
        const added = await backing.add(new Uint8Array(body.subarray(start, end)));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          `${JSON.stringify({ Name: "file", Hash: state.addHash ?? added.cid, Size: String(added.size) })}\n`,
        );
        return;
      }
      case "block/get": {
        // Raw bytes off disk, unverified: checking them is the client's job.
        try {
          const block = await collect(blocks.get(CID.parse(arg)));
          res.writeHead(200, { "content-type": "application/octet-stream" });
          res.end(block);
        } catch {
          kuboError(res, `block was not found locally (offline): ipld: could not find ${arg}`);
        }
        return;
      }
      case "block/stat": {
        if (await blocks.has(CID.parse(arg))) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ Key: arg, Size: 0 }));
        } else {
          kuboError(res, `block was not found locally (offline): ipld: could not find ${arg}`);
        }
        return;
      }
      default:
        res.writeHead(404).end("404 page not found");
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => kuboError(res, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "noos-kubo-"));
  nodeDir = join(tmp, "node");
  fake = await startFakeKubo(nodeDir);
  kubo = createStore({ kind: "kubo", url: fake.url, retry: { attempts: 3, minDelayMs: 5 } });
});
afterEach(async () => {
  await fake.close();
  await rm(tmp, { recursive: true, force: true });
});

const endpoints = () => fake.seen.map((s) => s.endpoint);

describe("kubo store request shaping", () => {
  it("adds with the Kubo import flags as a multipart upload and returns the local CID", async () => {
    const bytes = pattern(4 * CHUNK_SIZE + 1, 21);
    const added = await kubo.add(bytes);
    expect(added).toEqual(await computeCid(bytes));
    expect(added.sha256).toBe(sha256Hex(bytes));

    expect(endpoints()).toEqual(["add"]);
    const [request] = fake.seen;
    for (const [flag, value] of Object.entries(KUBO_ADD_FLAGS)) {
      expect(request?.query.get(flag), flag).toBe(value);
    }
    expect(request?.query.get("pin")).toBe("true");
    expect(request?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    // add may run as long as the upload takes: no timeout is sent for it.
    expect(request?.query.has("timeout")).toBe(false);
  });

  it("adds a file by path and a one-shot stream", async () => {
    const bytes = pattern(CHUNK_SIZE + 7, 22);
    const path = join(tmp, "model.onnx");
    await writeFile(path, bytes);
    const expected = await computeCid(bytes);
    expect(await kubo.addFile(path)).toEqual(expected);
    async function* stream() {
      yield bytes.subarray(0, 10);
      yield bytes.subarray(10);
    }
    expect(await kubo.add(stream())).toEqual(expected);
  });

  it("reads content block by block with block/get and checks every block", async () => {
    const bytes = pattern(4 * CHUNK_SIZE + 1, 23);
    const { cid } = await kubo.add(bytes);
    fake.seen.length = 0;

    expect(Buffer.from(await kubo.get(cid)).equals(Buffer.from(bytes))).toBe(true);
    // The root, then its five leaves: no /api/v0/cat, whose bytes we could not check.
    expect(endpoints()).toEqual(Array(6).fill("block/get"));
    expect(fake.seen[0]?.query.get("arg")).toBe(cid);
    expect(fake.seen[0]?.query.get("timeout")).toMatch(/^\d+ms$/);

    expect(Buffer.from(await collect(kubo.cat(cid))).equals(Buffer.from(bytes))).toBe(true);
    const out = join(tmp, "out.bin");
    expect(await kubo.getToFile(cid, out)).toEqual({
      cid,
      size: bytes.length,
      sha256: sha256Hex(bytes),
    });
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(bytes))).toBe(true);
    expect(await kubo.stat(cid)).toEqual({ cid, size: bytes.length, codec: "dag-pb" });
  });

  it("answers has() from the node's own blocks (offline), without searching the network", async () => {
    const { cid } = await kubo.add(pattern(100, 24));
    const absent = (await computeCid(pattern(100, 25))).cid;
    fake.seen.length = 0;
    expect(await kubo.has(cid)).toBe(true);
    expect(await kubo.has(absent)).toBe(false);
    expect(endpoints()).toEqual(["block/stat", "block/stat"]);
    expect(fake.seen.every((s) => s.query.get("offline") === "true")).toBe(true);
  });
});

describe("kubo store errors", () => {
  it("maps Kubo's not-found answer to ContentNotFoundError", async () => {
    const { cid } = await computeCid(pattern(100, 26));
    const err = await kubo.get(cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentNotFoundError);
    expect(err).toMatchObject({ cid });
    expect(endpoints()).toEqual(["block/get"]); // not retried
  });

  it("catches a node that serves a damaged block", async () => {
    const bytes = pattern(2 * CHUNK_SIZE, 27);
    const { cid } = await kubo.add(bytes);
    const leaf = bytes.subarray(CHUNK_SIZE);
    const file = await blockFileHolding(nodeDir, leaf);
    const damaged = Buffer.from(leaf);
    damaged[0] = (damaged[0] ?? 0) ^ 0x80;
    await writeFile(file, damaged);
    await expect(kubo.get(cid)).rejects.toBeInstanceOf(ContentCorruptedError);
  });

  it("retries 503s and then succeeds, resending a replayable body", async () => {
    fake.unavailable = 2;
    const bytes = pattern(1000, 28);
    expect(await kubo.add(bytes)).toEqual(await computeCid(bytes));
    expect(endpoints()).toEqual(["add", "add", "add"]);
  });

  it("does not resend a one-shot stream: fails with StoreUnavailableError after one try", async () => {
    fake.unavailable = 1;
    async function* stream() {
      yield pattern(1000, 29);
    }
    const err = await kubo.add(stream()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ attempts: 1 });
    expect(endpoints()).toEqual(["add"]);
  });

  it("gives up on an unreachable node with StoreUnavailableError after the last attempt", async () => {
    await fake.close();
    const retried: number[] = [];
    const down = createStore({
      kind: "kubo",
      url: fake.url,
      retry: { attempts: 3, minDelayMs: 5, onRetry: (_e, attempt) => retried.push(attempt) },
    });
    const err = await down.get((await computeCid(pattern(10))).cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ name: "StoreUnavailableError", attempts: 3 });
    expect((err as Error).message).toContain(`Store at ${fake.url}/ is unavailable`);
    expect((err as Error).message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(retried).toEqual([1, 2]);
    await expect(down.add(pattern(10))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("does not retry an API error, and reports it as KuboApiError", async () => {
    const wrongPath = createStore({ kind: "kubo", url: `${fake.url}/not-the-api` });
    const err = await wrongPath.has((await computeCid(pattern(10))).cid).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KuboApiError);
    expect(err).toMatchObject({ status: 404, endpoint: "block/stat" });
    expect(fake.seen).toHaveLength(1);
  });

  it("refuses a CID from a node that ignored the import flags", async () => {
    fake.addHash = "QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN"; // a CIDv0
    await expect(kubo.add(pattern(10))).rejects.toThrow(/ignored the import flags/);
  });

  it("stops on the caller's abort instead of reporting the store unavailable", async () => {
    await expect(
      kubo.get((await computeCid(pattern(10))).cid, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });

  it("validates its configuration", () => {
    expect(() => createStore({ kind: "kubo", url: "localhost:5001" })).toThrow(/Invalid url/);
    expect(() => createStore({ kind: "kubo", url: "ftp://x" })).toThrow(/Invalid url/);
    expect(() => createStore({ kind: "kubo", url: fake.url, timeoutMs: 0 })).toThrow(
      /Invalid timeoutMs/,
    );
  });
});
