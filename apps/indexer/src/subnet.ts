// SubnetRegistry: subnets, neurons, per-epoch Yuma terms and weights (read at the epoch's block).
import { ponder } from "ponder:registry";
import { earning, epoch, epochSummary, neuron, subnet, weight } from "ponder:schema";
import { abis } from "@noosphere/sdk";
import { activity, bumpStats, jsonSafe } from "./common.ts";

const C = "SubnetRegistry";

ponder.on("SubnetRegistry:SubnetCreated", async ({ event, context }) => {
  const a = event.args;
  const info = await context.client.readContract({
    abi: abis.SubnetRegistry,
    address: event.log.address,
    functionName: "getSubnet",
    args: [a.netuid],
  });
  // A netuid reused after dissolution starts over: the same row, fresh.
  const row = {
    owner: a.owner,
    locked: a.locked,
    dissolved: false,
    neurons: 0,
    epochs: 0,
    lastEpochIndex: null,
    totalEmission: 0n,
    hyperparams: jsonSafe(info.hyperparams),
    protocol: jsonSafe(info.protocol),
    createdAt: event.block.timestamp,
    txHash: event.transaction.hash,
  };
  await context.db
    .insert(subnet)
    .values({ netuid: a.netuid, ...row })
    .onConflictDoUpdate(row);
  await activity(context.db, event, C, "SubnetCreated", [a.owner], a.netuid);
  await bumpStats(context.db, event, { subnets: 1 });
});

ponder.on("SubnetRegistry:HyperparamsUpdated", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(subnet, { netuid: a.netuid }))
    await context.db
      .update(subnet, { netuid: a.netuid })
      .set({ hyperparams: jsonSafe(a.hyperparams) });
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:ProtocolHyperparamsUpdated", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(subnet, { netuid: a.netuid }))
    await context.db.update(subnet, { netuid: a.netuid }).set({ protocol: jsonSafe(a.protocol) });
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:SubnetDissolved", async ({ event, context }) => {
  const a = event.args;
  const s = await context.db.find(subnet, { netuid: a.netuid });
  const wasLive = s !== null && !s.dissolved;
  if (s) await context.db.update(subnet, { netuid: a.netuid }).set({ dissolved: true });
  await activity(context.db, event, C, "SubnetDissolved", [a.owner], a.netuid);
  await bumpStats(context.db, event, { subnets: wasLive ? -1 : 0 });
});

ponder.on("SubnetRegistry:NeuronRegistered", async ({ event, context }) => {
  const a = event.args;
  const key = { netuid: a.netuid, uid: a.uid };
  const wasActive = (await context.db.find(neuron, key))?.active === true;
  const fresh = {
    hotkey: a.hotkey,
    active: true,
    endpoint: null,
    registeredAt: event.block.timestamp,
    fee: a.fee,
    stake: 0n,
    incentive: 0,
    dividends: 0,
    consensus: 0,
    trust: 0,
    totalEmission: 0n,
    lastWeightsAt: null,
  };
  await context.db
    .insert(neuron)
    .values({ ...key, ...fresh })
    .onConflictDoUpdate(fresh);
  if (!wasActive && (await context.db.find(subnet, { netuid: a.netuid })))
    await context.db
      .update(subnet, { netuid: a.netuid })
      .set((row) => ({ neurons: row.neurons + 1 }));
  await activity(context.db, event, C, "NeuronRegistered", [a.hotkey, a.replaced], a.netuid);
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:NeuronDeregistered", async ({ event, context }) => {
  const a = event.args;
  const key = { netuid: a.netuid, uid: a.uid };
  const before = await context.db.find(neuron, key);
  const wasActive = before?.active === true;
  if (before) await context.db.update(neuron, key).set({ active: false });
  if (wasActive && (await context.db.find(subnet, { netuid: a.netuid })))
    await context.db
      .update(subnet, { netuid: a.netuid })
      .set((row) => ({ neurons: row.neurons - 1 }));
  await activity(context.db, event, C, "NeuronDeregistered", [a.hotkey], a.netuid);
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:EndpointSet", async ({ event, context }) => {
  const a = event.args;
  const key = { netuid: a.netuid, uid: a.uid };
  if (await context.db.find(neuron, key))
    await context.db.update(neuron, key).set({ endpoint: a.endpoint });
  await bumpStats(context.db, event);
});

for (const name of ["WeightsSet", "WeightsRevealed"] as const) {
  ponder.on(`SubnetRegistry:${name}`, async ({ event, context }) => {
    const a = event.args;
    const key = { netuid: a.netuid, uid: a.uid };
    if (await context.db.find(neuron, key))
      await context.db.update(neuron, key).set({ lastWeightsAt: event.block.timestamp });
    await activity(context.db, event, C, name, [a.hotkey], a.netuid);
    await bumpStats(context.db, event);
  });
}

