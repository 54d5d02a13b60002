// The build's freshness check, shared by bin/noos.js (at every start) and scripts/build.ts (which
// records the value in packages/cli/dist/build.json). Plain JavaScript: it runs before tsx.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/**
 * The newest modification time (ms) of the build's inputs: every file and folder under
 * packages/<pkg>/src (test files aside; a folder's time changes when a file is added, removed or
 * renamed in it) and every packages/<pkg>/package.json (their exports map imports to files).
 * About 330 stats: a few milliseconds.
 */
export function newestSourceMtimeMs(packagesDir) {
  let newest = 0;
  const visit = (dir) => {
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (!entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    const dir = path.join(packagesDir, pkg.name);
    try {
      newest = Math.max(newest, statSync(path.join(dir, "package.json")).mtimeMs);
      visit(path.join(dir, "src"));
    } catch (err) {
      if (err.code !== "ENOENT") throw err;
    }
  }
  return newest;
}
