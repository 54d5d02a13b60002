// Where a devnet keeps its state. Kept apart from the rest of the package (no viem, no anvil)
// so that the CLI can find it at start-up without loading anything else.
import { statSync } from "node:fs";
import path from "node:path";

export const DEFAULT_DEVNET_DIR = ".noos";

/**
 * The devnet folder a command uses, found the way git and Foundry find theirs: `NOOS_DIR` if set,
 * else the nearest `.noos` folder in `cwd` or above it, else `<cwd>/.noos` (where a new devnet goes).
 */
export function findDevnetDir(cwd: string = process.cwd(), env = process.env): string {
  if (env.NOOS_DIR) return env.NOOS_DIR;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DEFAULT_DEVNET_DIR);
    try {
      if (statSync(candidate).isDirectory()) return path.relative(cwd, candidate) || ".";
    } catch {}
    if (path.dirname(dir) === dir) return DEFAULT_DEVNET_DIR;
  }
}
