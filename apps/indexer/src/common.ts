// Helpers shared by the indexing functions: the overview counters, the hourly activity buckets and
// the per-account activity rows (Account and Search pages).
import type { Context } from "ponder:registry";

export type { Context };

import { accountActivity, activityHour, stats } from "ponder:schema";
import type { Hex } from "viem";

export type Db = Context["db"];
export type EventLike = {
  id: string;
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: Hex };
  log: { logIndex: number };
};

type Counter = Exclude<keyof typeof stats.$inferInsert, "id" | "blockNumber" | "timestamp">;

/** Adds `delta` to the overview counters (one row, id "global"); every event counts in `events`. */
export async function bumpStats(
  db: Db,
  event: EventLike,
  delta: Partial<Record<Counter, number | bigint>> = {},
): Promise<void> {
  const base = {
    providers: 0,
    orders: 0,
    openOrders: 0,
    leases: 0,
    activeLeases: 0,
    completedLeases: 0,
    proofsVerified: 0,
    models: 0,
    subnets: 0,
    coprocessorRequests: 0,
    channels: 0,
    dataAssets: 0,
    noosStaked: 0n,
    events: 0,
  };
  const d = { ...base, ...delta, events: Number(delta.events ?? 0) + 1 };
  await db
    .insert(stats)
    .values({
      id: "global",
      providers: Number(d.providers),
      orders: Number(d.orders),
      openOrders: Number(d.openOrders),
      leases: Number(d.leases),
      activeLeases: Number(d.activeLeases),
      completedLeases: Number(d.completedLeases),
      proofsVerified: Number(d.proofsVerified),
      models: Number(d.models),
      subnets: Number(d.subnets),
      coprocessorRequests: Number(d.coprocessorRequests),
      channels: Number(d.channels),
      dataAssets: Number(d.dataAssets),
      noosStaked: BigInt(d.noosStaked),
      events: d.events,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      providers: row.providers + Number(d.providers),
      orders: row.orders + Number(d.orders),
      openOrders: row.openOrders + Number(d.openOrders),
      leases: row.leases + Number(d.leases),
      activeLeases: row.activeLeases + Number(d.activeLeases),
      completedLeases: row.completedLeases + Number(d.completedLeases),
      proofsVerified: row.proofsVerified + Number(d.proofsVerified),
      models: row.models + Number(d.models),
      subnets: row.subnets + Number(d.subnets),
      coprocessorRequests: row.coprocessorRequests + Number(d.coprocessorRequests),
      channels: row.channels + Number(d.channels),
      dataAssets: row.dataAssets + Number(d.dataAssets),
      noosStaked: row.noosStaked + BigInt(d.noosStaked),
      events: row.events + d.events,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
    }));
}

type HourCounter = "orders" | "leases" | "proofs" | "requests";

/** Counts the event in its hour bucket (for the overview's activity chart). */
export async function bumpHour(db: Db, event: EventLike, what?: HourCounter): Promise<void> {
  const bucket = event.block.timestamp - (event.block.timestamp % 3600n);
  const one = (k: HourCounter) => (what === k ? 1 : 0);
  await db
    .insert(activityHour)
    .values({
      bucket,
      orders: one("orders"),
      leases: one("leases"),
      proofs: one("proofs"),
      requests: one("requests"),
      events: 1,
    })
    .onConflictDoUpdate((row) => ({
      orders: row.orders + one("orders"),
      leases: row.leases + one("leases"),
      proofs: row.proofs + one("proofs"),
      requests: row.requests + one("requests"),
      events: row.events + 1,
    }));
}

/** One account_activity row per distinct account the event names. */
export async function activity(
  db: Db,
  event: EventLike,
  contract: string,
  name: string,
  accounts: readonly (Hex | undefined)[],
  ref?: bigint | number | string,
): Promise<void> {
  const seen = new Set<string>();
  for (const a of accounts) {
    if (!a) continue;
    const account = a.toLowerCase() as Hex;
    if (seen.has(account) || /^0x0{40}$/.test(account)) continue;
    seen.add(account);
    await db.insert(accountActivity).values({
      id: `${event.id}:${account}`,
      account,
      contract,
      event: name,
      ref: ref === undefined ? null : String(ref),
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
      txHash: event.transaction.hash,
    });
  }
}

/** JSON-safe copy of a decoded tuple (bigints as decimal strings). */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
  ) as unknown;
}
