export { type Common, type CreateCommonParameters, count, createCommon } from "./common.js";
export {
  CoprocessorConfigError,
  type CoprocessorFile,
  coprocessorFileSchema,
  coprocessorSettings,
  loadCoprocessorFile,
  parseCoprocessorFile,
} from "./coprocessor/config.js";
export {
  fieldInputHash,
  parseInputContent,
  poseidonInputHash,
  quantizeInput,
  requestInputHash,
} from "./coprocessor/inputs.js";
export { dequantizeAt, loadServedModel, type ServedModel } from "./coprocessor/models.js";
export {
  COPROCESSOR_NODE_VERSION,
  type CoprocessorInput,
  type CoprocessorNode,
  type CoprocessorNodeConfig,
  type CoprocessorRequest,
  createCoprocessorNode,
  type ModelService,
  VERIFICATION_NAMES,
  type VerificationName,
} from "./coprocessor/node.js";
export {
  createOptimisticNode,
  encodeWeights,
  loadOptimisticModel,
  mlpWeightsFromOnnx,
  type OptimisticWeights,
  optimisticProgramOf,
  programOfWeights,
} from "./coprocessor/optimistic.js";
export {
  OPTIMISTIC_SETUP_FEE,
  type OptimisticSetup,
  setupOptimisticCoprocessor,
} from "./coprocessor/optimisticSetup.js";
export { type FollowParameters, follow, sleep } from "./follower.js";
export { type ExecuteJobParameters, type ExecuteJobResult, executeJob } from "./jobs/execute.js";
export { createJobRunner, JobFailedError, type JobRunnerConfig } from "./jobs/runner.js";
export { type BidDecision, bidOnOrder, type Capacity, decideBid } from "./provider/bidder.js";
export {
  loadProviderFile,
  ProviderConfigError,
  type ProviderFile,
  parseProviderFile,
  providerFileSchema,
  providerSettings,
} from "./provider/config.js";
export { bidPrice, quote, type ScalePricing } from "./provider/pricing.js";
export {
  createProvider,
  type JobResult,
  type JobRunner,
  PROVIDER_VERSION,
  type Provider,
  type ProviderConfig,
} from "./provider/provider.js";
export { ensureRegistered } from "./provider/registration.js";
export {
  type Batcher,
  type BatcherConfig,
  type BatchMode,
  createBatcher,
} from "./service/batcher.js";
export { decodeResponse, encodeRequest, type InferResponse } from "./service/binaryTensors.js";
export {
  type FetchLike,
  getModelMetadata,
  type InferServiceParameters,
  type InferServiceResult,
  inferService,
  ServiceCallError,
  toInferRequest,
} from "./service/client.js";
export {
  createServiceHost,
  type PaywallFactory,
  type RunningService,
  type ServiceHost,
  type ServiceHostConfig,
  type ServiceLease,
  ServiceStartError,
  x402PaywallFactory,
} from "./service/leases.js";
export type { ModelMetadata, OipDatatype, Tensor } from "./service/oip.js";
export type { Paywall, PaywallDecision, PaywallRequest, PendingCharge } from "./service/paywall.js";
export {
  createInferenceServer,
  type InferenceServer,
  type InferenceServerConfig,
} from "./service/server.js";
export { openVoucherStore, readVoucherFiles, type VoucherStore } from "./service/voucherLog.js";
export {
  createX402Paywall,
  type X402ChannelRecord,
  type X402ClaimResult,
  type X402Paywall,
  type X402PaywallConfig,
  X402PaywallConfigError,
} from "./service/x402Paywall.js";
export {
  createStateFile,
  type DeploymentKey,
  deploymentKeyOf,
  openDeploymentState,
  type StateFile,
} from "./state.js";
export {
  type CheckResultParameters,
  checkResult,
  type ResultCheck,
  type ResultCheckFailure,
} from "./tenant/checkResult.js";
export {
  type DeployedReplica,
  type DeployJobParameters,
  type DeployJobResult,
  type DeployProgress,
  deployJob,
  download,
  NoBidsError,
} from "./tenant/deployJob.js";
export {
  type DeployServiceParameters,
  type DeployServiceProgress,
  type DeployServiceResult,
  deployService,
  type LeaseStatus,
  readLeaseStatus,
} from "./tenant/deployService.js";
export {
  openTenantJobs,
  type TenantJob,
  type TenantJobs,
  type TenantOrder,
  type TenantOrderStage,
} from "./tenant/jobState.js";
export {
  type OptimisticPhase,
  optimisticPhase,
  verifierOf,
  waitOptimistic,
} from "./tenant/optimistic.js";
export {
  type ResumedJob,
  type ResumeJobsParameters,
  type ResumeProgress,
  resumeJobs,
} from "./tenant/resumeJobs.js";
export { type SettleJobResult, type SettleProgress, settleJob } from "./tenant/settleJob.js";
export * from "./verify/index.js";
export { coprocessorSource } from "./verify/sources/coprocessor.js";
