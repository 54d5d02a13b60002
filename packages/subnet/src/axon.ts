// The miner's HTTP server (Bittensor's axon), on node:http. One route per synapse:
// POST /<synapse.name> with the signed envelope in `x-noos-*` headers (envelope.ts); GET / says
// who serves what. Checks, cheapest first, so an unauthenticated flood costs no ECDSA recovery:
//   404 unknown synapse · 413 body over the limit (Content-Length, then while reading) ·
//   400 malformed/mismatched envelope · 421 addressed to another hotkey · 401 timestamp outside
//   the window · 403 blacklisted · 403 not a registered validator with a permit and the minimum
//   stake (metagraph) · 400 body hash mismatch · 401 bad signature · 401 nonce already used or
//   not increasing for that validator (persisted; see nonceWindow) · 429 over the caller's rate ·
//   503 queue full (lowest stake is shed first) · 400 request fails the synapse's schema.
// Bittensor runs its blacklist before verification and has no body limit, rate limit, or real
// priority (its priority pool runs a no-op); here signature, nonce and rate are checked before
// any work, and work waits in a queue ordered by the caller's stake.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createStateFile, type StateFile } from "@noosphere/node/state";
import { createSignerCache, InvalidParameterError } from "@noosphere/sdk";
import type { Logger } from "pino";
import { type Address, getAddress, type Hex, type LocalAccount } from "viem";
import {
  EnvelopeError,
  hashBody,
  hashRequest,
  parseRequestHeaders,
  recoverRequestSigner,
  responseHeaders,
  type SignedRequest,
  signResponse,
} from "./envelope.js";
import type { Metagraph } from "./metagraph.js";
import type { Synapse } from "./synapse.js";

export type AxonPolicy = {
  /** Accepted |now - request timestamp|, ms (default 8000, as SN1's Epistula). */
  timeWindowMs: number;
  /** Least stake (alpha units) a caller needs (default 0: a permit is the bar). */
  minValidatorStake: bigint;
  /** Callers must hold a validator permit (default true; Bittensor's template: off). */
  requirePermit: boolean;
  /** Hotkeys refused outright. */
  blacklist: readonly Address[];
  /** Largest request body, bytes (default 1 MiB); a synapse's own maxBodyBytes wins. */
  maxBodyBytes: number;
  /** Requests per minute per caller, token bucket with a burst of a fifth of it (default 600). */
  ratePerMinute: number;
  /** Handlers running at once (default 16). */
  maxConcurrent: number;
  /** Requests waiting for a handler slot (default 256); beyond it the lowest stake is shed. */
  maxQueue: number;
  /**
   * Anti-replay window per validator (RFC 4303 §3.4.3, as IPsec and DTLS do): a nonce is
   * accepted once, and only above the highest nonce that has left the last `nonceWindow`
   * accepted ones, so concurrent queries of one validator may arrive out of order. 1 = strictly
   * increasing. Default 64.
   */
  nonceWindow: number;
};

export const DEFAULT_AXON_POLICY: AxonPolicy = {
  timeWindowMs: 8_000,
  minValidatorStake: 0n,
  requirePermit: true,
  blacklist: [],
  maxBodyBytes: 1 << 20,
  ratePerMinute: 600,
  maxConcurrent: 16,
  maxQueue: 256,
  nonceWindow: 64,
};

/** The authenticated caller, as the handler sees it. */
export type CallerInfo = {
  hotkey: Address;
  uid: number;
  /** Alpha units. */
  stake: bigint;
  validatorPermit: boolean;
  nonce: bigint;
  requestHash: Hex;
  timeoutMs: number;
  /** Aborted when the caller hangs up or its timeout has passed. */
  signal: AbortSignal;
};

export type AxonRoute = {
  // biome-ignore lint/suspicious/noExplicitAny: routes of different synapses share one list
  synapse: Synapse<any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: typed per route by `route()`
  handler(req: any, caller: CallerInfo): Promise<unknown>;
};

/** A typed route: the handler gets the synapse's request type and must return its response. */
export function route<Req, Res>(
  synapse: Synapse<Req, Res>,
  handler: (req: Req, caller: CallerInfo) => Promise<Res>,
): AxonRoute {
  return { synapse, handler };
}

