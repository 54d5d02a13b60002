// The validator's client (Bittensor's dendrite): signs one envelope per target (own nonce and
// signature), queries all targets concurrently with a deadline each, and reports, in target
// order, a status and the wall-clock latency of every call. An answer counts only if it parses
// with the synapse's response schema and is signed by the queried hotkey over this request
// (envelope.ts); Bittensor's dendrite never checks the axon's signature.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { createSignerCache, InvalidParameterError } from "@noosphere/sdk";
import { type Address, getAddress, type Hex, type LocalAccount } from "viem";
import {
  type AnswerProof,
  checkSignedResponse,
  EnvelopeError,
  hashBody,
  parseResponseHeaders,
  requestHeaders,
  type SignedRequest,
  signRequest,
} from "./envelope.js";
import type { Synapse } from "./synapse.js";

export type DendriteTarget = { uid: number; hotkey: Address; endpoint: string };

/**
 * ok: a valid, signed answer · timeout: no answer before the deadline · refused: the axon said no
 * (4xx, 503: auth, limits, busy) · error: no connection, or the axon failed (5xx) · invalid: an
 * answer that fails the schema or the signature check.
 */
export type QueryStatus = "ok" | "timeout" | "refused" | "error" | "invalid";

export type QueryResult<Res> = {
  uid: number;
  hotkey: Address;
  status: QueryStatus;
  httpStatus?: number;
  /** From sending (after signing) to the last byte read (or to the deadline), ms. */
  latencyMs: number;
  response?: Res;
  /** The miner's signature over (request hash, its hotkey, response body hash). */
  signature?: Hex;
  requestHash?: Hex;
  /** Both signed sides, for an "ok" answer: checkAnswerProof() verifies it anywhere. */
  proof?: AnswerProof;
  error?: string;
};

export type QueryOptions = { timeoutMs?: number };

export type Dendrite = {
  hotkey: Address;
  query<Req, Res>(
    targets: readonly DendriteTarget[],
    synapse: Synapse<Req, Res>,
    request: Req,
    opts?: QueryOptions,
  ): Promise<QueryResult<Res>[]>;
};

export type CreateDendriteOptions = {
  account: LocalAccount;
  netuid: number;
  /** Default per-call deadline, ms (default 12 000, Bittensor's). */
  timeoutMs?: number;
  /**
   * Keeps a nonce high-water mark so nonces stay increasing across restarts even if the clock
   * goes back. Without it nonces start at the clock (µs), which is enough on a sane clock.
   */
  nonceFile?: string;
};

/** Nonces reserved per write of the nonce file (hi/lo: one write per block, never reused). */
const NONCE_BLOCK = 100_000n;

