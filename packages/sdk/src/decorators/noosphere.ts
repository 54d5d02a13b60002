// Decorators in viem's style: `client.extend(noosphereActions(deployment.contracts))` binds
// every action to the deployment's addresses, so callers pass only what the action is about.

import {
  type CancelSubscriptionParameters,
  cancelSubscription,
  cancelSubscriptionAndWait,
} from "../actions/coprocessor/cancelSubscription.js";
import {
  type CreateSubscriptionParameters,
  createSubscription,
  createSubscriptionAndWait,
} from "../actions/coprocessor/createSubscription.js";
import {
  type DeliverInferenceParameters,
  deliverInference,
  deliverInferenceAndWait,
} from "../actions/coprocessor/deliverInference.js";
import {
  type DepositCoprocessorEscrowParameters,
  depositCoprocessorEscrow,
  depositCoprocessorEscrowAndWait,
} from "../actions/coprocessor/depositCoprocessorEscrow.js";
import {
  type GetCoprocessorEscrowParameters,
  getCoprocessorEscrow,
} from "../actions/coprocessor/getCoprocessorEscrow.js";
import {
  type GetInferenceRequestParameters,
  getInferenceRequest,
} from "../actions/coprocessor/getInferenceRequest.js";
import {
  type RefundInferenceRequestParameters,
  refundInferenceRequest,
  refundInferenceRequestAndWait,
} from "../actions/coprocessor/refundInferenceRequest.js";
import {
  type RegisterCoprocessorNodeParameters,
  registerCoprocessorNode,
} from "../actions/coprocessor/registerCoprocessorNode.js";
import {
  type RequestInferenceParameters,
  requestInference,
  requestInferenceAndWait,
} from "../actions/coprocessor/requestInference.js";
import {
  type SetNodeFeeParameters,
  setNodeFee,
  setNodeFeeAndWait,
} from "../actions/coprocessor/setNodeFee.js";
import {
  type WaitForInferenceResultParameters,
  waitForInferenceResult,
} from "../actions/coprocessor/waitForInferenceResult.js";
import {
  type WithdrawCoprocessorEarningsParameters,
  withdrawCoprocessorEarnings,
  withdrawCoprocessorEarningsAndWait,
} from "../actions/coprocessor/withdrawCoprocessorEarnings.js";
import {
  type WithdrawCoprocessorEscrowParameters,
  withdrawCoprocessorEscrow,
  withdrawCoprocessorEscrowAndWait,
} from "../actions/coprocessor/withdrawCoprocessorEscrow.js";
import {
  type AcceptBidParameters,
  acceptBid,
  acceptBidAndWait,
} from "../actions/market/acceptBid.js";
import {
  type AcceptResultParameters,
  acceptResult,
  acceptResultAndWait,
} from "../actions/market/acceptResult.js";
import {
  type CancelOrderParameters,
  cancelOrder,
  cancelOrderAndWait,
} from "../actions/market/cancelOrder.js";
import {
  type CloseAuctionParameters,
  closeAuction,
  closeAuctionAndWait,
} from "../actions/market/closeAuction.js";
import {
  type CloseLeaseParameters,
  closeLease,
  closeLeaseAndWait,
} from "../actions/market/closeLease.js";
import {
  type CommitResultParameters,
  commitResult,
  commitResultAndWait,
} from "../actions/market/commitResult.js";
import {
  type CreateBidParameters,
  createBid,
  createBidAndWait,
} from "../actions/market/createBid.js";
import {
  type CreateOrderParameters,
  createOrder,
  createOrderAndWait,
} from "../actions/market/createOrder.js";
import {
  type CreateOrderGroupParameters,
  createOrderGroup,
  createOrderGroupAndWait,
} from "../actions/market/createOrderGroup.js";
import {
  type DepositEscrowParameters,
  depositEscrow,
  depositEscrowAndWait,
} from "../actions/market/depositEscrow.js";
import {
  type DisputeResultParameters,
  disputeResult,
  disputeResultAndWait,
} from "../actions/market/disputeResult.js";
import {
  type ExpireLeaseParameters,
  expireLease,
  expireLeaseAndWait,
} from "../actions/market/expireLease.js";
import {
  type FundAccountParameters,
  fundAccount,
  fundAccountAndWait,
} from "../actions/market/fundAccount.js";
import { type GetGroupParameters, getGroup } from "../actions/market/getGroup.js";
import { type GetLeaseParameters, getLease } from "../actions/market/getLease.js";
import { type GetLeasesParameters, getLeases } from "../actions/market/getLeases.js";
import {
  type GetMarketBalanceParameters,
  getMarketBalance,
} from "../actions/market/getMarketBalance.js";
import { type GetOrderParameters, getOrder } from "../actions/market/getOrder.js";
import { type GetOrdersParameters, getOrders } from "../actions/market/getOrders.js";
import {
  type GetProviderStakeParameters,
  getProviderStake,
} from "../actions/market/getProviderStake.js";
import { releaseStake, releaseStakeAndWait } from "../actions/market/releaseStake.js";
import {
  type ResolveDisputeParameters,
  resolveDispute,
  resolveDisputeAndWait,
} from "../actions/market/resolveDispute.js";
import {
  type RevealResultParameters,
  revealResult,
  revealResultAndWait,
} from "../actions/market/revealResult.js";
import {
  type SettleLeaseParameters,
  settleLease,
  settleLeaseAndWait,
} from "../actions/market/settleLease.js";
import { type SignReceiptParameters, signReceipt } from "../actions/market/signReceipt.js";
import {
  type SubmitResultParameters,
  submitResult,
  submitResultAndWait,
} from "../actions/market/submitResult.js";
import {
  type SweepFeesParameters,
  sweepFees,
  sweepFeesAndWait,
} from "../actions/market/sweepFees.js";
import {
  type WithdrawBalanceParameters,
  withdrawBalance,
  withdrawBalanceAndWait,
} from "../actions/market/withdrawBalance.js";
import { type GetProviderParameters, getProvider } from "../actions/registry/getProvider.js";
import { type GetProvidersParameters, getProviders } from "../actions/registry/getProviders.js";
import {
  type RegisterProviderParameters,
  registerProvider,
  registerProviderAndWait,
} from "../actions/registry/registerProvider.js";
import {
  type RevokeAttributesParameters,
  revokeAttributes,
  revokeAttributesAndWait,
} from "../actions/registry/revokeAttributes.js";
import {
  type SignAttributesParameters,
  signAttributes,
  signAttributesAndWait,
} from "../actions/registry/signAttributes.js";
import {
  type UnregisterProviderParameters,
  unregisterProvider,
  unregisterProviderAndWait,
} from "../actions/registry/unregisterProvider.js";
import {
  type UpdateProviderParameters,
  updateProvider,
  updateProviderAndWait,
} from "../actions/registry/updateProvider.js";
import { type GetStakeParameters, getStake } from "../actions/staking/getStake.js";
import {
  type RequestUnstakeParameters,
  requestUnstake,
  requestUnstakeAndWait,
} from "../actions/staking/requestUnstake.js";
import { type StakeParameters, stake, stakeAndWait } from "../actions/staking/stake.js";
import {
  type WithdrawStakeParameters,
  withdrawStake,
  withdrawStakeAndWait,
} from "../actions/staking/withdrawStake.js";
import {
  type ClaimEmissionParameters,
  claimEmission,
  claimEmissionAndWait,
} from "../actions/subnet/claimEmission.js";
import {
  type CommitWeightsParameters,
  commitWeights,
  commitWeightsAndWait,
} from "../actions/subnet/commitWeights.js";
import {
  type CreateSubnetParameters,
  createSubnet,
  createSubnetAndWait,
} from "../actions/subnet/createSubnet.js";
import {
  type DissolveSubnetParameters,
  dissolveSubnet,
  dissolveSubnetAndWait,
} from "../actions/subnet/dissolveSubnet.js";
import { type GetClaimableParameters, getClaimable } from "../actions/subnet/getClaimable.js";
import { type GetNeuronParameters, getNeuron } from "../actions/subnet/getNeuron.js";
import { type GetNeuronsParameters, getNeurons } from "../actions/subnet/getNeurons.js";
import { type GetSubnetParameters, getSubnet } from "../actions/subnet/getSubnet.js";
import {
  type RegisterNeuronParameters,
  registerNeuron,
  registerNeuronAndWait,
} from "../actions/subnet/registerNeuron.js";
import {
  type RevealWeightsParameters,
  revealWeights,
  revealWeightsAndWait,
} from "../actions/subnet/revealWeights.js";
import {
  type RunSubnetEpochAndWaitParameters,
  type RunSubnetEpochParameters,
  runSubnetEpoch,
  runSubnetEpochAndWait,
} from "../actions/subnet/runSubnetEpoch.js";
import {
  type SetEndpointParameters,
  setEndpoint,
  setEndpointAndWait,
} from "../actions/subnet/setEndpoint.js";
import {
  type SetHyperparamsParameters,
  setHyperparams,
  setHyperparamsAndWait,
} from "../actions/subnet/setHyperparams.js";
import {
  type SetWeightsParameters,
  setWeights,
  setWeightsAndWait,
} from "../actions/subnet/setWeights.js";
import { type ApproveParameters, approve, approveAndWait } from "../actions/token/approve.js";
import { type GetAllowanceParameters, getAllowance } from "../actions/token/getAllowance.js";
import {
  type GetTokenBalanceParameters,
  getTokenBalance,
} from "../actions/token/getTokenBalance.js";
import { type TransferParameters, transfer, transferAndWait } from "../actions/token/transfer.js";
import {
  type CommitAndRecordProofParameters,
  commitAndRecordProof,
} from "../actions/zk/commitAndRecordProof.js";
import {
  type CommitProofParameters,
  commitProof,
  commitProofAndWait,
} from "../actions/zk/commitProof.js";
import {
  type DeprecateModelParameters,
  deprecateModel,
  deprecateModelAndWait,
} from "../actions/zk/deprecateModel.js";
import { type GetModelParameters, getModel } from "../actions/zk/getModel.js";
import {
  type GetProofStatementParameters,
  getProofStatement,
} from "../actions/zk/getProofStatement.js";
import {
  type GetVerifiedInferenceParameters,
  getVerifiedInference,
} from "../actions/zk/getVerifiedInference.js";
import {
  type IsInferenceVerifiedParameters,
  isInferenceVerified,
} from "../actions/zk/isInferenceVerified.js";
import {
  type RegisterModelParameters,
  registerModel,
  registerModelAndWait,
} from "../actions/zk/registerModel.js";
import {
  type RegisterModelVersionParameters,
  registerModelVersion,
  registerModelVersionAndWait,
} from "../actions/zk/registerModelVersion.js";
import {
  type TransferModelOwnershipParameters,
  transferModelOwnership,
  transferModelOwnershipAndWait,
} from "../actions/zk/transferModelOwnership.js";
import {
  type UpdateModelMetadataParameters,
  updateModelMetadata,
  updateModelMetadataAndWait,
} from "../actions/zk/updateModelMetadata.js";
import {
  type VerifyAndRecordCommittedProofParameters,
  verifyAndRecordCommittedProof,
  verifyAndRecordCommittedProofAndWait,
} from "../actions/zk/verifyAndRecordCommittedProof.js";
import {
  type VerifyAndRecordProofParameters,
  verifyAndRecordProof,
  verifyAndRecordProofAndWait,
} from "../actions/zk/verifyAndRecordProof.js";
import { type VerifyProofViewParameters, verifyProofView } from "../actions/zk/verifyProofView.js";
import type { NoosphereAddresses } from "../addresses.js";
import type { NoosWalletClient } from "../client.js";

