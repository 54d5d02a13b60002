export { algorithmHashOf } from "./algorithm.js";
export {
  canonicalJson,
  canonicalManifestBytes,
  manifestHash,
  type VerifyJobManifestOptions,
  verifyJobManifest,
} from "./canonical.js";
export {
  formatManifestIssue,
  ManifestError,
  type ManifestErrorType,
  ManifestHashMismatchError,
  type ManifestHashMismatchErrorType,
  type ManifestIssue,
} from "./errors.js";
export {
  type ManifestOrderParameters,
  type ManifestQuantities,
  type ManifestToOrderParametersOptions,
  manifestQuantities,
  manifestToOrderParameters,
} from "./order.js";
export {
  loadJobManifest,
  loadServiceManifest,
  manifestKindOf,
  type ParseJobManifestOptions,
  parseJobManifest,
  parseServiceManifest,
  stringifyJobManifest,
  validateJobManifest,
  validateServiceManifest,
} from "./parse.js";
export { inferInputFormat, inputFormats, isCid } from "./refs.js";
export {
  type ManifestRef,
  type ManifestRefField,
  manifestRefs,
  resolveManifestRefs,
} from "./resolve.js";
export {
  type ContentRef,
  DEFAULT_MOMENTUM,
  type Duration,
  type EvaluationJobManifest,
  type EvaluationSpec,
  type InferenceJobManifest,
  type InputFormat,
  type InputRef,
  type JobKind,
  type JobManifest,
  jobKinds,
  jobManifestSchema,
  type MlpArchitecture,
  manifestLimits,
  manifestVersions,
  type Optimizer,
  type OptimizerName,
  optimizerNames,
  type Placement,
  type Pricing,
  plannedVerificationModes,
  type Resources,
  type ServiceManifest,
  type ServicePricing,
  type ServiceSpec,
  serviceLimits,
  serviceManifestSchema,
  type TrainingJobManifest,
  type TrainingSpec,
  type Verification,
  type VerificationMode,
  verificationModes,
} from "./schema.js";
export {
  isServiceManifestContent,
  resolveServiceManifestRefs,
  type ServiceOrderOptions,
  serviceManifestToOrderParameters,
  servicePricePerThousandSamples,
  verifyServiceManifest,
} from "./service.js";
export { formatNoos, parseCpu, parseDuration, parseMemory, parseNoos } from "./units.js";