export function createDendrite(opts: CreateDendriteOptions): Dendrite {
  const defaultTimeout = opts.timeoutMs ?? 12_000;
  if (!(defaultTimeout > 0))
    throw new InvalidParameterError({
      field: "timeoutMs",
      expected: "a positive number of ms",
      received: opts.timeoutMs,
    });
  const hotkey = getAddress(opts.account.address);
  const signers = createSignerCache(); // miners' keys, checked again every round
  let last = 0n;
  let reservedUpTo: bigint | undefined; // nonces <= this are covered by the file
  let loading: Promise<void> | undefined;
  let reserving: Promise<void> | undefined;

  const loadFile = async () => {
    if (!opts.nonceFile) return;
    try {
      const doc = JSON.parse(await readFile(opts.nonceFile, "utf8")) as { reserved?: string };
      if (doc.reserved && /^\d+$/.test(doc.reserved)) last = BigInt(doc.reserved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    reservedUpTo = last;
  };
  const reserve = async (upTo: bigint) => {
    const file = opts.nonceFile as string;
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ reserved: upTo.toString() })}\n`);
    await rename(tmp, file);
    reservedUpTo = upTo;
  };
  const nextNonce = async (): Promise<bigint> => {
    if (opts.nonceFile) {
      loading ??= loadFile();
      await loading;
    }
    const clock = BigInt(Date.now()) * 1000n;
    const nonce = clock > last ? clock : last + 1n;
    last = nonce;
    if (opts.nonceFile) {
      while (reservedUpTo === undefined || nonce > reservedUpTo) {
        reserving ??= reserve(nonce + NONCE_BLOCK).finally(() => {
          reserving = undefined;
        });
        await reserving;
      }
    }
    return nonce;
  };

  const one = async <Req, Res>(
    target: DendriteTarget,
    synapse: Synapse<Req, Res>,
    body: string,
    bodyHash: Hex,
    timeoutMs: number,
  ): Promise<QueryResult<Res>> => {
    const base = { uid: target.uid, hotkey: getAddress(target.hotkey) };
    // The clock starts when the request leaves (after signing): a miner's latency is the
    // network's and its own, not the time this process spent signing for other targets.
    let started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    let url: URL;
    try {
      url = new URL(`${target.endpoint.replace(/\/+$/, "")}/${synapse.name}`);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    } catch {
      return {
        ...base,
        status: "error",
        latencyMs: 0,
        error: `bad endpoint ${JSON.stringify(target.endpoint)}`,
      };
    }
    const envelope: Omit<SignedRequest, "signature"> = {
      netuid: opts.netuid,
      synapse: synapse.name,
      validator: hotkey,
      target: base.hotkey,
      nonce: await nextNonce(),
      timestamp: Date.now(),
      timeoutMs,
      bodyHash,
    };
    const { requestHash, signature } = await signRequest(opts.account, envelope);
    const signed: SignedRequest = { ...envelope, signature };
    const controller = new AbortController();
    started = performance.now();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let httpStatus: number | undefined;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...requestHeaders(signed) },
        body,
        signal: controller.signal,
      });
      httpStatus = res.status;
      const text = await res.text();
      const latencyMs = elapsed();
      const withStatus = { ...base, httpStatus, latencyMs, requestHash };
      if (res.status !== 200) {
        let error = text.slice(0, 300);
        try {
          error = (JSON.parse(text) as { error?: string }).error ?? error;
        } catch {}
        return {
          ...withStatus,
          status: res.status >= 500 && res.status !== 503 ? "error" : "refused",
          error,
        };
      }
      let signedResponse: ReturnType<typeof parseResponseHeaders>;
      try {
        signedResponse = parseResponseHeaders(res.headers);
      } catch (err) {
        const why = err instanceof EnvelopeError ? err.shortMessage : String(err);
        return { ...withStatus, status: "invalid", error: `unsigned answer: ${why}` };
      }
      const bad = await checkSignedResponse(
        signedResponse,
        text,
        { miner: base.hotkey, requestHash },
        signers,
      );
      if (bad) return { ...withStatus, status: "invalid", error: bad };
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ...withStatus, status: "invalid", error: "answer is not JSON" };
      }
      const parsed = synapse.response.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ...withStatus,
          status: "invalid",
          error: `response.${issue?.path.join(".") || "(body)"}: ${issue?.message ?? "invalid"}`,
        };
      }
      return {
        ...withStatus,
        status: "ok",
        response: parsed.data,
        signature: signedResponse.signature,
        proof: { request: signed, requestBody: body, response: signedResponse, responseBody: text },
      };
    } catch (err) {
      const latencyMs = elapsed();
      if (controller.signal.aborted)
        return {
          ...base,
          status: "timeout",
          latencyMs,
          requestHash,
          error: `no answer in ${timeoutMs} ms`,
        };
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return {
        ...base,
        status: "error",
        latencyMs,
        requestHash,
        ...(httpStatus !== undefined ? { httpStatus } : {}),
        error: cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)),
      };
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    hotkey,
    async query(targets, synapse, request, q = {}) {
      const timeoutMs = q.timeoutMs ?? defaultTimeout;
      if (!(timeoutMs > 0))
        throw new InvalidParameterError({
          field: "timeoutMs",
          expected: "a positive number of ms",
          received: q.timeoutMs,
        });
      // Validate our own request first: a bad challenge is the validator's bug, not the miners'.
      const checked = synapse.request.safeParse(request);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new InvalidParameterError({
          field: `request.${issue?.path.join(".") || "(body)"}`,
          expected: `a ${synapse.name} request (${issue?.message ?? "invalid"})`,
          received: request,
        });
      }
      const body = JSON.stringify(checked.data);
      const bodyHash = hashBody(body);
      return Promise.all(targets.map((t) => one(t, synapse, body, bodyHash, timeoutMs)));
    },
  };
}
