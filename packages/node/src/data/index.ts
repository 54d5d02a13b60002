export * from "./access.js";
export * from "./chain.js";
export * from "./client.js";
export * from "./ecies.js";
export * from "./job.js";
export * from "./request.js";
export * from "./server.js";