/** NoosToken actions bound to a deployment: `client.extend(tokenActions(addresses))`. */
export function tokenActions(addresses: Pick<NoosphereAddresses, "token">) {
  return (client: NoosWalletClient) => ({
    approve: (params: Omit<ApproveParameters, "address">) =>
      approve(client, { ...params, address: addresses.token }),
    approveAndWait: (params: Omit<ApproveParameters, "address">) =>
      approveAndWait(client, { ...params, address: addresses.token }),
    getAllowance: (params: Omit<GetAllowanceParameters, "address">) =>
      getAllowance(client, { ...params, address: addresses.token }),
    getTokenBalance: (params: Omit<GetTokenBalanceParameters, "address">) =>
      getTokenBalance(client, { ...params, address: addresses.token }),
    transfer: (params: Omit<TransferParameters, "address">) =>
      transfer(client, { ...params, address: addresses.token }),
    transferAndWait: (params: Omit<TransferParameters, "address">) =>
      transferAndWait(client, { ...params, address: addresses.token }),
  });
}

/** Staking actions bound to a deployment: `client.extend(stakingActions(addresses))`. */
export function stakingActions(addresses: Pick<NoosphereAddresses, "staking">) {
  return (client: NoosWalletClient) => ({
    getStake: (params: Omit<GetStakeParameters, "address">) =>
      getStake(client, { ...params, address: addresses.staking }),
    requestUnstake: (params: Omit<RequestUnstakeParameters, "address">) =>
      requestUnstake(client, { ...params, address: addresses.staking }),
    requestUnstakeAndWait: (params: Omit<RequestUnstakeParameters, "address">) =>
      requestUnstakeAndWait(client, { ...params, address: addresses.staking }),
    stake: (params: Omit<StakeParameters, "address">) =>
      stake(client, { ...params, address: addresses.staking }),
    stakeAndWait: (params: Omit<StakeParameters, "address">) =>
      stakeAndWait(client, { ...params, address: addresses.staking }),
    withdrawStake: (params: Omit<WithdrawStakeParameters, "address">) =>
      withdrawStake(client, { ...params, address: addresses.staking }),
    withdrawStakeAndWait: (params: Omit<WithdrawStakeParameters, "address">) =>
      withdrawStakeAndWait(client, { ...params, address: addresses.staking }),
  });
}

