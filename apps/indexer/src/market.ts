// ComputeMarket + ProviderRegistry: orders, bids, leases, their timeline, provider totals.

import { type Context, ponder } from "ponder:registry";
import {
  bid,
  earning,
  lease,
  leaseEvent,
  order,
  provider,
  providerAttribute,
  stake,
} from "ponder:schema";
import { abis, bidStates, closeReasons, leaseStates, PROVIDER_ROLE } from "@noosphere/sdk";
import { and, eq } from "ponder";
import { type Hex, zeroAddress } from "viem";
import { activity, bumpHour, bumpStats, type Db, type EventLike } from "./common.ts";

const C = "ComputeMarket";

async function timeline(
  db: Db,
  event: EventLike,
  orderId: bigint,
  kind: string,
  fields: { actor?: Hex; amount?: bigint; detail?: string } = {},
): Promise<void> {
  await db.insert(leaseEvent).values({
    id: event.id,
    orderId,
    kind,
    actor: fields.actor ?? null,
    amount: fields.amount ?? null,
    detail: fields.detail ?? null,
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
}

const runsOutAt = (settledAt: bigint, escrowLeft: bigint, price: bigint): bigint | null =>
  price > 0n ? settledAt + escrowLeft / price : null;

/** A provider row, created on first sight (a provider may bid or stake before we saw it register). */
async function ensureProvider(db: Db, address: Hex, ts: bigint): Promise<void> {
  await db
    .insert(provider)
    .values({
      address,
      hostUri: "",
      registered: false,
      registeredAt: ts,
      updatedAt: ts,
      stake: 0n,
      locked: 0n,
      bids: 0,
      leases: 0,
      completed: 0,
      failed: 0,
      slashed: 0,
      slashedAmount: 0n,
      earned: 0n,
      withdrawn: 0n,
    })
    .onConflictDoNothing();
}

ponder.on("ComputeMarket:OrderCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(order).values({
    id: a.orderId,
    tenant: a.tenant,
    token: a.token,
    manifestCid: a.manifestCid,
    manifestHash: a.manifestHash,
    maxPricePerSecond: a.maxPricePerSecond,
    deposit: a.deposit,
    escrow: a.deposit,
    bidDeadline: a.bidDeadline,
    jobTimeout: a.jobTimeout,
    state: "Open",
    groupId: null,
    bidCount: 0,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    txHash: event.transaction.hash,
    updatedAt: event.block.timestamp,
  });
  await timeline(context.db, event, a.orderId, "ordered", { actor: a.tenant, amount: a.deposit });
  await activity(context.db, event, C, "OrderCreated", [a.tenant], a.orderId);
  await bumpStats(context.db, event, { orders: 1, openOrders: 1 });
  await bumpHour(context.db, event, "orders");
});

