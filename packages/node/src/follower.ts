// Follows a contract's events from the last processed block: polls eth_getLogs in bounded
// ranges, hands each decoded event to `onEvent` in chain order, and only then records the block,
// so a restart replays at most the range that was in flight (handlers must be idempotent).

import type { DecodedEvent } from "@noosphere/sdk";
import type { Abi, Address, PublicClient } from "viem";
import { parseEventLogs } from "viem";
import type { Common } from "./common.js";
import { count } from "./common.js";

export type FollowParameters = {
  client: Pick<PublicClient, "getBlockNumber" | "getLogs">;
  address: Address;
  abi: Abi;
  /** First block to read when nothing was processed yet. */
  fromBlock: bigint;
  /** The last processed block, persisted by the caller (undefined: start at fromBlock). */
  loadCursor: () => Promise<bigint | undefined>;
  saveCursor: (block: bigint) => Promise<void>;
  onEvent: (event: DecodedEvent) => Promise<void>;
  /** Default 500 ms. */
  pollIntervalMs?: number | undefined;
  /** Most blocks per eth_getLogs call. Default 2,000 (a common RPC limit). */
  maxRange?: bigint | undefined;
};

/** Runs until `common.signal` aborts. RPC failures are logged and retried with backoff. */
export async function follow(common: Common, params: FollowParameters): Promise<void> {
  const pollIntervalMs = params.pollIntervalMs ?? 500;
  const maxRange = params.maxRange ?? 2000n;
  let backoffMs = pollIntervalMs;
  while (!common.signal.aborted) {
    try {
      const cursor = (await params.loadCursor()) ?? params.fromBlock - 1n;
      const head = await params.client.getBlockNumber();
      if (head > cursor) {
        const to = head - cursor > maxRange ? cursor + maxRange : head;
        const logs = await params.client.getLogs({
          address: params.address,
          fromBlock: cursor + 1n,
          toBlock: to,
        });
        const events = parseEventLogs({ abi: params.abi, logs }) as unknown as DecodedEvent[];
        for (const event of events) {
          if (common.signal.aborted) return;
          await params.onEvent(event);
          count(common, "events");
        }
        await params.saveCursor(to);
        if (to < head) continue; // catching up: no sleep
      }
      backoffMs = pollIntervalMs;
    } catch (err) {
      count(common, "rpcErrors");
      common.logger.warn(
        { err: String(err), retryInMs: backoffMs },
        "event follower: RPC error, retrying",
      );
      backoffMs = Math.min(backoffMs * 2, 30_000);
    }
    await sleep(backoffMs, common.signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
