// PaymentChannels (x402 pay-per-call) and the data asset contracts (DataNFTFactory, DataNFT and
// Datatoken clones found through the factory's events).
import { ponder } from "ponder:registry";
import { channel, dataAsset, datatoken, earning } from "ponder:schema";
import { abis } from "@noosphere/sdk";
import type { Hex } from "viem";
import { activity, bumpStats, type Context, type EventLike } from "./common.ts";

const C = "PaymentChannels";

/** Balance and claimed total as the contract holds them after the event. */
async function syncChannel(
  context: Pick<Context, "db" | "client">,
  event: EventLike & { log: { address: Hex } },
  id: Hex,
): Promise<void> {
  if (!(await context.db.find(channel, { id }))) return;
  const [state, withdrawal] = await Promise.all([
    context.client.readContract({
      abi: abis.PaymentChannels,
      address: event.log.address,
      functionName: "getChannel",
      args: [id],
    }),
    context.client.readContract({
      abi: abis.PaymentChannels,
      address: event.log.address,
      functionName: "getWithdrawal",
      args: [id],
    }),
  ]);
  await context.db.update(channel, { id }).set({
    balance: state.balance,
    totalClaimed: state.totalClaimed,
    withdrawPending: withdrawal.amount === 0n ? null : withdrawal.amount,
  });
}

ponder.on("PaymentChannels:ChannelCreated", async ({ event, context }) => {
  const { channelId, config } = event.args;
  await context.db.insert(channel).values({
    id: channelId,
    payer: config.payer,
    receiver: config.receiver,
    token: config.token,
    withdrawDelay: config.withdrawDelay,
    balance: 0n,
    totalClaimed: 0n,
    refunded: 0n,
    withdrawPending: null,
    withdrawFinalizeAfter: null,
    createdAt: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  await activity(
    context.db,
    event,
    C,
    "ChannelCreated",
    [config.payer, config.receiver],
    channelId,
  );
  await bumpStats(context.db, event, { channels: 1 });
});

ponder.on("PaymentChannels:Deposited", async ({ event, context }) => {
  const a = event.args;
  await syncChannel(context, event, a.channelId);
  await activity(context.db, event, C, "Deposited", [a.sender], a.channelId);
  await bumpStats(context.db, event);
});

ponder.on("PaymentChannels:Claimed", async ({ event, context }) => {
  const a = event.args;
  await syncChannel(context, event, a.channelId);
  await activity(context.db, event, C, "Claimed", [a.receiver], a.channelId);
  await bumpStats(context.db, event);
});

ponder.on("PaymentChannels:Refunded", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(channel, { id: a.channelId }))
    await context.db
      .update(channel, { id: a.channelId })
      .set((row) => ({ refunded: row.refunded + a.amount }));
  await syncChannel(context, event, a.channelId);
  await activity(context.db, event, C, "Refunded", [a.sender], a.channelId);
  await bumpStats(context.db, event);
});

ponder.on("PaymentChannels:WithdrawInitiated", async ({ event, context }) => {
  const a = event.args;
  await syncChannel(context, event, a.channelId);
  if (await context.db.find(channel, { id: a.channelId }))
    await context.db
      .update(channel, { id: a.channelId })
      .set({ withdrawFinalizeAfter: BigInt(a.finalizeAfter) });
  await bumpStats(context.db, event);
});

ponder.on("PaymentChannels:WithdrawFinalized", async ({ event, context }) => {
  const a = event.args;
  await syncChannel(context, event, a.channelId);
  if (await context.db.find(channel, { id: a.channelId }))
    await context.db
      .update(channel, { id: a.channelId })
      .set((row) => ({ refunded: row.refunded + a.amount, withdrawFinalizeAfter: null }));
  await activity(context.db, event, C, "WithdrawFinalized", [a.sender], a.channelId);
  await bumpStats(context.db, event);
});

ponder.on("PaymentChannels:Settled", async ({ event, context }) => {
  const a = event.args;
  await context.db
    .insert(earning)
    .values({
      account: a.receiver,
      token: a.token,
      source: "channel",
      earned: a.amount,
      withdrawn: a.amount,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      earned: row.earned + a.amount,
      withdrawn: row.withdrawn + a.amount,
      updatedAt: event.block.timestamp,
    }));
  await activity(context.db, event, C, "Settled", [a.receiver, a.sender]);
  await bumpStats(context.db, event);
});

// ---------------------------------------------------------------- data assets

ponder.on("DataNFTFactory:DataNFTCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(dataAsset).values({
    nft: a.nft,
    did: a.did,
    owner: a.owner,
    name: a.name,
    symbol: a.symbol,
    metadataCid: null,
    metadataHash: null,
    metadataState: null,
    datatokens: 0,
    orders: 0,
    createdAt: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  await activity(context.db, event, "DataNFTFactory", "DataNFTCreated", [a.owner], a.did);
  await bumpStats(context.db, event, { dataAssets: 1 });
});

ponder.on("DataNFTFactory:DatatokenCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(datatoken).values({
    address: a.datatoken,
    nft: a.nft,
    name: a.name,
    symbol: a.symbol,
    cap: a.cap,
    orders: 0,
    createdAt: event.block.timestamp,
  });
  if (await context.db.find(dataAsset, { nft: a.nft }))
    await context.db
      .update(dataAsset, { nft: a.nft })
      .set((row) => ({ datatokens: row.datatokens + 1 }));
  await bumpStats(context.db, event);
});

for (const name of ["MetadataCreated", "MetadataUpdated"] as const) {
  ponder.on(`DataNFT:${name}`, async ({ event, context }) => {
    const a = event.args;
    const nft = event.log.address.toLowerCase() as Hex;
    if (await context.db.find(dataAsset, { nft }))
      await context.db.update(dataAsset, { nft }).set({
        metadataCid: a.metadataCid,
        metadataHash: a.metadataHash,
        metadataState: a.state,
      });
    await activity(context.db, event, "DataNFT", name, [a.updater], nft);
    await bumpStats(context.db, event);
  });
}

ponder.on("DataNFT:MetadataStateUpdated", async ({ event, context }) => {
  const nft = event.log.address.toLowerCase() as Hex;
  if (await context.db.find(dataAsset, { nft }))
    await context.db.update(dataAsset, { nft }).set({ metadataState: event.args.state });
  await bumpStats(context.db, event);
});

ponder.on("DataNFT:Transfer", async ({ event, context }) => {
  const nft = event.log.address.toLowerCase() as Hex;
  if (await context.db.find(dataAsset, { nft }))
    await context.db.update(dataAsset, { nft }).set({ owner: event.args.to });
  await bumpStats(context.db, event);
});

ponder.on("Datatoken:OrderStarted", async ({ event, context }) => {
  const a = event.args;
  const address = event.log.address.toLowerCase() as Hex;
  const dt = await context.db.find(datatoken, { address });
  if (dt) {
    await context.db.update(datatoken, { address }).set({ orders: dt.orders + 1 });
    if (await context.db.find(dataAsset, { nft: dt.nft }))
      await context.db
        .update(dataAsset, { nft: dt.nft })
        .set((row) => ({ orders: row.orders + 1 }));
  }
  await activity(context.db, event, "Datatoken", "OrderStarted", [a.consumer, a.payer], address);
  await bumpStats(context.db, event);
});