/** ProviderRegistry actions bound to a deployment: `client.extend(registryActions(addresses))`. */
export function registryActions(addresses: Pick<NoosphereAddresses, "registry">) {
  return (client: NoosWalletClient) => ({
    getProvider: (params: Omit<GetProviderParameters, "address">) =>
      getProvider(client, { ...params, address: addresses.registry }),
    getProviders: (params: Omit<GetProvidersParameters, "address">) =>
      getProviders(client, { ...params, address: addresses.registry }),
    registerProvider: (params: Omit<RegisterProviderParameters, "address">) =>
      registerProvider(client, { ...params, address: addresses.registry }),
    registerProviderAndWait: (params: Omit<RegisterProviderParameters, "address">) =>
      registerProviderAndWait(client, { ...params, address: addresses.registry }),
    revokeAttributes: (params: Omit<RevokeAttributesParameters, "address">) =>
      revokeAttributes(client, { ...params, address: addresses.registry }),
    revokeAttributesAndWait: (params: Omit<RevokeAttributesParameters, "address">) =>
      revokeAttributesAndWait(client, { ...params, address: addresses.registry }),
    signAttributes: (params: Omit<SignAttributesParameters, "address">) =>
      signAttributes(client, { ...params, address: addresses.registry }),
    signAttributesAndWait: (params: Omit<SignAttributesParameters, "address">) =>
      signAttributesAndWait(client, { ...params, address: addresses.registry }),
    unregisterProvider: (params: Omit<UnregisterProviderParameters, "address">) =>
      unregisterProvider(client, { ...params, address: addresses.registry }),
    unregisterProviderAndWait: (params: Omit<UnregisterProviderParameters, "address">) =>
      unregisterProviderAndWait(client, { ...params, address: addresses.registry }),
    updateProvider: (params: Omit<UpdateProviderParameters, "address">) =>
      updateProvider(client, { ...params, address: addresses.registry }),
    updateProviderAndWait: (params: Omit<UpdateProviderParameters, "address">) =>
      updateProviderAndWait(client, { ...params, address: addresses.registry }),
  });
}