export type CreateAxonOptions = {
  account: LocalAccount;
  netuid: number;
  synapses: AxonRoute[];
  /** Who may call: only `byHotkey` is read, on every request. */
  metagraph: Pick<Metagraph, "byHotkey">;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  policy?: Partial<AxonPolicy>;
  /**
   * Where the last accepted nonce per validator is kept across restarts (one file per axon and
   * deployment). Without it, nonces live in memory: a restart reopens replays inside the window.
   */
  stateFile?: string;
  log?: Logger;
  /** Closes the axon when aborted (a daemon's shutdown signal). */
  signal?: AbortSignal;
};

export type AxonStats = {
  /** Requests answered, by HTTP status. */
  requests: number;
  byStatus: Record<number, number>;
  /** Handlers running now, and requests waiting for one. */
  active: number;
  queued: number;
};

export type Axon = {
  url: string;
  hotkey: Address;
  stats(): AxonStats;
  close(): Promise<void>;
};

/** Per validator: nonces at or below `low` are spent; `recent` are the last accepted above it. */
type NonceDoc = {
  netuid: number;
  hotkey: Address;
  nonces: Record<string, { low: string; recent: string[] }>;
};
type NonceWindow = { low: bigint; recent: bigint[] }; // recent ascending, at most nonceWindow

/** Records `nonce` for `key`, or says why it is refused (used, or not increasing). */
function acceptNonce(
  nonces: Map<string, NonceWindow>,
  key: string,
  nonce: bigint,
  size: number,
): string | undefined {
  let w = nonces.get(key);
  if (!w) {
    w = { low: -1n, recent: [] };
    nonces.set(key, w);
  }
  const { recent } = w;
  if (nonce <= w.low) return `nonce ${nonce} not above ${w.low}, the highest spent one (replay?)`;
  const lowest = recent[0];
  if (recent.length >= size && lowest !== undefined && nonce < lowest)
    return `nonce ${nonce} below the last ${size} accepted (from ${lowest}; replay?)`;
  let i = recent.length;
  while (i > 0 && (recent[i - 1] as bigint) > nonce) i--;
  if (recent[i - 1] === nonce) return `nonce ${nonce} already used (replay)`;
  recent.splice(i, 0, nonce);
  if (recent.length > size) w.low = recent.shift() as bigint;
  return undefined;
}

class Reject extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Waiter = { stake: bigint; start: () => void; shed: (err: Reject) => void };

