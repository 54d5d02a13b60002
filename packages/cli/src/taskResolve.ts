// A module resolve hook for subnet task modules when `noos` runs from its compiled build: the
// task's `@noosphere/<pkg>[/sub]` imports go to packages/<pkg>/dist (what the CLI itself runs)
// instead of the package exports' src/*.ts, so the task shares the CLI's module instances and a
// neuron does not load the SDK twice, once compiled and once through tsx (11 s vs 4 s per
// process on a loaded 2-core machine). Registered by `loadTask` (commands/subnet.ts) only then.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// dist/taskResolve.js -> packages/
const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

type Resolve = (
  specifier: string,
  context: unknown,
  next: (specifier: string, context: unknown) => Promise<{ url: string }>,
) => Promise<{ url: string; shortCircuit?: boolean }>;

export const resolve: Resolve = async (specifier, context, next) => {
  const m = /^@noosphere\/([a-z0-9-]+)(\/.+)?$/.exec(specifier);
  if (m) {
    const dir = path.join(packagesDir, m[1] as string);
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
        exports?: Record<string, string>;
      };
      const target = pkg.exports?.[m[2] ? `.${m[2]}` : "."];
      if (target?.startsWith("./src/") && target.endsWith(".ts")) {
        const file = path.join(dir, "dist", `${target.slice("./src/".length, -3)}.js`);
        if (existsSync(file)) return { url: pathToFileURL(file).href, shortCircuit: true };
      }
    } catch {
      // not one of ours: the next resolver decides
    }
  }
  return next(specifier, context);
};
