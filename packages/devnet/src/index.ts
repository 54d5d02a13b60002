export * from "./anvil.js";
export * from "./deploy.js";
export * from "./devnet.js";
export * from "./testDeployment.js";
export * from "./testing.js";
