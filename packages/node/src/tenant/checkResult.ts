// The tenant's check of a submitted result: fetch the bytes its CID names (the store verifies them
// against the CID), compare their sha256 with the hash the provider bound on chain, and parse the
// result document. A check never throws for a bad result: it returns a verdict, so the caller can
// dispute on chain (a thrown error would leave the lease to be accepted after the dispute window).
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Hex } from "viem";
import { sleep } from "../follower.js";

/** Why a result failed the tenant's check. */
export type ResultCheckFailure =
  /** The bytes the CID names do not hash to the result hash bound on chain. */
  | "hash-mismatch"
  /** The CID (or the model a training result names) could not be fetched in time. */
  | "unfetchable"
  /** The bytes are not a result document (JSON object). */
  | "malformed"
  /** Redundant replicas returned different result hashes. */
  | "disagreement"
  /** Another replica of the job failed its check or delivered nothing, so agreement is unproven. */
  | "incomplete"
  /** Optimistic: a challenger won a dispute game against the provider's claim. */
  | "claim-rejected"
  /** Optimistic: the provider posted no claim for its result in time. */
  | "unclaimed";

export type ResultCheck =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: ResultCheckFailure; detail: string };

export type CheckResultParameters = {
  store: ContentStore;
  resultCid: string;
  resultHash: Hex;
  /** Keep retrying the fetch until this time (ms since the epoch); at least one try is made. */
  fetchUntilMs: number;
  /** Pause between fetch attempts, ms. Default 1000. */
  retryMs?: number | undefined;
  signal?: AbortSignal | undefined;
};

/** Fetches and checks a result; a fetch that keeps failing until `fetchUntilMs` is `unfetchable`. */
export async function checkResult(params: CheckResultParameters): Promise<ResultCheck> {
  const { store, resultCid, resultHash } = params;
  let bytes: Uint8Array | undefined;
  let lastError = "";
  for (let _attempt = 1; ; _attempt++) {
    try {
      bytes = await store.get(resultCid, { signal: params.signal });
      break;
    } catch (err) {
      params.signal?.throwIfAborted();
      lastError = err instanceof BaseError ? err.shortMessage : String(err);
      // A string that is not a CID can never be fetched: no point in waiting.
      if ((err as { name?: string }).name === "InvalidCidError") break;
      if (Date.now() >= params.fetchUntilMs) break;
      await sleep(
        Math.min(params.retryMs ?? 1000, Math.max(0, params.fetchUntilMs - Date.now())),
        params.signal,
      );
    }
  }
  if (!bytes) {
    return {
      ok: false,
      reason: "unfetchable",
      detail: `result ${resultCid} could not be fetched: ${lastError}`,
    };
  }
  const sha = `0x${createHash("sha256").update(bytes).digest("hex")}`;
  if (sha !== resultHash.toLowerCase()) {
    return {
      ok: false,
      reason: "hash-mismatch",
      detail: `result ${resultCid} hashes to ${sha}, not to the hash bound on chain (${resultHash})`,
    };
  }
  const doc = parseResultDocument(bytes);
  if (!doc) {
    return {
      ok: false,
      reason: "malformed",
      detail: `result ${resultCid} is not a JSON result document`,
    };
  }
  const model = doc.model as { cid?: unknown } | undefined;
  if (typeof model?.cid === "string") {
    // A training result is only as good as the model it names: it must be fetchable too.
    const modelCheck = await fetchWithin(store, model.cid, params);
    if (modelCheck !== undefined) {
      return {
        ok: false,
        reason: "unfetchable",
        detail: `the model ${model.cid} named by result ${resultCid} could not be fetched: ${modelCheck}`,
      };
    }
  }
  return { ok: true, bytes };
}

/** Undefined when `cid` was fetched before the time ran out, else the last error. */
async function fetchWithin(
  store: ContentStore,
  cid: string,
  params: CheckResultParameters,
): Promise<string | undefined> {
  for (;;) {
    try {
      // Streamed, so a large model is checked block by block without being held in memory.
      for await (const _chunk of store.cat(cid, { signal: params.signal })) {
      }
      return undefined;
    } catch (err) {
      params.signal?.throwIfAborted();
      if (
        Date.now() >= params.fetchUntilMs ||
        (err as { name?: string }).name === "InvalidCidError"
      )
        return err instanceof BaseError ? err.shortMessage : String(err);
      await sleep(params.retryMs ?? 1000, params.signal);
    }
  }
}

function parseResultDocument(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return typeof doc === "object" && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a checked result to `dir`: result.json, output.json (inference), model.onnx (training). */
export async function writeResultFiles(
  store: ContentStore,
  bytes: Uint8Array,
  dir: string,
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {};
  const resultPath = path.join(dir, "result.json");
  await writeFile(resultPath, bytes);
  files.result = resultPath;
  const doc = parseResultDocument(bytes) ?? {};
  if (Array.isArray(doc.output_data)) {
    files.output = path.join(dir, "output.json");
    await writeFile(files.output, `${JSON.stringify({ output_data: doc.output_data })}\n`);
  }
  const model = doc.model as { cid?: string } | undefined;
  if (model?.cid) {
    files.model = path.join(dir, "model.onnx");
    await store.getToFile(model.cid, files.model);
  }
  return files;
}
