export * from "./client.js";
export * from "./verifier.js";
export * from "./voucher.js";
export * from "./wire.js";
