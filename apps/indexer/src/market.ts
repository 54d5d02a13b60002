// ComputeMarket + ProviderRegistry: orders, bids (every BidCreated; the best one flagged), leases,
// their timeline, market balances (accounts), provider totals.

import { type Context, ponder } from "ponder:registry";
import {
  bid,
  lease,
  leaseEvent,
  marketAccount,
  order,
  provider,
  providerAttribute,
  stake,
} from "ponder:schema";
import { abis, closeReasons, leaseStates, PROVIDER_ROLE } from "@noosphere/sdk";
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
      stakeReleased: 0n,
    })
    .onConflictDoNothing();
}

type Flow = "funded" | "credited" | "spent" | "withdrawn";

/** Books `amount` of `flow` on the account's market balance (`market_account`). */
async function book(
  db: Db,
  event: EventLike,
  account: Hex,
  token: Hex,
  flow: Flow,
  amount: bigint,
): Promise<void> {
  const add = (f: Flow) => (f === flow ? amount : 0n);
  const delta = flow === "funded" || flow === "credited" ? amount : -amount;
  await db
    .insert(marketAccount)
    .values({
      account,
      token,
      balance: delta,
      funded: add("funded"),
      credited: add("credited"),
      spent: add("spent"),
      withdrawn: add("withdrawn"),
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      balance: row.balance + delta,
      funded: row.funded + add("funded"),
      credited: row.credited + add("credited"),
      spent: row.spent + add("spent"),
      withdrawn: row.withdrawn + add("withdrawn"),
      updatedAt: event.block.timestamp,
    }));
}

/**
 * An order or a top-up takes its escrow from the payer's balance first (the rest by transfer); the
 * event does not say how much, so the balance is read from the chain at the event's block (as of
 * that block's end: exact unless the same block moves the same balance again later).
 */
async function spentFromBalance(
  event: EventLike & { log: { address: Hex } },
  context: { db: Db; client: Context["client"] },
  account: Hex,
  token: Hex,
): Promise<void> {
  const row = await context.db.find(marketAccount, { account, token });
  if (!row || row.balance === 0n) return; // nothing to take from: no read
  const now = await context.client.readContract({
    abi: abis.ComputeMarket,
    address: event.log.address,
    functionName: "balanceOf",
    args: [account, token],
  });
  if (now < row.balance) await book(context.db, event, account, token, "spent", row.balance - now);
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
    bestBidder: null,
    bestPricePerSecond: null,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    txHash: event.transaction.hash,
    updatedAt: event.block.timestamp,
  });
  await spentFromBalance(event, context, a.tenant, a.token);
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
  if (o) await spentFromBalance(event, context, a.from, o.token);
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
  if (o && a.refund > 0n) await book(context.db, event, a.tenant, o.token, "credited", a.refund);
  // A closed order's best bid stays "Best": it was never leased.
  await timeline(context.db, event, a.orderId, "canceled", { actor: a.tenant, amount: a.refund });
  await activity(context.db, event, C, "OrderCanceled", [a.tenant], a.orderId);
  await bumpStats(context.db, event, { openOrders: wasOpen ? -1 : 0 });
});

