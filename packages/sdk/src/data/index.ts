export * from "./ddo.js";
export * from "./did.js";
export * from "./providerFee.js";
export * from "./quote.js";