export async function createAxon(opts: CreateAxonOptions): Promise<Axon> {
  const policy: AxonPolicy = { ...DEFAULT_AXON_POLICY, ...opts.policy };
  for (const field of [
    "timeWindowMs",
    "maxBodyBytes",
    "ratePerMinute",
    "maxConcurrent",
    "nonceWindow",
  ] as const) {
    if (!(policy[field] > 0))
      throw new InvalidParameterError({
        field: `policy.${field}`,
        expected: "a positive number",
        received: policy[field],
      });
  }
  if (!(policy.maxQueue >= 0))
    throw new InvalidParameterError({
      field: "policy.maxQueue",
      expected: "a number >= 0",
      received: policy.maxQueue,
    });
  const routes = new Map<string, AxonRoute>();
  for (const [i, r] of opts.synapses.entries()) {
    if (routes.has(r.synapse.name))
      throw new InvalidParameterError({
        field: `synapses[${i}].synapse.name`,
        expected: "a name no other synapse of this axon uses",
        received: r.synapse.name,
      });
    routes.set(r.synapse.name, r);
  }
  const hotkey = getAddress(opts.account.address);
  const blacklist = new Set(policy.blacklist.map((a) => a.toLowerCase()));
  const signers = createSignerCache(); // only registered validators reach the signature check
  const log = opts.log;

  // ---------------------------------------------------------------- nonces (persisted)
  const nonces = new Map<string, NonceWindow>();
  let state: StateFile<NonceDoc | undefined> | undefined;
  if (opts.stateFile) {
    state = createStateFile<NonceDoc | undefined>(opts.stateFile, () => undefined);
    const doc = await state.read();
    if (doc && doc.netuid === opts.netuid && getAddress(doc.hotkey) === hotkey) {
      for (const [k, v] of Object.entries(doc.nonces))
        nonces.set(k, { low: BigInt(v.low), recent: v.recent.map(BigInt) });
    }
  }
  // Writes coalesce: requests accepted while a write runs share the next one; each request is
  // answered only after a write that includes its nonce, so a crash cannot reopen a replay.
  let writing: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const writeNow = (): Promise<void> => {
    const doc: NonceDoc = {
      netuid: opts.netuid,
      hotkey,
      nonces: Object.fromEntries(
        [...nonces].map(([k, v]) => [
          k,
          { low: v.low.toString(), recent: v.recent.map((n) => n.toString()) },
        ]),
      ),
    };
    const w = (state as StateFile<NonceDoc | undefined>).write(doc).finally(() => {
      writing = undefined;
    });
    writing = w;
    return w;
  };
  const persist = (): Promise<void> => {
    if (!state) return Promise.resolve();
    if (next) return next;
    if (!writing) return writeNow();
    const n = writing
      .catch(() => {})
      .then(() => {
        next = undefined;
        return writeNow();
      });
    next = n;
    return n;
  };

  // ---------------------------------------------------------------- rate (token bucket per caller)
  const buckets = new Map<string, { tokens: number; at: number }>();
  const burst = Math.max(1, Math.floor(policy.ratePerMinute / 5));
  const perMs = policy.ratePerMinute / 60_000;
  const take = (key: string): number => {
    const now = Date.now();
    const b = buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perMs); // ms until a token
  };

  // ---------------------------------------------------------------- priority by stake
  let active = 0;
  const queue: Waiter[] = []; // highest stake first; FIFO among equals
  /** A handler slot: `ready` resolves when it is this request's turn; `cancel` leaves the queue. */
  const acquire = (stake: bigint): { ready: Promise<void>; cancel: () => void } => {
    let waiter: Waiter | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      if (active < policy.maxConcurrent) {
        active++;
        resolve();
        return;
      }
      const w: Waiter = {
        stake,
        start: () => {
          active++;
          resolve();
        },
        shed: reject,
      };
      if (queue.length >= policy.maxQueue) {
        const lowest = queue[queue.length - 1];
        if (!lowest || lowest.stake >= stake) {
          reject(new Reject(503, `axon busy: ${queue.length} requests queued`));
          return;
        }
        queue.pop();
        lowest.shed(new Reject(503, "axon busy: shed for a caller with more stake"));
      }
      let i = queue.length;
      while (i > 0 && (queue[i - 1] as Waiter).stake < stake) i--;
      queue.splice(i, 0, w);
      waiter = w;
    });
    const cancel = () => {
      const i = waiter ? queue.indexOf(waiter) : -1;
      if (i < 0) return;
      queue.splice(i, 1);
      waiter?.shed(new Reject(408, "the caller's timeout passed in the queue"));
    };
    return { ready, cancel };
  };
  const release = () => {
    active--;
    queue.shift()?.start();
  };

  // ---------------------------------------------------------------- requests
  const byStatus: Record<number, number> = {};
  let requests = 0;

  const send = (
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    requests++;
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };

  const readBody = (req: IncomingMessage, limit: number): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          reject(new Reject(413, `body over ${limit} bytes`));
          req.removeAllListeners("data");
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (req.method === "GET" && (url === "/" || url === "/health")) {
      send(res, 200, JSON.stringify({ netuid: opts.netuid, hotkey, synapses: [...routes.keys()] }));
      return;
    }
    const r = routes.get(url.slice(1).split("?")[0] ?? "");
    if (!r) throw new Reject(404, `no synapse at ${url}`);
    if (req.method !== "POST") throw new Reject(405, "use POST");
    const limit = r.synapse.maxBodyBytes ?? policy.maxBodyBytes;
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) throw new Reject(413, `body of ${declared} bytes over ${limit}`);

    let env: SignedRequest;
    try {
      env = parseRequestHeaders(req.headers);
    } catch (err) {
      if (err instanceof EnvelopeError) throw new Reject(400, err.shortMessage, err.field);
      throw err;
    }
    if (env.netuid !== opts.netuid)
      throw new Reject(400, `request for netuid ${env.netuid}, this axon serves ${opts.netuid}`);
    if (env.synapse !== r.synapse.name)
      throw new Reject(400, `signed synapse ${env.synapse} does not match route ${r.synapse.name}`);
    if (env.target !== hotkey)
      throw new Reject(421, `request for ${env.target}, this is ${hotkey}`);
    const skew = Date.now() - env.timestamp;
    if (Math.abs(skew) > policy.timeWindowMs)
      throw new Reject(401, `timestamp ${skew} ms off, window ±${policy.timeWindowMs} ms`);
    const key = env.validator.toLowerCase();
    if (blacklist.has(key)) throw new Reject(403, `${env.validator} is blacklisted`);
    const neuron = opts.metagraph.byHotkey(env.validator);
    if (!neuron)
      throw new Reject(403, `${env.validator} is not registered in subnet ${opts.netuid}`);
    if (policy.requirePermit && !neuron.validatorPermit)
      throw new Reject(403, `uid ${neuron.uid} holds no validator permit`);
    if (neuron.stake < policy.minValidatorStake)
      throw new Reject(
        403,
        `uid ${neuron.uid} stake ${neuron.stake} below the minimum ${policy.minValidatorStake}`,
      );

    const body = await readBody(req, limit);
    if (hashBody(body) !== env.bodyHash)
      throw new Reject(400, "body does not match x-noos-body-hash");
    let signer: Address;
    try {
      signer = await recoverRequestSigner(env, signers);
    } catch {
      throw new Reject(401, "malformed signature");
    }
    if (signer !== env.validator)
      throw new Reject(401, `signature by ${signer}, not ${env.validator}`);
    const why = acceptNonce(nonces, key, env.nonce, policy.nonceWindow);
    if (why) throw new Reject(401, why);
    const persisted = persist();
    const wait = take(key);
    if (wait > 0) {
      await persisted;
      throw new Reject(
        429,
        `over ${policy.ratePerMinute} requests/min`,
        String(Math.ceil(wait / 1000)),
      );
    }

    // Work: parse, wait for a slot (by stake), run, check, sign.
    let input: unknown;
    try {
      input = JSON.parse(body.toString("utf8"));
    } catch {
      throw new Reject(400, "body is not JSON");
    }
    const parsed = r.synapse.request.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "(body)";
      throw new Reject(400, `request.${field}: ${issue?.message ?? "invalid"}`, field);
    }
    const controller = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) controller.abort(new Error("caller hung up"));
    };
    res.on("close", onClose);
    const timer = setTimeout(
      () => controller.abort(new Error("caller's timeout passed")),
      Math.max(0, env.timeoutMs - Math.max(0, skew)),
    );
    try {
      const slot = acquire(neuron.stake);
      controller.signal.addEventListener("abort", slot.cancel, { once: true });
      await slot.ready;
      controller.signal.removeEventListener("abort", slot.cancel);
      let result: unknown;
      try {
        if (controller.signal.aborted)
          throw new Reject(408, "caller's timeout passed in the queue");
        result = await r.handler(parsed.data, {
          hotkey: env.validator,
          uid: neuron.uid,
          stake: neuron.stake,
          validatorPermit: neuron.validatorPermit,
          nonce: env.nonce,
          requestHash: hashRequest(env),
          timeoutMs: env.timeoutMs,
          signal: controller.signal,
        });
      } finally {
        release();
      }
      const out = r.synapse.response.safeParse(result);
      if (!out.success) {
        log?.error(
          { issues: out.error.issues },
          "handler answer fails the synapse's response schema",
        );
        throw new Reject(500, "the miner's answer does not fit the synapse's response schema");
      }
      const text = JSON.stringify(out.data);
      const signed = await signResponse(opts.account, hashRequest(env), text);
      await persisted;
      send(res, 200, text, responseHeaders(signed));
    } finally {
      clearTimeout(timer);
      res.off("close", onClose);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof Reject) {
        const headers: Record<string, string> = {};
        if (err.status === 429 && err.field) headers["retry-after"] = err.field;
        if (err.status === 413) headers.connection = "close";
        send(
          res,
          err.status,
          JSON.stringify({
            error: err.message,
            ...(err.field && err.status !== 429 ? { field: err.field } : {}),
          }),
          headers,
        );
        return;
      }
      log?.error({ err }, "axon handler failed");
      send(res, 500, JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const close = async () => {
    await new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await writing?.catch(() => {});
    await next?.catch(() => {});
  };
  opts.signal?.addEventListener("abort", () => void close(), { once: true });
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${addr.port}`,
    hotkey,
    stats: () => ({ requests, byStatus: { ...byStatus }, active, queued: queue.length }),
    close,
  };
}