ponder.on("ComputeMarket:OrderGroupCreated", async ({ event, context }) => {
  const a = event.args;
  for (let i = 0n; i < a.replicas; i++) {
    const id = a.firstOrderId + i;
    if (await context.db.find(order, { id }))
      await context.db.update(order, { id }).set({ groupId: a.groupId });
  }
  await activity(context.db, event, C, "OrderGroupCreated", [a.tenant], a.groupId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:EscrowDeposited", async ({ event, context }) => {
  const a = event.args;
  const o = await context.db.find(order, { id: a.orderId });
  if (o)
    await context.db
      .update(order, { id: a.orderId })
      .set({ escrow: o.escrow + a.amount, updatedAt: event.block.timestamp });
  const l = await context.db.find(lease, { id: a.orderId });
  if (l) {
    const escrowLeft = l.escrowLeft + a.amount;
    await context.db.update(lease, { id: a.orderId }).set({
      escrowLeft,
      escrowRunsOutAt: runsOutAt(l.settledAt, escrowLeft, l.pricePerSecond),
    });
  }
  await timeline(context.db, event, a.orderId, "escrow", { actor: a.from, amount: a.amount });
  await activity(context.db, event, C, "EscrowDeposited", [a.from], a.orderId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:OrderCanceled", async ({ event, context }) => {
  const a = event.args;
  // Values read before any update: Ponder's store may hand back the row it later updates in place.
  const o = await context.db.find(order, { id: a.orderId });
  const wasOpen = o?.state === "Open";
  if (o)
    await context.db.update(order, { id: a.orderId }).set({
      state: "Closed",
      escrow: o.escrow > a.refund ? o.escrow - a.refund : 0n,
      updatedAt: event.block.timestamp,
    });
  await timeline(context.db, event, a.orderId, "canceled", { actor: a.tenant, amount: a.refund });
  await activity(context.db, event, C, "OrderCanceled", [a.tenant], a.orderId);
  await bumpStats(context.db, event, { openOrders: wasOpen ? -1 : 0 });
});

ponder.on("ComputeMarket:BidCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(bid).values({
    orderId: a.orderId,
    bidIndex: Number(a.bidIndex),
    provider: a.provider,
    pricePerSecond: a.pricePerSecond,
    deposit: a.deposit,
    state: "Open",
    createdAt: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  await context.db
    .update(order, { id: a.orderId })
    .set((row) => ({ bidCount: row.bidCount + 1, updatedAt: event.block.timestamp }));
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ bids: row.bids + 1, lastPricePerSecond: a.pricePerSecond }));
  await timeline(context.db, event, a.orderId, "bid", {
    actor: a.provider,
    amount: a.pricePerSecond,
    detail: `bid ${a.bidIndex}`,
  });
  await activity(context.db, event, C, "BidCreated", [a.provider], a.orderId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:BidClosed", async ({ event, context }) => {
  const a = event.args;
  const state = bidStates[a.state] ?? `state ${a.state}`;
  const key = { orderId: a.orderId, bidIndex: Number(a.bidIndex) };
  if (await context.db.find(bid, key)) await context.db.update(bid, key).set({ state });
  await timeline(context.db, event, a.orderId, "bid_closed", {
    actor: a.provider,
    detail: `bid ${a.bidIndex} ${state}`,
  });
  await activity(context.db, event, C, "BidClosed", [a.provider], a.orderId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:LeaseCreated", async ({ event, context }) => {
  const a = event.args;
  const o = await context.db.find(order, { id: a.leaseId });
  const escrowLeft = o?.escrow ?? 0n;
  const wasOpen = o?.state === "Open";
  await context.db.insert(lease).values({
    id: a.leaseId,
    orderId: a.leaseId,
    tenant: a.tenant,
    provider: a.provider,
    bidIndex: Number(a.bidIndex),
    pricePerSecond: a.pricePerSecond,
    deadline: a.deadline,
    state: "Active",
    closeReason: null,
    startedAt: event.block.timestamp,
    closedAt: null,
    escrowLeft,
    settledAt: event.block.timestamp,
    escrowRunsOutAt: runsOutAt(event.block.timestamp, escrowLeft, a.pricePerSecond),
    accrued: 0n,
    paid: 0n,
    fees: 0n,
    refund: null,
    resultCid: null,
    resultHash: null,
    commitment: null,
    disputeEndsAt: null,
    txHash: event.transaction.hash,
  });
  if (o)
    await context.db
      .update(order, { id: a.leaseId })
      .set({ state: "Leased", updatedAt: event.block.timestamp });
  // The winning bid has no BidClosed of its own: the lease is its outcome.
  const won = { orderId: a.leaseId, bidIndex: Number(a.bidIndex) };
  if (await context.db.find(bid, won)) await context.db.update(bid, won).set({ state: "Won" });
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ leases: row.leases + 1 }));
  await timeline(context.db, event, a.leaseId, "leased", {
    actor: a.provider,
    amount: a.pricePerSecond,
    detail: `bid ${a.bidIndex}`,
  });
  await activity(context.db, event, C, "LeaseCreated", [a.tenant, a.provider], a.leaseId);
  await bumpStats(context.db, event, {
    leases: 1,
    activeLeases: 1,
    openOrders: wasOpen ? -1 : 0,
  });
  await bumpHour(context.db, event, "leases");
});

