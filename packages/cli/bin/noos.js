#!/usr/bin/env node
// Runs the compiled JavaScript in packages/*/dist (built by `npm ci`, `npm run build` and
// `npm test`; see scripts/build.ts) when it exists and is not older than the TypeScript sources,
// else the sources themselves through tsx: whoever edits a file and runs `noos` gets that code.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newestSourceMtimeMs } from "./stamp.js";

const packagesDir = fileURLToPath(new URL("../../", import.meta.url));

function buildIsFresh() {
  try {
    const stamp = JSON.parse(readFileSync(new URL("../dist/build.json", import.meta.url), "utf8"));
    return newestSourceMtimeMs(packagesDir) <= stamp.sourcesMtimeMs;
  } catch {
    return false; // no build (or no stamp): the sources
  }
}

if (buildIsFresh()) {
  await import("../dist/main.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}