/** ComputeMarket actions bound to a deployment: `client.extend(marketActions(addresses))`. */
export function marketActions(addresses: Pick<NoosphereAddresses, "market">) {
  return (client: NoosWalletClient) => ({
    acceptBid: (params: Omit<AcceptBidParameters, "address">) =>
      acceptBid(client, { ...params, address: addresses.market }),
    acceptBidAndWait: (params: Omit<AcceptBidParameters, "address">) =>
      acceptBidAndWait(client, { ...params, address: addresses.market }),
    acceptResult: (params: Omit<AcceptResultParameters, "address">) =>
      acceptResult(client, { ...params, address: addresses.market }),
    acceptResultAndWait: (params: Omit<AcceptResultParameters, "address">) =>
      acceptResultAndWait(client, { ...params, address: addresses.market }),
    cancelOrder: (params: Omit<CancelOrderParameters, "address">) =>
      cancelOrder(client, { ...params, address: addresses.market }),
    cancelOrderAndWait: (params: Omit<CancelOrderParameters, "address">) =>
      cancelOrderAndWait(client, { ...params, address: addresses.market }),
    closeAuction: (params: Omit<CloseAuctionParameters, "address">) =>
      closeAuction(client, { ...params, address: addresses.market }),
    closeAuctionAndWait: (params: Omit<CloseAuctionParameters, "address">) =>
      closeAuctionAndWait(client, { ...params, address: addresses.market }),
    closeLease: (params: Omit<CloseLeaseParameters, "address">) =>
      closeLease(client, { ...params, address: addresses.market }),
    closeLeaseAndWait: (params: Omit<CloseLeaseParameters, "address">) =>
      closeLeaseAndWait(client, { ...params, address: addresses.market }),
    commitResult: (params: Omit<CommitResultParameters, "address">) =>
      commitResult(client, { ...params, address: addresses.market }),
    commitResultAndWait: (params: Omit<CommitResultParameters, "address">) =>
      commitResultAndWait(client, { ...params, address: addresses.market }),
    createOrderGroup: (params: Omit<CreateOrderGroupParameters, "address">) =>
      createOrderGroup(client, { ...params, address: addresses.market }),
    createOrderGroupAndWait: (params: Omit<CreateOrderGroupParameters, "address">) =>
      createOrderGroupAndWait(client, { ...params, address: addresses.market }),
    getGroup: (params: Omit<GetGroupParameters, "address">) =>
      getGroup(client, { ...params, address: addresses.market }),
    revealResult: (params: Omit<RevealResultParameters, "address">) =>
      revealResult(client, { ...params, address: addresses.market }),
    revealResultAndWait: (params: Omit<RevealResultParameters, "address">) =>
      revealResultAndWait(client, { ...params, address: addresses.market }),
    createBid: (params: Omit<CreateBidParameters, "address">) =>
      createBid(client, { ...params, address: addresses.market }),
    createBidAndWait: (params: Omit<CreateBidParameters, "address">) =>
      createBidAndWait(client, { ...params, address: addresses.market }),
    createOrder: (params: Omit<CreateOrderParameters, "address">) =>
      createOrder(client, { ...params, address: addresses.market }),
    createOrderAndWait: (params: Omit<CreateOrderParameters, "address">) =>
      createOrderAndWait(client, { ...params, address: addresses.market }),
    depositEscrow: (params: Omit<DepositEscrowParameters, "address">) =>
      depositEscrow(client, { ...params, address: addresses.market }),
    depositEscrowAndWait: (params: Omit<DepositEscrowParameters, "address">) =>
      depositEscrowAndWait(client, { ...params, address: addresses.market }),
    disputeResult: (params: Omit<DisputeResultParameters, "address">) =>
      disputeResult(client, { ...params, address: addresses.market }),
    disputeResultAndWait: (params: Omit<DisputeResultParameters, "address">) =>
      disputeResultAndWait(client, { ...params, address: addresses.market }),
    expireLease: (params: Omit<ExpireLeaseParameters, "address">) =>
      expireLease(client, { ...params, address: addresses.market }),
    expireLeaseAndWait: (params: Omit<ExpireLeaseParameters, "address">) =>
      expireLeaseAndWait(client, { ...params, address: addresses.market }),
    fundAccount: (params: Omit<FundAccountParameters, "address">) =>
      fundAccount(client, { ...params, address: addresses.market }),
    fundAccountAndWait: (params: Omit<FundAccountParameters, "address">) =>
      fundAccountAndWait(client, { ...params, address: addresses.market }),
    getLease: (params: Omit<GetLeaseParameters, "address">) =>
      getLease(client, { ...params, address: addresses.market }),
    getLeases: (params: Omit<GetLeasesParameters, "address">) =>
      getLeases(client, { ...params, address: addresses.market }),
    getOrder: (params: Omit<GetOrderParameters, "address">) =>
      getOrder(client, { ...params, address: addresses.market }),
    getMarketBalance: (params: Omit<GetMarketBalanceParameters, "address">) =>
      getMarketBalance(client, { ...params, address: addresses.market }),
    getOrders: (params: Omit<GetOrdersParameters, "address">) =>
      getOrders(client, { ...params, address: addresses.market }),
    getProviderStake: (params: Omit<GetProviderStakeParameters, "address">) =>
      getProviderStake(client, { ...params, address: addresses.market }),
    releaseStake: () => releaseStake(client, { address: addresses.market }),
    releaseStakeAndWait: () => releaseStakeAndWait(client, { address: addresses.market }),
    resolveDispute: (params: Omit<ResolveDisputeParameters, "address">) =>
      resolveDispute(client, { ...params, address: addresses.market }),
    resolveDisputeAndWait: (params: Omit<ResolveDisputeParameters, "address">) =>
      resolveDisputeAndWait(client, { ...params, address: addresses.market }),
    settleLease: (params: Omit<SettleLeaseParameters, "address">) =>
      settleLease(client, { ...params, address: addresses.market }),
    settleLeaseAndWait: (params: Omit<SettleLeaseParameters, "address">) =>
      settleLeaseAndWait(client, { ...params, address: addresses.market }),
    signReceipt: (params: Omit<SignReceiptParameters, "address">) =>
      signReceipt(client, { ...params, address: addresses.market }),
    submitResult: (params: Omit<SubmitResultParameters, "address">) =>
      submitResult(client, { ...params, address: addresses.market }),
    submitResultAndWait: (params: Omit<SubmitResultParameters, "address">) =>
      submitResultAndWait(client, { ...params, address: addresses.market }),
    sweepFees: (params: Omit<SweepFeesParameters, "address">) =>
      sweepFees(client, { ...params, address: addresses.market }),
    sweepFeesAndWait: (params: Omit<SweepFeesParameters, "address">) =>
      sweepFeesAndWait(client, { ...params, address: addresses.market }),
    withdrawBalance: (params: Omit<WithdrawBalanceParameters, "address">) =>
      withdrawBalance(client, { ...params, address: addresses.market }),
    withdrawBalanceAndWait: (params: Omit<WithdrawBalanceParameters, "address">) =>
      withdrawBalanceAndWait(client, { ...params, address: addresses.market }),
  });
}