ponder.on("ComputeMarket:BidCreated", async ({ event, context }) => {
  const a = event.args;
  const o = await context.db.find(order, { id: a.orderId });
  const seq = o?.bidCount ?? 0;
  // The bid it replaces (the order's best so far) is outbid.
  if (seq > 0) {
    const prev = { orderId: a.orderId, seq: seq - 1 };
    if (await context.db.find(bid, prev))
      await context.db.update(bid, prev).set({
        best: false,
        state: "Outbid",
        outbidBy: a.provider,
        outbidAt: event.block.timestamp,
      });
  }
  await context.db.insert(bid).values({
    orderId: a.orderId,
    seq,
    provider: a.provider,
    pricePerSecond: a.pricePerSecond,
    outbid: a.outbid === zeroAddress ? null : a.outbid,
    best: true,
    state: "Best",
    outbidBy: null,
    outbidAt: null,
    createdAt: event.block.timestamp,
    blockNumber: event.block.number,
    txHash: event.transaction.hash,
  });
  if (o)
    await context.db.update(order, { id: a.orderId }).set({
      bidCount: seq + 1,
      bestBidder: a.provider,
      bestPricePerSecond: a.pricePerSecond,
      updatedAt: event.block.timestamp,
    });
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ bids: row.bids + 1, lastPricePerSecond: a.pricePerSecond }));
  await timeline(context.db, event, a.orderId, "bid", {
    actor: a.provider,
    amount: a.pricePerSecond,
    detail: a.outbid === zeroAddress ? "first bid" : `outbid ${a.outbid}`,
  });
  await activity(
    context.db,
    event,
    C,
    "BidCreated",
    a.outbid === zeroAddress ? [a.provider] : [a.provider, a.outbid],
    a.orderId,
  );
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
    slashed: 0n,
    txHash: event.transaction.hash,
  });
  if (o)
    await context.db
      .update(order, { id: a.leaseId })
      .set({ state: "Leased", updatedAt: event.block.timestamp });
  // The lease goes to the order's best bid (its last).
  if (o && o.bidCount > 0) {
    const won = { orderId: a.leaseId, seq: o.bidCount - 1 };
    if (await context.db.find(bid, won)) await context.db.update(bid, won).set({ state: "Won" });
  }
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ leases: row.leases + 1 }));
  await timeline(context.db, event, a.leaseId, "leased", {
    actor: a.provider,
    amount: a.pricePerSecond,
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
  if (o && a.net > 0n) await book(context.db, event, a.provider, o.token, "credited", a.net);
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
  // The provider's slashed / slashedAmount count Staking's Slashed event (staking.ts): the market
  // slashes nothing else (no bid deposits), so counting this one too would count it twice.
  if (await context.db.find(lease, { id: a.leaseId }))
    await context.db
      .update(lease, { id: a.leaseId })
      .set((row) => ({ slashed: row.slashed + a.stake }));
  await timeline(context.db, event, a.leaseId, "slashed", {
    actor: a.provider,
    amount: a.stake,
    detail: `stake ${a.stake}`,
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
  const o = await context.db.find(order, { id: a.leaseId });
  if (o) {
    const tenant = l?.tenant ?? o.tenant;
    const token = o.token;
    await context.db
      .update(order, { id: a.leaseId })
      .set({ state: "Closed", escrow: 0n, updatedAt: event.block.timestamp });
    if (a.refund > 0n) await book(context.db, event, tenant, token, "credited", a.refund);
  }
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

ponder.on("ComputeMarket:AccountFunded", async ({ event, context }) => {
  const a = event.args;
  await book(context.db, event, a.account, a.token, "funded", a.amount);
  await activity(context.db, event, C, "AccountFunded", [a.account]);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:Withdrawn", async ({ event, context }) => {
  const a = event.args;
  await book(context.db, event, a.account, a.token, "withdrawn", a.amount);
  // The whole balance was paid out: whatever the arithmetic says, it is 0 now.
  await context.db
    .update(marketAccount, { account: a.account, token: a.token })
    .set({ balance: 0n });
  if (await context.db.find(provider, { address: a.account }))
    await context.db
      .update(provider, { address: a.account })
      .set((row) => ({ withdrawn: row.withdrawn + a.amount }));
  await activity(context.db, event, C, "Withdrawn", [a.account]);
  await bumpStats(context.db, event);
});

ponder.on("ComputeMarket:StakeReleased", async ({ event, context }) => {
  const a = event.args;
  await ensureProvider(context.db, a.provider, event.block.timestamp);
  await context.db
    .update(provider, { address: a.provider })
    .set((row) => ({ stakeReleased: row.stakeReleased + a.amount }));
  await activity(context.db, event, C, "StakeReleased", [a.provider]);
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
