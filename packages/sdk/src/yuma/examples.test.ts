// examples/subnet/*.json (inputs of `noos subnet epoch`) against their committed expected
// outputs, generated once by examples/subnet/generate.ts from this implementation after it
// reproduced every subtensor assertion (epoch.test.ts, yuma3.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runEpoch } from "./epoch.js";
import { epochOutputToJson, parseEpochInput, parseJsonBig, stringifyJsonBig } from "./io.js";

const dir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../examples/subnet",
);
const inputs = readdirSync(dir)
  .filter((f) => f.endsWith(".json") && !f.endsWith(".expected.json"))
  .sort();
const read = (file: string) => parseJsonBig(readFileSync(path.join(dir, file), "utf8"));
const canon = (v: unknown) => stringifyJsonBig(parseJsonBig(stringifyJsonBig(v, 0)), 0);

describe("examples/subnet state files", () => {
  it("cover Yuma2, Yuma3, liquid alpha, clipping, inactive and unpermitted validators, commit-reveal", () => {
    expect(inputs).toEqual(
      [
        "commit-reveal-sniped.json",
        "unpermitted-validators.json",
        "yuma2-clipping.json",
        "yuma2-inactive.json",
        "yuma2-test-bonds.json",
        "yuma3-liquid-alpha.json",
        "yuma3.json",
      ].sort(),
    );
  });

  it.each(inputs)("%s reproduces its .expected.json", (file) => {
    const { params, state } = parseEpochInput(read(file));
    const out = epochOutputToJson(runEpoch(params, state));
    const expected = read(file.replace(/\.json$/, ".expected.json")) as Record<string, unknown>;
    for (const key of Object.keys(expected))
      expect([key, canon(out[key])]).toEqual([key, canon(expected[key])]);
  });

  it("each file exercises what its name says", () => {
    const run = (file: string) => {
      const { params, state } = parseEpochInput(read(file));
      return { params, state, out: runEpoch(params, state) };
    };
    const clip = run("yuma2-clipping.json");
    expect(clip.out.consensusU16.slice(4, 7)).toEqual([0, 0, 0]); // nothing survives on servers 4-6
    const inactive = run("yuma2-inactive.json");
    expect(inactive.out.active.slice(0, 2)).toEqual([true, false]);
    const unpermitted = run("unpermitted-validators.json");
    expect(unpermitted.state.validatorPermit.slice(0, 5)).toEqual([true, true, true, false, false]);
    expect(unpermitted.out.validatorTrustU16.slice(3, 5)).toEqual([0, 0]);
    const liquid = run("yuma3-liquid-alpha.json");
    expect([liquid.params.yuma3, liquid.params.liquidAlpha]).toEqual([true, true]);
    // Commit-reveal: turning the mask off changes uid 5's consensus.
    const cr = run("commit-reveal-sniped.json");
    const noMask = runEpoch({ ...cr.params, commitReveal: false }, cr.state);
    expect(noMask.consensusU16[5]).not.toBe(cr.out.consensusU16[5]);
  });
});