/**
 * zkML actions bound to a deployment: `client.extend(zkActions(addresses))`. Model actions go to
 * the ModelRegistry, proof actions to the ProofRegistry.
 */
export function zkActions(addresses: Pick<NoosphereAddresses, "modelRegistry" | "proofRegistry">) {
  return (client: NoosWalletClient) => {
    const models = { address: addresses.modelRegistry };
    const proofs = { address: addresses.proofRegistry };
    return {
      commitAndRecordProof: (params: Omit<CommitAndRecordProofParameters, "address">) =>
        commitAndRecordProof(client, { ...params, ...proofs }),
      commitProof: (params: Omit<CommitProofParameters, "address">) =>
        commitProof(client, { ...params, ...proofs }),
      commitProofAndWait: (params: Omit<CommitProofParameters, "address">) =>
        commitProofAndWait(client, { ...params, ...proofs }),
      deprecateModel: (params: Omit<DeprecateModelParameters, "address">) =>
        deprecateModel(client, { ...params, ...models }),
      deprecateModelAndWait: (params: Omit<DeprecateModelParameters, "address">) =>
        deprecateModelAndWait(client, { ...params, ...models }),
      getModel: (params: Omit<GetModelParameters, "address">) =>
        getModel(client, { ...params, ...models }),
      getProofStatement: (params: Omit<GetProofStatementParameters, "address">) =>
        getProofStatement(client, { ...params, ...proofs }),
      getVerifiedInference: (params: Omit<GetVerifiedInferenceParameters, "address">) =>
        getVerifiedInference(client, { ...params, ...proofs }),
      isInferenceVerified: (params: Omit<IsInferenceVerifiedParameters, "address">) =>
        isInferenceVerified(client, { ...params, ...proofs }),
      registerModel: (params: Omit<RegisterModelParameters, "address">) =>
        registerModel(client, { ...params, ...models }),
      registerModelAndWait: (params: Omit<RegisterModelParameters, "address">) =>
        registerModelAndWait(client, { ...params, ...models }),
      registerModelVersion: (params: Omit<RegisterModelVersionParameters, "address">) =>
        registerModelVersion(client, { ...params, ...models }),
      registerModelVersionAndWait: (params: Omit<RegisterModelVersionParameters, "address">) =>
        registerModelVersionAndWait(client, { ...params, ...models }),
      transferModelOwnership: (params: Omit<TransferModelOwnershipParameters, "address">) =>
        transferModelOwnership(client, { ...params, ...models }),
      transferModelOwnershipAndWait: (params: Omit<TransferModelOwnershipParameters, "address">) =>
        transferModelOwnershipAndWait(client, { ...params, ...models }),
      updateModelMetadata: (params: Omit<UpdateModelMetadataParameters, "address">) =>
        updateModelMetadata(client, { ...params, ...models }),
      updateModelMetadataAndWait: (params: Omit<UpdateModelMetadataParameters, "address">) =>
        updateModelMetadataAndWait(client, { ...params, ...models }),
      verifyAndRecordProof: (params: Omit<VerifyAndRecordProofParameters, "address">) =>
        verifyAndRecordProof(client, { ...params, ...proofs }),
      verifyAndRecordProofAndWait: (params: Omit<VerifyAndRecordProofParameters, "address">) =>
        verifyAndRecordProofAndWait(client, { ...params, ...proofs }),
      verifyAndRecordCommittedProof: (
        params: Omit<VerifyAndRecordCommittedProofParameters, "address">,
      ) => verifyAndRecordCommittedProof(client, { ...params, ...proofs }),
      verifyAndRecordCommittedProofAndWait: (
        params: Omit<VerifyAndRecordCommittedProofParameters, "address">,
      ) => verifyAndRecordCommittedProofAndWait(client, { ...params, ...proofs }),
      verifyProofView: (params: Omit<VerifyProofViewParameters, "address">) =>
        verifyProofView(client, { ...params, ...proofs }),
    };
  };
}