ponder.on("ComputeMarket:LeaseSettled", async ({ event, context }) => {
  const a = event.args;
  const l = await context.db.find(lease, { id: a.leaseId });
  if (l)
    await context.db.update(lease, { id: a.leaseId }).set({
      accrued: l.accrued + a.accrued,
      escrowLeft: a.escrowLeft,
      settledAt: event.block.timestamp,
      escrowRunsOutAt: runsOutAt(event.block.timestamp, a.escrowLeft, l.pricePerSecond),
    });
  if (await context.db.find(order, { id: a.leaseId }))
    await context.db
      .update(order, { id: a.leaseId })
      .set({ escrow: a.escrowLeft, updatedAt: event.block.timestamp });
  await timeline(context.db, event, a.leaseId, "settled", {
    actor: a.provider,
    amount: a.accrued,
    detail: `escrow left ${a.escrowLeft}`,
  });
  await activity(context.db, event, C, "LeaseSettled", [a.provider], a.leaseId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:PaymentReleased", async ({ event, context }) => {
  const a = event.args;
  const l = await context.db.find(lease, { id: a.leaseId });
  if (l)
    await context.db
      .update(lease, { id: a.leaseId })
      .set({ paid: l.paid + a.net, fees: l.fees + a.fee });
  const o = await context.db.find(order, { id: a.leaseId });
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ earned: row.earned + a.net }));
  await context.db
    .insert(earning)
    .values({
      account: a.provider,
      token: o?.token ?? zeroAddress,
      source: "market",
      earned: a.net,
      withdrawn: 0n,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      earned: row.earned + a.net,
      updatedAt: event.block.timestamp,
    }));
  await timeline(context.db, event, a.leaseId, "paid", {
    actor: a.provider,
    amount: a.net,
    detail: `fee ${a.fee}`,
  });
  await activity(context.db, event, C, "PaymentReleased", [a.provider], a.leaseId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:ResultCommitted", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(lease, { id: a.leaseId }))
    await context.db
      .update(lease, { id: a.leaseId })
      .set({ state: "Committed", commitment: a.commitment });
  await timeline(context.db, event, a.leaseId, "committed", { actor: a.provider });
  await activity(context.db, event, C, "ResultCommitted", [a.provider], a.leaseId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:ResultSubmitted", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(lease, { id: a.leaseId }))
    await context.db.update(lease, { id: a.leaseId }).set({
      state: "ResultSubmitted",
      resultCid: a.resultCid,
      resultHash: a.resultHash,
      disputeEndsAt: a.disputeEndsAt,
    });
  await timeline(context.db, event, a.leaseId, "result", {
    actor: a.provider,
    detail: a.resultCid,
  });
  await activity(context.db, event, C, "ResultSubmitted", [a.provider], a.leaseId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:ResultDisputed", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(lease, { id: a.leaseId }))
    await context.db.update(lease, { id: a.leaseId }).set({ state: "Disputed" });
  await timeline(context.db, event, a.leaseId, "disputed", { actor: a.tenant });
  await activity(context.db, event, C, "ResultDisputed", [a.tenant], a.leaseId);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:ProviderSlashed", async ({ event, context }) => {
  const a = event.args;
  const amount = a.bidDeposit + a.stake;
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db.update(provider, { address: a.provider }).set((row) => ({
    slashed: row.slashed + 1,
    slashedAmount: row.slashedAmount + amount,
  }));
  await timeline(context.db, event, a.leaseId, "slashed", {
    actor: a.provider,
    amount,
    detail: `bid deposit ${a.bidDeposit}, stake ${a.stake}`,
  });
  await activity(context.db, event, C, "ProviderSlashed", [a.provider], a.leaseId);
  await bumpStats(context.db, event);
});

/** Timeline kind of a LeaseClosed reason. */
const closeKind: Record<string, string> = {
  ResultAccepted: "accepted",
  DisputeWon: "dispute_won",
  DisputeLost: "dispute_lost",
  DeadlineMissed: "expired",
  RevealMissed: "expired",
  InsufficientFunds: "insufficient_funds",
  TenantClosed: "closed",
  ProviderClosed: "closed",
};

ponder.on("ComputeMarket:LeaseClosed", async ({ event, context }) => {
  const a = event.args;
  const state = leaseStates[a.state] ?? `state ${a.state}`;
  const reason = closeReasons[a.reason] ?? `reason ${a.reason}`;
  const l = await context.db.find(lease, { id: a.leaseId });
  const wasOpen = l !== null && l.closedAt === null;
  if (l)
    await context.db.update(lease, { id: a.leaseId }).set({
      state,
      closeReason: reason,
      closedAt: event.block.timestamp,
      refund: a.refund,
      escrowLeft: 0n,
      escrowRunsOutAt: null,
    });
  if (await context.db.find(order, { id: a.leaseId }))
    await context.db
      .update(order, { id: a.leaseId })
      .set({ state: "Closed", escrow: 0n, updatedAt: event.block.timestamp });
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db.update(provider, { address: a.provider }).set((row) => ({
    completed: row.completed + (state === "Completed" ? 1 : 0),
    failed: row.failed + (state === "Failed" ? 1 : 0),
  }));
  await timeline(context.db, event, a.leaseId, closeKind[reason] ?? "closed", {
    actor: a.provider,
    amount: a.refund,
    detail: `${state} (${reason})`,
  });
  await activity(context.db, event, C, "LeaseClosed", [a.provider, l?.tenant], a.leaseId);
  await bumpStats(context.db, event, {
    activeLeases: wasOpen ? -1 : 0,
    completedLeases: state === "Completed" ? 1 : 0,
  });
});

ponder.on("ComputeMarket:EarningsWithdrawn", async ({ event, context }) => {
  const a = event.args;
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ withdrawn: row.withdrawn + a.amount }));
  await context.db
    .insert(earning)
    .values({
      account: a.provider,
      token: a.token,
      source: "market",
      earned: 0n,
      withdrawn: a.amount,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      withdrawn: row.withdrawn + a.amount,
      updatedAt: event.block.timestamp,
    }));
  await activity(context.db, event, C, "EarningsWithdrawn", [a.provider]);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:GroupRevealOpened", async ({ event, context }) => {
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:FeesSwept", async ({ event, context }) => {
  await activity(context.db, event, C, "FeesSwept", [event.args.treasury]);
  await bumpStats(context.db, event);
});

