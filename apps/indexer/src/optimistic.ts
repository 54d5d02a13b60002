// OptimisticVerifier: bonded result claims on leases and their bisection dispute games. The game's
// state after each move is read from the contract (getGame) at the move's block.
import { ponder } from "ponder:registry";
import { claim, disputeGame, leaseEvent } from "ponder:schema";
import { abis, claimStatuses, gamePhases, gameResolutions } from "@noosphere/sdk";
import type { Address, Hex } from "viem";
import { activity, bumpStats, type Context, type EventLike } from "./common.ts";

const C = "OptimisticVerifier";
const resolutions = gameResolutions;

type Ctx = Pick<Context, "db" | "client">;
type Ev = EventLike & { log: { address: Address } };

async function syncClaim(context: Ctx, event: Ev, id: bigint): Promise<void> {
  const c = await context.client.readContract({
    abi: abis.OptimisticVerifier,
    address: event.log.address,
    functionName: "getClaim",
    args: [id],
  });
  const values = {
    leaseId: c.leaseId,
    asserter: c.asserter,
    status: claimStatuses[c.status] ?? `status ${c.status}`,
    windowEnds: c.windowEnds,
    openGames: c.openGames,
    specHash: c.specHash,
    finalState: c.finalState,
    resultHash: c.resultHash,
    bond: c.bond,
    numTransitions: c.numTransitions,
    updatedAt: event.block.timestamp,
  };
  await context.db
    .insert(claim)
    .values({ id, ...values, createdAt: event.block.timestamp, txHash: event.transaction.hash })
    .onConflictDoUpdate(values);
}

async function syncGame(context: Ctx, event: Ev, id: bigint, move: string): Promise<void> {
  const g = await context.client.readContract({
    abi: abis.OptimisticVerifier,
    address: event.log.address,
    functionName: "getGame",
    args: [id],
  });
  const values = {
    claimId: g.claimId,
    challenger: g.challenger,
    phase: gamePhases[g.phase] ?? `phase ${g.phase}`,
    winner: /^0x0{40}$/.test(g.winner) ? null : g.winner,
    resolution: resolutions[g.resolution] ?? `resolution ${g.resolution}`,
    deadline: g.deadline,
    lo: g.lo,
    hi: g.hi,
    op: g.op,
    element: g.element,
    challengerFinal: g.challengerFinal,
    bond: g.bond,
    lastMove: move,
    updatedAt: event.block.timestamp,
  };
  await context.db
    .insert(disputeGame)
    .values({
      id,
      ...values,
      moves: 1,
      createdAt: event.block.timestamp,
      txHash: event.transaction.hash,
    })
    .onConflictDoUpdate((row) => ({ ...values, moves: row.moves + 1 }));
}

async function timeline(context: Ctx, event: Ev, leaseId: bigint, kind: string, actor?: Hex) {
  await context.db.insert(leaseEvent).values({
    id: event.id,
    orderId: leaseId,
    kind,
    actor: actor ?? null,
    amount: null,
    detail: null,
    blockNumber: event.block.number,
    logIndex: event.log.logIndex,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
}

ponder.on("OptimisticVerifier:ClaimPosted", async ({ event, context }) => {
  const a = event.args;
  await syncClaim(context, event, a.claimId);
  await timeline(context, event, a.leaseId, "claim_posted", a.asserter);
  await activity(context.db, event, C, "ClaimPosted", [a.asserter], a.leaseId);
  await bumpStats(context.db, event);
});

ponder.on("OptimisticVerifier:ClaimChallenged", async ({ event, context }) => {
  const a = event.args;
  await syncClaim(context, event, a.claimId);
  await syncGame(context, event, a.gameId, "ClaimChallenged");
  const c = await context.db.find(claim, { id: a.claimId });
  if (c) await timeline(context, event, c.leaseId, "challenged", a.challenger);
  await activity(context.db, event, C, "ClaimChallenged", [a.challenger], a.claimId);
  await bumpStats(context.db, event);
});

for (const name of ["ClaimFinalized", "ClaimRejected"] as const) {
  ponder.on(`OptimisticVerifier:${name}`, async ({ event, context }) => {
    const a = event.args;
    await syncClaim(context, event, a.claimId);
    await timeline(
      context,
      event,
      a.leaseId,
      name === "ClaimFinalized" ? "claim_finalized" : "claim_rejected",
    );
    await bumpStats(context.db, event);
  });
}

for (const name of [
  "IntervalChosen",
  "StatesBisected",
  "TracePosted",
  "ElementPicked",
  "BondBurned",
] as const) {
  ponder.on(`OptimisticVerifier:${name}`, async ({ event, context }) => {
    await syncGame(context, event, event.args.gameId, name);
    await bumpStats(context.db, event);
  });
}

ponder.on("OptimisticVerifier:GameResolved", async ({ event, context }) => {
  const a = event.args;
  await syncGame(context, event, a.gameId, "GameResolved");
  await syncClaim(context, event, a.claimId);
  await activity(context.db, event, C, "GameResolved", [a.winner], a.claimId);
  await bumpStats(context.db, event);
});

ponder.on("OptimisticVerifier:UnclaimedResolved", async ({ event, context }) => {
  await timeline(context, event, event.args.leaseId, "unclaimed_resolved");
  await bumpStats(context.db, event);
});