ponder.on("SubnetRegistry:WeightsCommitted", async ({ event, context }) => {
  const a = event.args;
  await activity(context.db, event, C, "WeightsCommitted", [a.hotkey], a.netuid);
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:EpochStarted", async ({ event, context }) => {
  const a = event.args;
  const values = {
    blocks: a.blocks,
    emission: a.emission,
    ownerCut: a.ownerCut,
    totalServer: 0n,
    totalValidator: 0n,
    burned: 0n,
    credited: 0n,
    finished: false,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
  };
  await context.db
    .insert(epochSummary)
    .values({ netuid: a.netuid, epochIndex: a.epochIndex, ...values })
    .onConflictDoUpdate(values);
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:EpochFinished", async ({ event, context }) => {
  const a = event.args;
  const address = event.log.address;
  const finished = {
    ownerCut: a.ownerCut,
    totalServer: a.totalServer,
    totalValidator: a.totalValidator,
    burned: a.burned,
    credited: a.credited,
    finished: true,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
  };
  await context.db
    .insert(epochSummary)
    .values({
      netuid: a.netuid,
      epochIndex: a.epochIndex,
      blocks: null,
      emission: a.totalServer + a.totalValidator + a.ownerCut,
      ...finished,
    })
    .onConflictDoUpdate(finished);

  // The metagraph as this epoch left it: terms, stake and weights of every uid.
  const n = await context.client.readContract({
    abi: abis.SubnetRegistry,
    address,
    functionName: "subnetN",
    args: [a.netuid],
  });
  const uids = Array.from({ length: n }, (_, i) => i);
  const rows = await Promise.all(
    uids.map(async (uid) => {
      const [terms, info, weights] = await Promise.all([
        context.client.readContract({
          abi: abis.SubnetRegistry,
          address,
          functionName: "neuronTerms",
          args: [a.netuid, uid],
        }),
        context.client.readContract({
          abi: abis.SubnetRegistry,
          address,
          functionName: "getNeuron",
          args: [a.netuid, uid],
        }),
        context.client.readContract({
          abi: abis.SubnetRegistry,
          address,
          functionName: "weightsOf",
          args: [a.netuid, uid],
        }),
      ]);
      return { uid, terms, info, weights };
    }),
  );
  for (const { uid, terms, info, weights } of rows) {
    const [consensus, incentive, dividends, validatorTrust, stakeWeight, emission, active] = terms;
    const snapshot = {
      hotkey: info.hotkey,
      incentive,
      dividends,
      consensus,
      trust: validatorTrust,
      stakeWeight,
      emission,
      active,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
    };
    await context.db
      .insert(epoch)
      .values({ netuid: a.netuid, epochIndex: a.epochIndex, uid, ...snapshot })
      .onConflictDoUpdate(snapshot);
    const key = { netuid: a.netuid, uid };
    if (await context.db.find(neuron, key))
      await context.db.update(neuron, key).set((row) => ({
        stake: info.stake,
        incentive,
        dividends,
        consensus,
        trust: validatorTrust,
        totalEmission: row.totalEmission + emission,
      }));
    const [minerUids, values] = weights;
    for (let i = 0; i < minerUids.length; i++) {
      const minerUid = minerUids[i];
      const value = values[i];
      if (minerUid === undefined || value === undefined) continue;
      await context.db
        .insert(weight)
        .values({
          netuid: a.netuid,
          epochIndex: a.epochIndex,
          validatorUid: uid,
          minerUid,
          value,
        })
        .onConflictDoUpdate({ value });
    }
  }
  if (await context.db.find(subnet, { netuid: a.netuid }))
    await context.db.update(subnet, { netuid: a.netuid }).set((row) => ({
      epochs: row.epochs + 1,
      lastEpochIndex: a.epochIndex,
      totalEmission: row.totalEmission + a.credited,
    }));
  await bumpStats(context.db, event);
});

ponder.on("SubnetRegistry:EmissionClaimed", async ({ event, context }) => {
  const a = event.args;
  const token = await context.client.readContract({
    abi: abis.SubnetRegistry,
    address: event.log.address,
    functionName: "token",
  });
  await context.db
    .insert(earning)
    .values({
      account: a.account,
      token,
      source: "subnet",
      earned: a.amount,
      withdrawn: a.amount,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      earned: row.earned + a.amount,
      withdrawn: row.withdrawn + a.amount,
      updatedAt: event.block.timestamp,
    }));
  await activity(context.db, event, C, "EmissionClaimed", [a.account]);
  await bumpStats(context.db, event);
});
