// ModelRegistry and ProofRegistry: models, verified inferences.

import { ponder } from "ponder:registry";
import { model, proof } from "ponder:schema";
import { abis } from "@noosphere/sdk";
import { eq } from "ponder";
import { encodeAbiParameters, keccak256 } from "viem";
import { activity, bumpHour, bumpStats } from "./common.ts";

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  const a = event.args;
  const m = await context.client.readContract({
    abi: abis.ModelRegistry,
    address: event.log.address,
    functionName: "getModel",
    args: [a.modelId],
  });
  await context.db.insert(model).values({
    id: a.modelId,
    owner: a.owner,
    verifier: a.verifier,
    onnxHash: a.onnxHash,
    settingsHash: a.settingsHash,
    paramCommitment: a.paramCommitment,
    metadataURI: m.metadataURI,
    version: m.version,
    baseModelId: m.baseModelId === 0n ? null : m.baseModelId,
    previousModelId: null,
    deprecated: m.deprecated,
    proofs: 0,
    registeredAt: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  await activity(context.db, event, "ModelRegistry", "ModelRegistered", [a.owner], a.modelId);
  await bumpStats(context.db, event, { models: 1 });
});

ponder.on("ModelRegistry:ModelVersionRegistered", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(model, { id: a.modelId }))
    await context.db.update(model, { id: a.modelId }).set({
      version: a.version,
      baseModelId: a.baseModelId,
      previousModelId: a.previousModelId,
    });
  await bumpStats(context.db, event);
});

ponder.on("ModelRegistry:ModelMetadataUpdated", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(model, { id: a.modelId }))
    await context.db.update(model, { id: a.modelId }).set({ metadataURI: a.metadataURI });
  await bumpStats(context.db, event);
});

ponder.on("ModelRegistry:ModelDeprecated", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(model, { id: a.modelId }))
    await context.db.update(model, { id: a.modelId }).set({ deprecated: true });
  await bumpStats(context.db, event);
});

ponder.on("ModelRegistry:ModelOwnershipTransferred", async ({ event, context }) => {
  const a = event.args;
  if (await context.db.find(model, { id: a.modelId }))
    await context.db.update(model, { id: a.modelId }).set({ owner: a.newOwner });
  await activity(
    context.db,
    event,
    "ModelRegistry",
    "ModelOwnershipTransferred",
    [a.previousOwner, a.newOwner],
    a.modelId,
  );
  await bumpStats(context.db, event);
});

/** ProofRegistry.recordIdOf: keccak256(abi.encode(modelId, inputHash, outputHash)). */
export const recordIdOf = (modelId: bigint, inputHash: `0x${string}`, outputHash: `0x${string}`) =>
  keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "bytes32" }, { type: "bytes32" }],
      [modelId, inputHash, outputHash],
    ),
  );

ponder.on("ProofRegistry:InferenceVerified", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(proof).values({
    id: event.id,
    recordId: recordIdOf(a.modelId, a.inputHash, a.outputHash),
    modelId: a.modelId,
    inputHash: a.inputHash,
    outputHash: a.outputHash,
    outputs: [...a.outputs],
    submitter: a.submitter,
    committed: false,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  });
  if (await context.db.find(model, { id: a.modelId }))
    await context.db.update(model, { id: a.modelId }).set((row) => ({ proofs: row.proofs + 1 }));
  await activity(context.db, event, "ProofRegistry", "InferenceVerified", [a.submitter], a.modelId);
  await bumpStats(context.db, event, { proofsVerified: 1 });
  await bumpHour(context.db, event, "proofs");
});

ponder.on("ProofRegistry:InferenceClaimed", async ({ event, context }) => {
  const a = event.args;
  await context.db.sql
    .update(proof)
    .set({ committed: true, submitter: a.submitter })
    .where(eq(proof.recordId, a.recordId));
  await activity(
    context.db,
    event,
    "ProofRegistry",
    "InferenceClaimed",
    [a.submitter, a.previousSubmitter],
    a.modelId,
  );
  await bumpStats(context.db, event);
});

ponder.on("ProofRegistry:ProofCommitted", async ({ event, context }) => {
  await activity(context.db, event, "ProofRegistry", "ProofCommitted", [event.args.committer]);
  await bumpStats(context.db, event);
});
