// Staking (stakes, unbonding, slashes), NoosToken balances.

import { ponder } from "ponder:registry";
import { provider, stake, tokenBalance, unbonding } from "ponder:schema";
import { abis, COPROCESSOR_ROLE, PROVIDER_ROLE } from "@noosphere/sdk";
import { and, eq, lte } from "ponder";
import { type Hex, zeroAddress } from "viem";
import { activity, bumpStats, type Db, type EventLike } from "./common.ts";

const C = "Staking";

/** Known role names; subnet roles are "subnet" (their hash depends on the netuid). */
export function roleName(role: Hex): string {
  if (role === PROVIDER_ROLE) return "PROVIDER";
  if (role === COPROCESSOR_ROLE) return "COPROCESSOR";
  return "other";
}

type StakeDelta = {
  staked?: bigint;
  locked?: bigint;
  unbonding?: bigint;
  slashed?: bigint;
  withdrawn?: bigint;
};

async function applyStake(
  db: Db,
  event: EventLike,
  account: Hex,
  role: Hex,
  d: StakeDelta,
): Promise<void> {
  const row = await db
    .insert(stake)
    .values({
      account,
      role,
      roleName: roleName(role),
      staked: d.staked ?? 0n,
      locked: d.locked ?? 0n,
      unbonding: d.unbonding ?? 0n,
      slashed: d.slashed ?? 0n,
      withdrawn: d.withdrawn ?? 0n,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((r) => ({
      staked: r.staked + (d.staked ?? 0n),
      locked: r.locked + (d.locked ?? 0n),
      unbonding: r.unbonding + (d.unbonding ?? 0n),
      slashed: r.slashed + (d.slashed ?? 0n),
      withdrawn: r.withdrawn + (d.withdrawn ?? 0n),
      updatedAt: event.block.timestamp,
    }));
  if (role === PROVIDER_ROLE && (await db.find(provider, { address: account })))
    await db.update(provider, { address: account }).set({ stake: row.staked, locked: row.locked });
}

ponder.on("Staking:Staked", async ({ event, context }) => {
  const a = event.args;
  await applyStake(context.db, event, a.account, a.role, { staked: a.amount });
  await activity(context.db, event, C, "Staked", [a.account]);
  await bumpStats(context.db, event, { noosStaked: a.amount });
});

ponder.on("Staking:UnstakeRequested", async ({ event, context }) => {
  const a = event.args;
  await applyStake(context.db, event, a.account, a.role, {
    staked: -a.amount,
    unbonding: a.amount,
  });
  await context.db.insert(unbonding).values({
    id: event.id,
    account: a.account,
    role: a.role,
    amount: a.amount,
    releaseAt: a.releaseAt,
    withdrawn: false,
    requestedAt: event.block.timestamp,
  });
  await activity(context.db, event, C, "UnstakeRequested", [a.account]);
  await bumpStats(context.db, event, { noosStaked: -a.amount });
});

ponder.on("Staking:Withdrawn", async ({ event, context }) => {
  const a = event.args;
  await applyStake(context.db, event, a.account, a.role, {
    unbonding: -a.amount,
    withdrawn: a.amount,
  });
  await context.db.sql
    .update(unbonding)
    .set({ withdrawn: true })
    .where(
      and(
        eq(unbonding.account, a.account),
        eq(unbonding.role, a.role),
        lte(unbonding.releaseAt, event.block.timestamp),
      ),
    );
  await activity(context.db, event, C, "Withdrawn", [a.account]);
  await bumpStats(context.db, event);
});

ponder.on("Staking:StakeLocked", async ({ event, context }) => {
  const a = event.args;
  await applyStake(context.db, event, a.account, a.role, { locked: a.amount });
  await bumpStats(context.db, event);
});

ponder.on("Staking:StakeUnlocked", async ({ event, context }) => {
  const a = event.args;
  await applyStake(context.db, event, a.account, a.role, { locked: -a.amount });
  await bumpStats(context.db, event);
});

ponder.on("Staking:Slashed", async ({ event, context }) => {
  const a = event.args;
  // A slash takes from the stake first, then from the newest unbonding entries, and keeps
  // locked <= staked: read the three balances as they are after the slash.
  const read = (functionName: "stakeOf" | "lockedOf" | "unbondingOf") =>
    context.client.readContract({
      abi: abis.Staking,
      address: event.log.address,
      functionName,
      args: [a.account, a.role],
    });
  const [staked, locked, unbondingTotal] = await Promise.all([
    read("stakeOf"),
    read("lockedOf"),
    read("unbondingOf"),
  ]);
  const before = await context.db.find(stake, { account: a.account, role: a.role });
  const stakedDelta = staked - (before?.staked ?? 0n);
  await applyStake(context.db, event, a.account, a.role, {
    staked: stakedDelta,
    locked: locked - (before?.locked ?? 0n),
    unbonding: unbondingTotal - (before?.unbonding ?? 0n),
    slashed: a.amount,
  });
  if (a.role === PROVIDER_ROLE && (await context.db.find(provider, { address: a.account })))
    await context.db.update(provider, { address: a.account }).set((row) => ({
      slashed: row.slashed + 1,
      slashedAmount: row.slashedAmount + a.amount,
    }));
  await activity(context.db, event, C, "Slashed", [a.account, a.slasher, a.reporter]);
  await bumpStats(context.db, event, {
    noosStaked: stakedDelta,
  });
});

async function addBalance(db: Db, account: Hex, delta: bigint): Promise<void> {
  if (account === zeroAddress) return;
  await db
    .insert(tokenBalance)
    .values({ account, balance: delta })
    .onConflictDoUpdate((r) => ({ balance: r.balance + delta }));
}

ponder.on("NoosToken:Transfer", async ({ event, context }) => {
  const a = event.args;
  await addBalance(context.db, a.from, -a.value);
  await addBalance(context.db, a.to, a.value);
  await bumpStats(context.db, event);
});
