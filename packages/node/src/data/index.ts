export * from "./ecies.js";
