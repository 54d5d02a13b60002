export * from "./axon.js";
export * from "./dendrite.js";
export * from "./envelope.js";
export * from "./metagraph.js";
export * from "./synapse.js";
export * from "./task.js";