// ---------------------------------------------------------------- ProviderRegistry

/** Replaces the provider's attributes signed by `auditor` (zero address: self-declared). */
async function writeAttributes(
  db: Db,
  address: Hex,
  auditor: Hex,
  attributes: readonly { key: string; value: string }[],
): Promise<void> {
  await db.sql
    .delete(providerAttribute)
    .where(and(eq(providerAttribute.provider, address), eq(providerAttribute.auditor, auditor)));
  for (const { key, value } of attributes)
    await db
      .insert(providerAttribute)
      .values({ provider: address, auditor, key, value })
      .onConflictDoUpdate({ value });
}

async function registered(
  event: EventLike & { args: { provider: Hex; hostUri: string }; log: { address: Hex } },
  context: { db: Db; client: Context["client"] },
  isNew: boolean,
) {
  const a = event.args;
  const info = await context.client.readContract({
    abi: abis.ProviderRegistry,
    address: event.log.address,
    functionName: "getProvider",
    args: [a.provider],
  });
  const s = await context.db.find(stake, { account: a.provider, role: PROVIDER_ROLE });
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  const wasRegistered =
    (await context.db.find(provider, { address: a.provider }))?.registered === true;
  await context.db.update(provider, { address: a.provider }).set({
    hostUri: a.hostUri,
    registered: true,
    ...(isNew ? { registeredAt: event.block.timestamp } : {}),
    updatedAt: event.block.timestamp,
    stake: s?.staked ?? 0n,
    locked: s?.locked ?? 0n,
  });
  await writeAttributes(context.db, a.provider, zeroAddress, info.attributes);
  return wasRegistered;
}

ponder.on("ProviderRegistry:ProviderRegistered", async ({ event, context }) => {
  const was = await registered(event, context, true);
  await activity(context.db, event, "ProviderRegistry", "ProviderRegistered", [
    event.args.provider,
  ]);
  await bumpStats(context.db, event, { providers: was ? 0 : 1 });
});

ponder.on("ProviderRegistry:ProviderUpdated", async ({ event, context }) => {
  await registered(event, context, false);
  await activity(context.db, event, "ProviderRegistry", "ProviderUpdated", [event.args.provider]);
  await bumpStats(context.db, event);
});

ponder.on("ProviderRegistry:ProviderUnregistered", async ({ event, context }) => {
  const a = event.args;
  const p = await context.db.find(provider, { address: a.provider });
  const wasRegistered = p?.registered === true;
  if (p)
    await context.db
      .update(provider, { address: a.provider })
      .set({ registered: false, updatedAt: event.block.timestamp });
  await writeAttributes(context.db, a.provider, zeroAddress, []);
  await activity(context.db, event, "ProviderRegistry", "ProviderUnregistered", [a.provider]);
  await bumpStats(context.db, event, { providers: wasRegistered ? -1 : 0 });
});

ponder.on("ProviderRegistry:AttributesSigned", async ({ event, context }) => {
  const a = event.args;
  const attributes = await context.client.readContract({
    abi: abis.ProviderRegistry,
    address: event.log.address,
    functionName: "signedAttributes",
    args: [a.provider, a.auditor],
  });
  await writeAttributes(context.db, a.provider, a.auditor, attributes);
  await activity(context.db, event, "ProviderRegistry", "AttributesSigned", [
    a.provider,
    a.auditor,
  ]);
  await bumpStats(context.db, event);
});

ponder.on("ProviderRegistry:AttributesRevoked", async ({ event, context }) => {
  const a = event.args;
  await writeAttributes(context.db, a.provider, a.auditor, []);
  await activity(context.db, event, "ProviderRegistry", "AttributesRevoked", [
    a.provider,
    a.auditor,
  ]);
  await bumpStats(context.db, event);
});
