// Yuma Consensus (Bittensor subtensor's production sparse epoch), bit-exact, as pure functions.
export * from "./chain.js";
export * from "./epoch.js";
export * from "./io.js";
export { maxUpscaleWeights } from "./math.js";
/** The subtensor test scenarios of specs/yuma.md §7.1, rebuilt on the in-memory chain. */
export * as yumaScenarios from "./scenarios.js";
export * from "./simulate.js";