/**
 * SubnetRegistry actions bound to a deployment: `client.extend(subnetActions(addresses))`.
 * Writes act for the client's account, which is the hotkey.
 */
export function subnetActions(addresses: Pick<NoosphereAddresses, "subnetRegistry">) {
  type Bound<T> = Omit<T, "address">;
  const address = addresses.subnetRegistry;
  return (client: NoosWalletClient) => ({
    claimEmission: (params: Bound<ClaimEmissionParameters> = {}) =>
      claimEmission(client, { ...params, address }),
    claimEmissionAndWait: (params: Bound<ClaimEmissionParameters> = {}) =>
      claimEmissionAndWait(client, { ...params, address }),
    commitWeights: (params: Bound<CommitWeightsParameters>) =>
      commitWeights(client, { ...params, address }),
    commitWeightsAndWait: (params: Bound<CommitWeightsParameters>) =>
      commitWeightsAndWait(client, { ...params, address }),
    createSubnet: (params: Bound<CreateSubnetParameters> = {}) =>
      createSubnet(client, { ...params, address }),
    createSubnetAndWait: (params: Bound<CreateSubnetParameters> = {}) =>
      createSubnetAndWait(client, { ...params, address }),
    dissolveSubnet: (params: Bound<DissolveSubnetParameters>) =>
      dissolveSubnet(client, { ...params, address }),
    dissolveSubnetAndWait: (params: Bound<DissolveSubnetParameters>) =>
      dissolveSubnetAndWait(client, { ...params, address }),
    getClaimable: (params: Bound<GetClaimableParameters>) =>
      getClaimable(client, { ...params, address }),
    getNeuron: (params: Bound<GetNeuronParameters>) => getNeuron(client, { ...params, address }),
    getNeurons: (params: Bound<GetNeuronsParameters>) => getNeurons(client, { ...params, address }),
    getSubnet: (params: Bound<GetSubnetParameters>) => getSubnet(client, { ...params, address }),
    registerNeuron: (params: Bound<RegisterNeuronParameters>) =>
      registerNeuron(client, { ...params, address }),
    registerNeuronAndWait: (params: Bound<RegisterNeuronParameters>) =>
      registerNeuronAndWait(client, { ...params, address }),
    revealWeights: (params: Bound<RevealWeightsParameters>) =>
      revealWeights(client, { ...params, address }),
    revealWeightsAndWait: (params: Bound<RevealWeightsParameters>) =>
      revealWeightsAndWait(client, { ...params, address }),
    runSubnetEpoch: (params: Bound<RunSubnetEpochParameters>) =>
      runSubnetEpoch(client, { ...params, address }),
    runSubnetEpochAndWait: (params: Bound<RunSubnetEpochAndWaitParameters>) =>
      runSubnetEpochAndWait(client, { ...params, address }),
    setEndpoint: (params: Bound<SetEndpointParameters>) =>
      setEndpoint(client, { ...params, address }),
    setEndpointAndWait: (params: Bound<SetEndpointParameters>) =>
      setEndpointAndWait(client, { ...params, address }),
    setHyperparams: (params: Bound<SetHyperparamsParameters>) =>
      setHyperparams(client, { ...params, address }),
    setHyperparamsAndWait: (params: Bound<SetHyperparamsParameters>) =>
      setHyperparamsAndWait(client, { ...params, address }),
    setWeights: (params: Bound<SetWeightsParameters>) => setWeights(client, { ...params, address }),
    setWeightsAndWait: (params: Bound<SetWeightsParameters>) =>
      setWeightsAndWait(client, { ...params, address }),
  });
}

