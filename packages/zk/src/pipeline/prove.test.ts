// `noos zk prove` loads "@noosphere/zk/prover" only: this checks that its module graph stays
// free of the compiler, the SDK, viem, onnxruntime and snarkjs (each costs start-up time and memory).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Packages a module loads at import time: value imports and re-exports, followed through relative files. */
function loadedPackages(entry: string): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>();
  const files = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    const re = /^(?:import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?"([^"]+)"/gm;
    for (const m of source.matchAll(re)) {
      const spec = m[1] as string;
      if (spec.startsWith("."))
        visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { packages, files };
}

describe("@noosphere/zk/prover", () => {
  it("test_proverEntry_loadsOnlyNodeAndTheLeanProver", () => {
    const pkg = JSON.parse(readFileSync(path.join(here, "../../package.json"), "utf8"));
    expect(pkg.exports["./prover"]).toBe("./src/pipeline/prove.ts");
    const { packages, files } = loadedPackages(path.join(here, "prove.ts"));
    // No package at all at import time: snarkjs is imported only for --worker-threads.
    expect([...packages].filter((p) => !p.startsWith("node:")).sort()).toEqual([]);
    // Type-only imports (steps.ts for the file layouts) are erased and must stay that way.
    expect([...files].map((f) => path.relative(path.join(here, ".."), f)).sort()).toEqual(
      ["pipeline/prove.ts", "prove/groth16.ts"].sort(),
    );
  });

  it("test_loadedPackages_followsValueImportsOnly", () => {
    // The checker itself: the package index does load the SDK and viem.
    const { packages } = loadedPackages(path.join(here, "../index.ts"));
    expect(packages.has("@noosphere/sdk")).toBe(true);
    expect(packages.has("viem")).toBe(true);
  });
});
