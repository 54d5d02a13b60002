#!/usr/bin/env node
// A `solc` binary for forge, backed by solc-js: forge cannot download native solc here.
// Forge calls `solc --version` and `solc --standard-json [paths...]` with the input on stdin.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version") || args.includes("-v")) {
  // Same shape as the native binary, which forge parses.
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
  );
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("solc shim: only --version and --standard-json are supported\n");
  process.exit(1);
}

// Forge inlines every source; the callback only serves imports it left out.
const basePath = flagValue("--base-path") ?? process.cwd();
const includePaths = flagValues("--include-path");
function findImports(p) {
  for (const root of [basePath, ...includePaths]) {
    try {
      return { contents: readFileSync(path.resolve(root, p), "utf8") };
    } catch {}
  }
  return { error: `File not found: ${p}` };
}
function flagValue(flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
function flagValues(flag) {
  return args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]] : []));
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