/**
 * AI coprocessor actions bound to a deployment: `client.extend(coprocessorActions(addresses))`.
 * Requests and escrow act for the client's account; node actions act for it as a node.
 */
export function coprocessorActions(
  addresses: Pick<NoosphereAddresses, "coprocessor" | "staking" | "token">,
) {
  type Bound<T> = Omit<T, "address">;
  const address = addresses.coprocessor;
  return (client: NoosWalletClient) => ({
    cancelSubscription: (params: Bound<CancelSubscriptionParameters>) =>
      cancelSubscription(client, { ...params, address }),
    cancelSubscriptionAndWait: (params: Bound<CancelSubscriptionParameters>) =>
      cancelSubscriptionAndWait(client, { ...params, address }),
    createSubscription: (params: Bound<CreateSubscriptionParameters>) =>
      createSubscription(client, { ...params, address }),
    createSubscriptionAndWait: (params: Bound<CreateSubscriptionParameters>) =>
      createSubscriptionAndWait(client, { ...params, address }),
    deliverInference: (params: Bound<DeliverInferenceParameters>) =>
      deliverInference(client, { ...params, address }),
    deliverInferenceAndWait: (params: Bound<DeliverInferenceParameters>) =>
      deliverInferenceAndWait(client, { ...params, address }),
    depositCoprocessorEscrow: (params: Bound<DepositCoprocessorEscrowParameters>) =>
      depositCoprocessorEscrow(client, { ...params, address }),
    depositCoprocessorEscrowAndWait: (params: Bound<DepositCoprocessorEscrowParameters>) =>
      depositCoprocessorEscrowAndWait(client, { ...params, address }),
    getCoprocessorEscrow: (params: Bound<GetCoprocessorEscrowParameters>) =>
      getCoprocessorEscrow(client, { ...params, address }),
    getInferenceRequest: (params: Bound<GetInferenceRequestParameters>) =>
      getInferenceRequest(client, { ...params, address }),
    refundInferenceRequest: (params: Bound<RefundInferenceRequestParameters>) =>
      refundInferenceRequest(client, { ...params, address }),
    refundInferenceRequestAndWait: (params: Bound<RefundInferenceRequestParameters>) =>
      refundInferenceRequestAndWait(client, { ...params, address }),
    registerCoprocessorNode: (
      params: Omit<RegisterCoprocessorNodeParameters, "address" | "staking" | "token">,
    ) =>
      registerCoprocessorNode(client, {
        ...params,
        address,
        staking: addresses.staking,
        token: addresses.token,
      }),
    requestInference: (params: Bound<RequestInferenceParameters>) =>
      requestInference(client, { ...params, address }),
    requestInferenceAndWait: (params: Bound<RequestInferenceParameters>) =>
      requestInferenceAndWait(client, { ...params, address }),
    setNodeFee: (params: Bound<SetNodeFeeParameters>) => setNodeFee(client, { ...params, address }),
    setNodeFeeAndWait: (params: Bound<SetNodeFeeParameters>) =>
      setNodeFeeAndWait(client, { ...params, address }),
    waitForInferenceResult: (params: Bound<WaitForInferenceResultParameters>) =>
      waitForInferenceResult(client, { ...params, address }),
    withdrawCoprocessorEarnings: (params: Bound<WithdrawCoprocessorEarningsParameters>) =>
      withdrawCoprocessorEarnings(client, { ...params, address }),
    withdrawCoprocessorEarningsAndWait: (params: Bound<WithdrawCoprocessorEarningsParameters>) =>
      withdrawCoprocessorEarningsAndWait(client, { ...params, address }),
    withdrawCoprocessorEscrow: (params: Bound<WithdrawCoprocessorEscrowParameters>) =>
      withdrawCoprocessorEscrow(client, { ...params, address }),
    withdrawCoprocessorEscrowAndWait: (params: Bound<WithdrawCoprocessorEscrowParameters>) =>
      withdrawCoprocessorEscrowAndWait(client, { ...params, address }),
  });
}

/** Every Noosphere action bound to a deployment. */
export function noosphereActions(addresses: NoosphereAddresses) {
  return (client: NoosWalletClient) => ({
    ...tokenActions(addresses)(client),
    ...stakingActions(addresses)(client),
    ...registryActions(addresses)(client),
    ...marketActions(addresses)(client),
    ...zkActions(addresses)(client),
    ...subnetActions(addresses)(client),
    ...coprocessorActions(addresses)(client),
  });
}

/** A wallet client extended with every Noosphere action. */
export type NoosphereClient = NoosWalletClient & ReturnType<ReturnType<typeof noosphereActions>>;
