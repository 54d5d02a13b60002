import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CIRCOMLIB_HASH_FILES } from "../compiler/circom.js";
import type { CompiledCircuit } from "../compiler/compile.js";

const require = createRequire(import.meta.url);

/** packages/zk/circuits: our circom templates. */
export const CIRCUITS_DIR = fileURLToPath(new URL("../../circuits/", import.meta.url));

/** node_modules/circomlib/circuits. */
export function circomlibDir(): string {
  return join(dirname(require.resolve("circomlib/package.json")), "circuits");
}

/**
 * Writes main.circom and every file it includes into `dir` (circom2 runs under WASI and sees
 * only files below its working directory, so includes are copied, not referenced).
 */
export function writeCircomProject(
  compiled: CompiledCircuit,
  dir: string,
): { mainFile: string; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const mainFile = join(dir, "main.circom");
  writeFileSync(mainFile, compiled.circom.main);
  const files = [mainFile];
  const fromCircomlib = new Set<string>(CIRCOMLIB_HASH_FILES);
  for (const inc of compiled.circom.includes) {
    const src = fromCircomlib.has(inc) ? join(circomlibDir(), inc) : join(CIRCUITS_DIR, inc);
    const dst = join(dir, inc);
    if (inc === "poseidon_constants.circom") {
      writeFileSync(dst, trimPoseidonConstants(readFileSync(src, "utf8"), POSEIDON_WIDTHS));
    } else {
      copyFileSync(src, dst);
    }
    files.push(dst);
  }
  return { mainFile, files };
}

/** State widths t our circuits use: Poseidon(2) (t = 3) and Poseidon(16) (t = 17). */
export const POSEIDON_WIDTHS = [3, 17] as const;

/**
 * circomlib's poseidon_constants.circom keeps the round constants for every width t = 2..17 in
 * `if (t==N) {...} else if ...` chains (2 MB), and circom parses all of them on every compile
 * (~5 s). This keeps only the branches for `widths`, byte-for-byte, so hashes are unchanged.
 */
export function trimPoseidonConstants(source: string, widths: readonly number[]): string {
  const header = /^(\s*)(\}\s*else\s+)?if\s*\(\s*t\s*==\s*(\d+)\s*\)\s*\{\s*$/;
  const out: string[] = [];
  let inChain = false;
  let keep = true;
  let keptInChain = 0;
  for (const line of source.split("\n")) {
    const m = header.exec(line);
    if (m) {
      if (!m[2]) {
        inChain = true;
        keptInChain = 0;
      }
      keep = widths.includes(Number(m[3]));
      if (keep) {
        out.push(`${m[1]}${keptInChain === 0 ? "" : "} else "}if (t==${m[3]}) {`);
        keptInChain++;
      }
      continue;
    }
    if (inChain && /^\s*\}\s*else\s*\{\s*$/.test(line)) {
      inChain = false;
      keep = true;
    }
    if (keep) out.push(line);
  }
  return out.join("\n");
}
