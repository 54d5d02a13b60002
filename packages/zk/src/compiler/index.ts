export { writeCircomProject } from "../circom/project.js";
export {
  circuitInputs,
  expectedPublicSignals,
  paramHash,
  publicSignalLayout,
  quantizeInput,
  type RunQuantizedReturnType,
  runQuantized,
} from "../quantize/run.js";
export {
  type CompiledCircuit,
  compileCircuit,
  type PublicSignalLayout,
} from "./compile.js";
export { supportedOperators } from "./ops.js";
