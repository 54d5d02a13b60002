// A Kubo node over its RPC API (https://docs.ipfs.tech/reference/kubo/rpc/) with plain fetch.
// Writes go through /api/v0/add with KUBO_ADD_FLAGS. Reads fetch blocks with /api/v0/block/get
// and assemble them with the same verifying reader as the local store, rather than trusting the
// bytes of /api/v0/cat: that way a faulty node or proxy cannot hand us content that does not
// match the CID.
import { randomBytes } from "node:crypto";
import { BaseError, InvalidParameterError } from "@noosphere/sdk";
import type { CID } from "multiformats/cid";
import { ContentNotFoundError, KuboApiError, StoreUnavailableError } from "./errors.js";
import { createReader } from "./read.js";
import { withRetry } from "./retry.js";
import type { AddResult, ContentStore, KuboStoreConfig, StoreCallOptions } from "./types.js";
import { KUBO_ADD_FLAGS, measure, openContent, parseCid } from "./unixfs.js";

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Kubo's answer for content it does not have (offline) or could not find in time: an HTTP 500
 * error body. (A 404 is different: the URL is not a Kubo RPC endpoint at all.)
 */
const isNotFound = (err: unknown) =>
  err instanceof KuboApiError &&
  err.status === 500 &&
  /not found|could not find|no link named|deadline exceeded/i.test(err.shortMessage);

export function createKuboStore(config: Omit<KuboStoreConfig, "kind">): ContentStore {
  const base = parseUrl(config.url);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidParameterError({
      field: "timeoutMs",
      expected: "a positive number of milliseconds",
      received: config.timeoutMs,
    });
  }

  type Call = {
    endpoint: string;
    query: [string, string][];
    signal: AbortSignal | undefined;
    /** A fresh request body per attempt (add); absent for argument-only calls. */
    body?: () => { stream: AsyncIterable<Uint8Array>; contentType: string };
    /** Whether another attempt may be made (false once a one-shot body was sent). */
    canRetry?: () => boolean;
    timeout?: boolean;
  };

  /**
   * One RPC call, its answer read by `read` inside the same attempt (a connection lost mid-body
   * is retried too): retried on connection errors and 502/503/504, mapped errors otherwise.
   */
  async function call<T>(
    { endpoint, query, signal, body, canRetry, timeout = true }: Call,
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    let attempts = 0;
    try {
      return await withRetry(
        async () => {
          attempts++;
          const url = new URL(`api/v0/${endpoint}`, base);
          for (const [key, value] of query) url.searchParams.append(key, value);
          // Kubo stops looking (e.g. in the DHT) a little before we stop waiting.
          if (timeout) url.searchParams.set("timeout", `${Math.floor(timeoutMs * 0.9)}ms`);
          const signals = [signal, timeout ? AbortSignal.timeout(timeoutMs) : undefined];
          const requestBody = body?.();
          const response = await fetch(url, {
            method: "POST",
            headers: {
              ...config.headers,
              ...(requestBody ? { "content-type": requestBody.contentType } : {}),
            },
            ...(requestBody ? { body: requestBody.stream, duplex: "half" as const } : {}),
            signal: AbortSignal.any(signals.filter((s) => s !== undefined)),
          });
          if (response.ok) return await read(response);
          const message = await errorMessage(response);
          if (response.status >= 502 && response.status <= 504) {
            throw new TransientHttpError(response.status, message);
          }
          throw new KuboApiError({ endpoint, status: response.status, message });
        },
        {
          ...config.retry,
          signal,
          retryIf: (err) => isTransient(err) && (canRetry?.() ?? true),
        },
      );
    } catch (err) {
      if (signal?.aborted) throw err;
      if (isTransient(err)) {
        throw new StoreUnavailableError({ url: base.toString(), attempts, cause: err });
      }
      throw err;
    }
  }

  const reader = createReader(
    async (cid: CID, options) => {
      try {
        return await call(
          { endpoint: "block/get", query: [["arg", cid.toString()]], signal: options.signal },
          async (response) => new Uint8Array(await response.arrayBuffer()),
        );
      } catch (err) {
        if (isNotFound(err)) {
          throw new ContentNotFoundError({ cid: cid.toString(), cause: err });
        }
        throw err;
      }
    },
    // Sibling blocks over HTTP in parallel, but not all 174 at once.
    { blockReadConcurrency: 8 },
  );

  async function add(input: Parameters<ContentStore["add"]>[0], options: StoreCallOptions = {}) {
    const content = await openContent(input);
    const boundary = `noos-${randomBytes(12).toString("hex")}`;
    let sent = false;
    let measured: ReturnType<typeof measure> | undefined;
    const text = await call(
      {
        endpoint: "add",
        query: [...Object.entries(KUBO_ADD_FLAGS), ["pin", "true"], ["progress", "false"]],
        signal: options.signal,
        timeout: false,
        body: () => {
          measured = measure(content.open(), options.signal);
          const stream = measured.stream;
          return {
            contentType: `multipart/form-data; boundary=${boundary}`,
            stream: (async function* () {
              sent = true;
              yield* multipartFile(boundary, stream);
            })(),
          };
        },
        canRetry: () => content.replayable || !sent,
      },
      (response) => response.text(),
    );
    const cid = addedCid(text);
    if (!measured) throw new BaseError("Kubo add answered before its request body was built.");
    return { cid: cid.toString(), ...measured.result() } satisfies AddResult;
  }

  return {
    kind: "kubo",
    add,
    addFile: (path, options) => add(path, options),
    get: reader.get,
    cat: reader.cat,
    getToFile: reader.getToFile,
    stat: reader.stat,
    async has(cid, options = {}) {
      const root = parseCid(cid);
      try {
        // offline: answer from the node's own blockstore instead of searching the network.
        await call(
          {
            endpoint: "block/stat",
            query: [
              ["arg", root.toString()],
              ["offline", "true"],
            ],
            signal: options.signal,
          },
          (response) => response.arrayBuffer(),
        );
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
  };
}

/** The CID from add's NDJSON answer, checked to be what KUBO_ADD_FLAGS ask for. */
function addedCid(text: string): CID {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  let hash: unknown;
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as { Hash?: unknown; Message?: unknown };
      if (parsed.Message !== undefined && parsed.Hash === undefined) {
        throw new KuboApiError({ endpoint: "add", status: 200, message: String(parsed.Message) });
      }
      if (parsed.Hash !== undefined) hash = parsed.Hash;
    } catch (err) {
      if (err instanceof KuboApiError) throw err;
      throw new KuboApiError({
        endpoint: "add",
        status: 200,
        message: `unreadable answer ${JSON.stringify(line.slice(0, 200))}`,
        cause: err,
      });
    }
  }
  if (hash === undefined) {
    throw new KuboApiError({ endpoint: "add", status: 200, message: "the answer held no Hash" });
  }
  const cid = parseCid(hash, "Hash");
  // A node that ignored our flags would bind a different CID than computeCid predicts.
  if (cid.version !== 1 || cid.multihash.code !== 0x12) {
    throw new KuboApiError({
      endpoint: "add",
      status: 200,
      message: `returned ${cid}, not a CIDv1 with sha2-256: the node ignored the import flags`,
    });
  }
  return cid;
}

