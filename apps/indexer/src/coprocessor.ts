// CoprocessorCoordinator: requests, interval outcomes, deliveries, node earnings.
import { ponder } from "ponder:registry";
import { coprocessorDelivery, coprocessorRequest, earning } from "ponder:schema";
import { abis } from "@noosphere/sdk";
import type { Hex } from "viem";
import { activity, bumpHour, bumpStats, type Db } from "./common.ts";

const C = "CoprocessorCoordinator";
const verifications = ["None", "Redundant", "Zk", "Optimistic"] as const;

async function setStatus(
  db: Db,
  id: bigint,
  ts: bigint,
  fields: Partial<typeof coprocessorRequest.$inferInsert>,
): Promise<void> {
  if (await db.find(coprocessorRequest, { id }))
    await db.update(coprocessorRequest, { id }).set({ ...fields, updatedAt: ts });
}

ponder.on("CoprocessorCoordinator:RequestCreated", async ({ event, context }) => {
  const { requestId, owner, modelId, request: r, input } = event.args;
  await context.db.insert(coprocessorRequest).values({
    id: requestId,
    owner,
    modelId,
    inputHash: r.inputHash,
    inputCid: input.cid === "" ? null : input.cid,
    verification: verifications[r.verification] ?? `verification ${r.verification}`,
    redundancy: r.redundancy,
    paymentToken: r.paymentToken,
    feeCap: r.feeCap,
    period: r.period,
    frequency: r.frequency,
    status: "Pending",
    intervals: 0,
    deliveries: 0,
    lastOutputHash: null,
    verified: null,
    callbackSucceeded: null,
    nodeFees: 0n,
    refunded: 0n,
    createdAt: event.block.timestamp,
    updatedAt: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  await activity(context.db, event, C, "RequestCreated", [owner], requestId);
  await bumpStats(context.db, event, { coprocessorRequests: 1 });
  await bumpHour(context.db, event, "requests");
});

ponder.on("CoprocessorCoordinator:IntervalOpened", async ({ event, context }) => {
  const a = event.args;
  await setStatus(context.db, a.requestId, event.block.timestamp, {
    status: "Pending",
    intervals: a.interval,
  });
  await bumpStats(context.db, event);
});

ponder.on("CoprocessorCoordinator:OutputDelivered", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(coprocessorDelivery).values({
    id: event.id,
    requestId: a.requestId,
    interval: a.interval,
    node: a.node,
    outputHash: a.outputHash,
    outputCid: a.output.cid === "" ? null : a.output.cid,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  if (await context.db.find(coprocessorRequest, { id: a.requestId }))
    await context.db
      .update(coprocessorRequest, { id: a.requestId })
      .set((row) => ({ deliveries: row.deliveries + 1, updatedAt: event.block.timestamp }));
  await activity(context.db, event, C, "OutputDelivered", [a.node], a.requestId);
  await bumpStats(context.db, event);
});

ponder.on("CoprocessorCoordinator:RequestFulfilled", async ({ event, context }) => {
  const a = event.args;
  const r = await context.db.find(coprocessorRequest, { id: a.requestId });
  if (r)
    await context.db.update(coprocessorRequest, { id: a.requestId }).set({
      status: "Delivered",
      lastOutputHash: a.outputHash,
      verified: a.verified,
      callbackSucceeded: a.callbackSucceeded,
      nodeFees: r.nodeFees + a.nodeFee,
      updatedAt: event.block.timestamp,
    });
  // Node earnings: what each delivering node can withdraw now, plus what it withdrew before.
  if (r) {
    const [nodes] = await context.client.readContract({
      abi: abis.CoprocessorCoordinator,
      address: event.log.address,
      functionName: "getDeliveries",
      args: [a.requestId, a.interval],
    });
    for (const node of new Set(nodes.map((n) => n.toLowerCase() as Hex))) {
      const balance = await context.client.readContract({
        abi: abis.CoprocessorCoordinator,
        address: event.log.address,
        functionName: "earningsOf",
        args: [node, r.paymentToken],
      });
      await context.db
        .insert(earning)
        .values({
          account: node,
          token: r.paymentToken,
          source: "coprocessor",
          earned: balance,
          withdrawn: 0n,
          updatedAt: event.block.timestamp,
        })
        .onConflictDoUpdate((row) => ({
          earned: balance + row.withdrawn,
          updatedAt: event.block.timestamp,
        }));
    }
  }
  await bumpStats(context.db, event);
});

ponder.on("CoprocessorCoordinator:RequestDisputed", async ({ event, context }) => {
  const a = event.args;
  await setStatus(context.db, a.requestId, event.block.timestamp, { status: "Disputed" });
  await activity(context.db, event, C, "RequestDisputed", [...a.slashed], a.requestId);
  await bumpStats(context.db, event);
});

ponder.on("CoprocessorCoordinator:RequestRefunded", async ({ event, context }) => {
  const a = event.args;
  const r = await context.db.find(coprocessorRequest, { id: a.requestId });
  if (r)
    await context.db.update(coprocessorRequest, { id: a.requestId }).set({
      status: "Refunded",
      refunded: r.refunded + a.amount,
      updatedAt: event.block.timestamp,
    });
  await bumpStats(context.db, event);
});

ponder.on("CoprocessorCoordinator:SubscriptionCanceled", async ({ event, context }) => {
  await setStatus(context.db, event.args.requestId, event.block.timestamp, { status: "Canceled" });
  await bumpStats(context.db, event);
});

ponder.on("CoprocessorCoordinator:EarningsWithdrawn", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(earning)
    .values({
      account: a.node,
      token: a.token,
      source: "coprocessor",
      earned: a.amount,
      withdrawn: a.amount,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      withdrawn: row.withdrawn + a.amount,
      updatedAt: event.block.timestamp,
    }));
  await activity(context.db, event, C, "EarningsWithdrawn", [a.node]);
  await bumpStats(context.db, event);
});

for (const name of ["EscrowDeposited", "EscrowWithdrawn"] as const) {
  ponder.on(`CoprocessorCoordinator:${name}`, async ({ event, context }) => {
    await activity(context.db, event, C, name, [event.args.account]);
    await bumpStats(context.db, event);
  });
}

ponder.on("CoprocessorCoordinator:NodeFeeSet", async ({ event, context }) => {
  await activity(context.db, event, C, "NodeFeeSet", [event.args.node], event.args.modelId);
  await bumpStats(context.db, event);
});
