// Compiles every workspace package's TypeScript sources (packages/*/src) to JavaScript in
// packages/*/dist, so that `noos` starts as plain JavaScript instead of through tsx (which
// compiles the CLI at every start). Run by `npm ci` (the root `prepare` script), `npm run build`
// and `npm test`; packages/cli/bin/noos.js uses the build only while it is not older than the
// sources (stamp: packages/cli/dist/build.json), else the sources through tsx as before.
//
//   npx tsx packages/cli/scripts/build.ts
//
// Why one file in, one file out (esbuild's transform, no bundle) rather than a bundle or tsc:
// - every dist file sits at the same depth as its source (src/a/b.ts -> dist/a/b.js), so paths
//   computed from import.meta.url (packages/zk/circuits, bin/noos.js for daemons, examples/,
//   the repo root) and template imports (`../demos/${name}.js`) stay right with no change;
//   a bundle moves code into chunks and breaks each of them;
// - tsc would need a project per package, declaration-free emit settings and conditional exports
//   that Node only honours with a --conditions flag; esbuild (tsx's own compiler, already
//   installed) strips types per file, which `isolatedModules`/`verbatimModuleSyntax` make safe.
// The only rewrite: `@noosphere/<pkg>[/sub]` specifiers, whose package.json exports point at
// src/*.ts for tests and developers, become relative paths to the matching dist/*.js.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newestSourceMtimeMs } from "../bin/stamp.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const packagesDir = path.join(repoRoot, "packages");
/** Where bin/noos.js looks for the build and its stamp. */
const STAMP_FILE = path.join(packagesDir, "cli", "dist", "build.json");

// esbuild is tsx's dependency: resolve it from tsx, wherever npm placed it.
const requireFromTsx = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"));
const esbuild = requireFromTsx("esbuild") as typeof import("esbuild");

type Pkg = { name: string; dir: string; exports: Map<string, string> };

/** Each workspace package under packages/ and its exports ("@noosphere/zk/prover" -> dist file). */
function readPackages(): Pkg[] {
  const pkgs: Pkg[] = [];
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(packagesDir, entry.name);
    let json: { name: string; exports?: Record<string, string> };
    try {
      json = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    } catch {
      continue;
    }
    const exports = new Map<string, string>();
    for (const [sub, target] of Object.entries(json.exports ?? {})) {
      if (typeof target !== "string" || !/^\.\/src\/.+\.ts$/.test(target)) {
        throw new Error(`${json.name}: export ${sub} -> ${String(target)} is not ./src/*.ts`);
      }
      const specifier = sub === "." ? json.name : `${json.name}/${sub.slice(2)}`;
      exports.set(specifier, path.join(dir, "dist", `${target.slice("./src/".length, -3)}.js`));
    }
    pkgs.push({ name: json.name, dir, exports });
  }
  return pkgs;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

const isTest = (file: string) => /\.test\.ts$/.test(file);

async function build() {
  // Read first: a source edited while the build runs is newer than the stamp, so it is stale.
  const sourcesMtimeMs = newestSourceMtimeMs(packagesDir);
  const pkgs = readPackages();
  const specifiers = new Map(pkgs.flatMap((p) => [...p.exports]));
  const importRe = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"(@noosphere\/[^"]+)"/g;
  rmSync(STAMP_FILE, { force: true }); // no stamp while dist/ is half rebuilt
  for (const pkg of pkgs) {
    const src = path.join(pkg.dir, "src");
    const out = path.join(pkg.dir, "dist");
    const tmp = path.join(pkg.dir, `dist.tmp-${process.pid}`);
    let files: string[];
    try {
      files = listFiles(src);
    } catch {
      continue; // no src/ (nothing to build)
    }
    rmSync(tmp, { recursive: true, force: true });
    for (const file of files) {
      const rel = path.relative(src, file);
      if (isTest(file) || rel.split(path.sep).includes("testdata")) continue;
      if (!file.endsWith(".ts") || file.endsWith(".d.ts")) {
        mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
        copyFileSync(file, path.join(tmp, rel)); // data files read beside the code
        continue;
      }
      const target = path.join(tmp, `${rel.slice(0, -3)}.js`);
      const finalTarget = path.join(out, `${rel.slice(0, -3)}.js`);
      const result = await esbuild.transform(readFileSync(file, "utf8"), {
        loader: "ts",
        format: "esm",
        platform: "node",
        target: "node20",
        sourcefile: file,
      });
      const code = result.code.replace(importRe, (_m, head: string, spec: string) => {
        const resolved = specifiers.get(spec);
        if (resolved === undefined) throw new Error(`${file}: unknown import "${spec}"`);
        let relative = path.relative(path.dirname(finalTarget), resolved).split(path.sep).join("/");
        if (!relative.startsWith(".")) relative = `./${relative}`;
        return `${head}"${relative}"`;
      });
      mkdirSync(path.dirname(target), { recursive: true });
      await writeFile(target, code);
    }
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
  }
  mkdirSync(path.dirname(STAMP_FILE), { recursive: true });
  await writeFile(STAMP_FILE, `${JSON.stringify({ sourcesMtimeMs })}\n`);
}

await build();
