export {
  type CalibrateSettingsOptions,
  calibrateSettings,
  type GenSettingsOptions,
  genSettings,
} from "./calibrate.js";
export {
  type CircomCompileOptions,
  type CircomCompileResult,
  compileCircom,
  readR1csHeader,
} from "./circom/compile.js";
export { CIRCUITS_DIR, circomlibDir, writeCircomProject } from "./circom/project.js";
export {
  calculateWitnessFile,
  checkWitness,
  publicSignalsOf,
  readSymbols,
  readWitness,
  terminateSnarkjs,
  writeWitness,
} from "./circom/witness.js";
export {
  analyzeModel,
  type CompiledCircuit,
  compileCircuit,
  type ModelAnalysis,
  type PublicSignalLayout,
  sha256Hex,
} from "./compiler/compile.js";
export type { Affine, Gadget, QuantGraph, QuantLayer, QuantOutput } from "./compiler/ir.js";
export { supportedOperators } from "./compiler/ops.js";
export {
  ZkCircomError,
  type ZkCircomErrorType,
  ZkCompileError,
  type ZkCompileErrorType,
  ZkInputRangeError,
  type ZkInputRangeErrorType,
  ZkUnsupportedOperatorError,
  type ZkUnsupportedOperatorErrorType,
} from "./errors.js";
export { FIELD_P, fromField, toField } from "./field.js";
export * from "./pipeline/artifacts.js";
export * from "./pipeline/evm.js";
export * from "./pipeline/groth16.js";
export { type ProveStepParameters, SINGLE_THREAD_MAX_CONSTRAINTS } from "./pipeline/prove.js";
export * from "./pipeline/prover.js";
export * from "./pipeline/ptau.js";
export * from "./pipeline/steps.js";
export {
  INPUT_PACK_BITS,
  INPUT_PACK_MAX,
  INPUT_PACK_MIN,
  INPUTS_PER_WORD,
  POSEIDON_CHUNK,
  packInputs,
  poseidonHashInputs,
  poseidonHashVector,
} from "./poseidon.js";
export { dequantize, quantizeValue } from "./quantize/fixed.js";
export {
  circuitInputs,
  evaluateGraph,
  expectedPublicSignals,
  paramHash,
  publicSignalLayout,
  quantizeInput,
  type RunQuantizedReturnType,
  runQuantized,
} from "./quantize/run.js";
export {
  type CalibrationTarget,
  checkRunArgs,
  defaultRunArgs,
  type InputVisibility,
  logrowsFor,
  type OutputVisibility,
  type ParamVisibility,
  parseSettings,
  type ZkCalibration,
  type ZkRunArgs,
  type ZkSettings,
} from "./settings.js";
