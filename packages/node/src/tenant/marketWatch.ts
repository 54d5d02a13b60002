// Wakes a tenant's waits (bids on its order, the result of its lease) on the market's events
// instead of reading each order's state on a fixed poll: one eth_getLogs poller per RPC endpoint
// and market, shared by every job the process runs at the same time (a tenant with many jobs in
// flight polls the chain once per interval, not once per job). A wait still re-reads the state it
// waits for: an event only says when to look. A missed event costs at most the fallback timeout.
import type { NoosphereClient } from "@noosphere/sdk";
import type { Address } from "viem";

export type MarketWatch = {
  /**
   * Calls `read` until it returns a value. After each read that returns undefined it waits for
   * the next event about `id` (an order or lease id), or `fallbackMs`, whichever comes first. It
   * listens from before each read, so an event that lands while the read runs is not missed.
   */
  until<T>(
    id: bigint,
    read: () => Promise<T | undefined>,
    options: { fallbackMs: number; signal?: AbortSignal | undefined },
  ): Promise<T>;
};

type Poller = {
  waiters: Map<bigint, Set<() => void>>;
  pollMs: number;
  running: boolean;
};

/**
 * Blocks read again when the poller starts: an event mined between a caller's state read and the
 * poller's first look is still seen (a spurious wake-up only costs one read).
 */
const START_MARGIN = 5n;
const pollers = new Map<string, Poller>();

/** The shared watcher of `market` on `client`'s endpoint, polling every `pollMs` while anyone waits. */
export function marketWatch(client: NoosphereClient, market: Address, pollMs: number): MarketWatch {
  const endpoint = (client.transport as { url?: string }).url ?? client.uid;
  const key = `${client.chain.id}|${endpoint}|${market.toLowerCase()}`;
  let poller = pollers.get(key);
  if (!poller) {
    poller = { waiters: new Map(), pollMs, running: false };
    pollers.set(key, poller);
  }
  const p = poller;
  p.pollMs = Math.min(p.pollMs, pollMs);

  async function run() {
    p.running = true;
    // The last log handled: each poll asks for the logs from its block on (one eth_getLogs, no
    // block number first) and skips those already handled.
    let cursor: { block: bigint; index: number } | undefined;
    try {
      while (p.waiters.size > 0) {
        try {
          if (!cursor) {
            const head = await client.getBlockNumber({ cacheTime: 0 });
            cursor = { block: head > START_MARGIN ? head - START_MARGIN : 0n, index: -1 };
          }
          const logs = await client.getLogs({
            address: market,
            fromBlock: cursor.block,
            toBlock: "latest",
          });
          for (const log of logs) {
            const block = log.blockNumber ?? 0n;
            const index = log.logIndex ?? 0;
            if (block < cursor.block || (block === cursor.block && index <= cursor.index)) continue;
            cursor = { block, index };
            // Every market event names its order or lease id in its first indexed topic.
            const topic = log.topics[1];
            if (topic) wake(BigInt(topic));
          }
        } catch {
          // An RPC hiccup: the waits fall back on their timeouts meanwhile.
        }
        await new Promise((r) => setTimeout(r, p.pollMs));
      }
    } finally {
      p.running = false;
    }
  }

  function wake(id: bigint) {
    const set = p.waiters.get(id);
    if (!set) return;
    p.waiters.delete(id);
    for (const resolve of set) resolve();
  }

  /** Registers for the next event about `id`; `wait` resolves on it (or a timeout or abort). */
  function listen(id: bigint) {
    let woken = false;
    let resolveWait: (() => void) | undefined;
    const onEvent = () => {
      woken = true;
      resolveWait?.();
    };
    let set = p.waiters.get(id);
    if (!set) {
      set = new Set();
      p.waiters.set(id, set);
    }
    set.add(onEvent);
    if (!p.running) void run();
    return {
      wait: (timeoutMs: number, signal?: AbortSignal) =>
        new Promise<void>((resolve) => {
          if (woken || signal?.aborted) return resolve();
          const timer = setTimeout(done, timeoutMs);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
          }
          resolveWait = done;
          signal?.addEventListener("abort", done, { once: true });
        }),
      cancel: () => {
        const current = p.waiters.get(id);
        current?.delete(onEvent);
        if (current?.size === 0) p.waiters.delete(id);
      },
    };
  }

  return {
    async until(id, read, { fallbackMs, signal }) {
      for (;;) {
        const listener = listen(id);
        try {
          const value = await read();
          if (value !== undefined) return value;
          await listener.wait(fallbackMs, signal);
          signal?.throwIfAborted();
        } finally {
          listener.cancel();
        }
      }
    },
  };
}