async function* multipartFile(boundary: string, content: AsyncIterable<Uint8Array>) {
  const encoder = new TextEncoder();
  yield encoder.encode(
    `--${boundary}\r\n` +
      'Content-Disposition: form-data; name="file"; filename="file"\r\n' +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  yield* content;
  yield encoder.encode(`\r\n--${boundary}--\r\n`);
}

/** 502/503/504 from a proxy or a node that is starting: worth another attempt. */
class TransientHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`HTTP ${status}: ${message}`);
    this.name = "TransientHttpError";
  }
}

/** Connection-level failures (refused, reset, DNS, our per-request timeout) and 502-504. */
function isTransient(err: unknown): boolean {
  if (err instanceof TransientHttpError) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === "TimeoutError") return true;
  // undici reports a failed request as TypeError("fetch failed") with the cause inside, and a
  // connection lost while reading the answer as TypeError("terminated").
  return (
    err.name === "TypeError" && (err.message === "fetch failed" || err.message === "terminated")
  );
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { Message?: unknown };
    if (typeof parsed.Message === "string") return parsed.Message;
  } catch {}
  return text.trim().slice(0, 500) || response.statusText;
}

function parseUrl(value: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(url.protocol);
    // The API lives at <url>/api/v0/…; keep any path prefix (a proxy) and end it with "/".
    if (!url.pathname.endsWith("/")) url.pathname += "/";
    return url;
  } catch (cause) {
    throw new InvalidParameterError({
      field: "url",
      expected: "the http(s) URL of a Kubo RPC API, e.g. http://127.0.0.1:5001",
      received: value,
      cause,
    });
  }
}
