export * from "./actions/market/acceptBid.js";
export * from "./actions/market/acceptResult.js";
export * from "./actions/market/cancelBid.js";
export * from "./actions/market/cancelOrder.js";
export * from "./actions/market/closeAuction.js";
export * from "./actions/market/closeLease.js";
export * from "./actions/market/commitResult.js";
export * from "./actions/market/createBid.js";
export * from "./actions/market/createOrder.js";
export * from "./actions/market/createOrderGroup.js";
export * from "./actions/market/depositEscrow.js";
export * from "./actions/market/disputeResult.js";
export * from "./actions/market/expireLease.js";
export * from "./actions/market/getBids.js";
export * from "./actions/market/getEarnings.js";
export * from "./actions/market/getGroup.js";
export * from "./actions/market/getLease.js";
export * from "./actions/market/getLeases.js";
export * from "./actions/market/getOrder.js";
export * from "./actions/market/getOrders.js";
export * from "./actions/market/resolveDispute.js";
export * from "./actions/market/resultCommitment.js";
export * from "./actions/market/revealResult.js";
export * from "./actions/market/settleLease.js";
export * from "./actions/market/signReceipt.js";
export * from "./actions/market/submitResult.js";
export * from "./actions/market/sweepFees.js";
export * from "./actions/market/types.js";
export * from "./actions/market/withdrawEarnings.js";
export * from "./actions/registry/getProvider.js";
export * from "./actions/registry/getProviders.js";
export * from "./actions/registry/registerProvider.js";
export * from "./actions/registry/revokeAttributes.js";
export * from "./actions/registry/signAttributes.js";
export * from "./actions/registry/types.js";
export * from "./actions/registry/unregisterProvider.js";
export * from "./actions/registry/updateProvider.js";
export * from "./actions/staking/getStake.js";
export * from "./actions/staking/requestUnstake.js";
export * from "./actions/staking/stake.js";
export * from "./actions/staking/withdrawStake.js";
export * from "./actions/subnet/claimEmission.js";
export * from "./actions/subnet/commitHash.js";
export * from "./actions/subnet/commitWeights.js";
export * from "./actions/subnet/createSubnet.js";
export * from "./actions/subnet/dissolveSubnet.js";
export * from "./actions/subnet/getClaimable.js";
export * from "./actions/subnet/getNeuron.js";
export * from "./actions/subnet/getNeurons.js";
export * from "./actions/subnet/getSubnet.js";
export * from "./actions/subnet/registerNeuron.js";
export * from "./actions/subnet/revealWeights.js";
export * from "./actions/subnet/runSubnetEpoch.js";
export * from "./actions/subnet/setEndpoint.js";
export * from "./actions/subnet/setHyperparams.js";
export * from "./actions/subnet/setWeights.js";
export * from "./actions/subnet/types.js";
export * from "./actions/token/approve.js";
export * from "./actions/token/getAllowance.js";
export * from "./actions/token/getTokenBalance.js";
export * from "./actions/token/transfer.js";
export * from "./actions/zk/calldata.js";
export * from "./actions/zk/commitAndRecordProof.js";
export * from "./actions/zk/commitProof.js";
export * from "./actions/zk/deprecateModel.js";
export * from "./actions/zk/getModel.js";
export * from "./actions/zk/getProofStatement.js";
export * from "./actions/zk/getVerifiedInference.js";
export * from "./actions/zk/isInferenceVerified.js";
export * from "./actions/zk/proofCommitment.js";
export * from "./actions/zk/registerModel.js";
export * from "./actions/zk/registerModelVersion.js";
export * from "./actions/zk/transferModelOwnership.js";
export * from "./actions/zk/types.js";
export * from "./actions/zk/updateModelMetadata.js";
export * from "./actions/zk/verifyAndRecordCommittedProof.js";
export * from "./actions/zk/verifyAndRecordProof.js";
export * from "./actions/zk/verifyProofView.js";
export * from "./addresses.js";
export * from "./client.js";
export {
  marketActions,
  type NoosphereClient,
  noosphereActions,
  registryActions,
  stakingActions,
  subnetActions,
  tokenActions,
  zkActions,
} from "./decorators/noosphere.js";
export * from "./errors.js";
export * from "./generated/abis.js";
export type { DecodedEvent, EventArgs, WaitResult } from "./internal/write.js";
export * from "./manifest/index.js";
export * from "./yuma/index.js";
