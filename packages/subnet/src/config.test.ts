// miner.yaml / validator.yaml / keeper.yaml: defaults, and errors that name the field.
import { describe, expect, it } from "vitest";
import {
  durationMs,
  parseKeeperFile,
  parseMinerFile,
  parseValidatorFile,
  SubnetConfigError,
} from "./config.js";

const problems = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SubnetConfigError);
    return (err as SubnetConfigError).metaMessages ?? [];
  }
  throw new Error("expected a SubnetConfigError");
};

describe("subnet configs", () => {
  it("test_parseMinerFile_minimal_fillsDefaults", () => {
    const file = parseMinerFile("netuid: 3\ntask: { model: a.onnx }\n");
    expect(file).toMatchObject({
      netuid: 3,
      register: true,
      axon: { host: "127.0.0.1", port: 0 },
      policy: { timeWindow: "8s", minValidatorStake: "0", ratePerMinute: 600 },
      stateDir: ".",
      task: { model: "a.onnx" },
    });
  });

  it("test_parseMinerFile_badFields_namesEachField", () => {
    const found = problems(() =>
      parseMinerFile(
        "netuid: 0\naxon: { port: 70000 }\npolicy: { blacklist: [nope], timeWindow: soon }\nextra: 1\n",
      ),
    );
    expect(found.join("\n")).toMatch(/netuid/);
    expect(found.join("\n")).toMatch(/axon\.port/);
    expect(found.join("\n")).toMatch(/policy\.blacklist\.0: a 0x-prefixed 20-byte address/);
    expect(found.join("\n")).toMatch(/policy\.timeWindow: a duration/);
    expect(found.join("\n")).toMatch(/extra/);
  });

  it("test_parseValidatorFile_badFields_namesEachField", () => {
    const found = problems(() =>
      parseValidatorFile(
        'netuid: 1\nstake: "lots"\nscores: { alpha: 0 }\nweights: { everyBlocks: 0 }\n',
      ),
    );
    expect(found.join("\n")).toMatch(/stake: a decimal amount of NOOS/);
    expect(found.join("\n")).toMatch(/scores\.alpha/);
    expect(found.join("\n")).toMatch(/weights\.everyBlocks/);
  });

  it("test_parseValidatorFile_defaults_templateLike", () => {
    const file = parseValidatorFile("netuid: 1\n");
    expect(file.query).toEqual({ interval: "1s", sampleSize: 0, timeout: "2s" });
    expect(file.scores.alpha).toBe(0.1);
    expect(file.weights).toEqual({ everyBlocks: 100, exponent: 1, versionKey: 0 });
    expect(file.copyWeights).toBe(false);
  });

  it("test_parseKeeperFile_noNetuids_refused", () => {
    expect(problems(() => parseKeeperFile("netuids: []\n")).join("\n")).toMatch(/netuids/);
    expect(parseKeeperFile("netuids: [1, 2]\nmineEvery: 250ms\n")).toMatchObject({
      netuids: [1, 2],
      claim: "all",
      claimEvery: 1,
      mineEvery: "250ms",
    });
  });

  it("test_parseMinerFile_notYaml_saysSo", () => {
    expect(problems(() => parseMinerFile("netuid: [1\n")).join("\n")).toMatch(/not valid YAML/);
  });

  it("test_durationMs_units", () => {
    expect(durationMs("250ms", "x")).toBe(250);
    expect(durationMs("2s", "x")).toBe(2000);
    expect(durationMs("5m", "x")).toBe(300_000);
  });
});
