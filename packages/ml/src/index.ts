export {
  type EzklInput,
  type EzklOutput,
  parseEzklInput,
  parseEzklOutput,
  readEzklInput,
  readEzklOutput,
  writeEzklInput,
  writeEzklOutput,
} from "./data/ezkl.js";
export {
  type SplitTrainTestParameters,
  type SplitTrainTestReturnType,
  splitTrainTest,
} from "./data/split.js";
export {
  formatCsv,
  loadTable,
  type ParseTableOptions,
  parseTable,
  type Table,
  type TableFormat,
  toFeaturesAndLabels,
  writeTable,
} from "./data/table.js";
export { detExp, detLog } from "./detmath.js";
export {
  InputShapeError,
  type InputShapeErrorType,
  ModelLoadError,
  type ModelLoadErrorType,
  OnnxFormatError,
  type OnnxFormatErrorType,
  TableParseError,
  type TableParseErrorType,
} from "./errors.js";
export * from "./fixed/index.js";
export {
  type AttributeInput,
  attr,
  createGraphBuilder,
  createTensor,
  type GraphBuilder,
  toAttribute,
} from "./onnx/builder.js";
export {
  dataTypeCodes,
  decodeModel,
  encodeModel,
  readOnnx,
  writeOnnx,
} from "./onnx/codec.js";
export { foldConstants } from "./onnx/fold.js";
export { type CreateCnnOnnxParameters, createCnnOnnx } from "./onnx/models.js";
export {
  fromOnnxTensor,
  type RefTensor,
  referenceOperators,
  runReference,
  window2d,
} from "./onnx/reference.js";
export type {
  Dim,
  OnnxAttribute,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
  TensorData,
  TensorDataType,
} from "./onnx/types.js";
export { createRng, type Rng, shuffleInPlace } from "./random.js";
export {
  type EvaluateOptions,
  type EvaluateReturnType,
  evaluate,
  logSoftmaxAt,
} from "./runtime/evaluate.js";
export {
  type CreateSessionOptions,
  createSession,
  type InferenceInput,
  type MlSession,
  type RunInferenceOptions,
  runInference,
  type TensorInfo,
} from "./runtime/session.js";
export {
  createMlp,
  type EpochStats,
  type ExportMlpOnnxOptions,
  exportMlpOnnx,
  type Mlp,
  mlpToOnnx,
  predictMlp,
  type TrainMlpParameters,
  type TrainMlpReturnType,
  trainMlp,
} from "./train/mlp.js";
