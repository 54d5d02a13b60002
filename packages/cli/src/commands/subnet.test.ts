// `noos subnet epoch|simulate`: once through the real binary (bit-exact JSON), the rest in-process
// on a commander program with only this command registered (spawning costs seconds each).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { InvalidParameterError, parseJsonBig, stringifyJsonBig } from "@noosphere/sdk";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { GlobalOptions } from "../context.js";
import { registerSubnet } from "./subnet.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../../bin/noos.js");
const examplePath = path.resolve(here, "../../../sdk/src/yuma/testdata/yuma-example.json");
const examplesDir = path.resolve(here, "../../../../examples/subnet");
let dir: string;

const canon = (v: unknown) => stringifyJsonBig(parseJsonBig(stringifyJsonBig(v, 0)), 0);

type Example = {
  vector: { params: unknown; epochs: Array<{ input_state: unknown; output: unknown }> };
};

/** Runs `noos <args>` in-process and returns what it wrote to stdout. */
async function noosInProcess(...args: string[]): Promise<string> {
  const program = new Command("noos").option("--json").exitOverride();
  registerSubnet(program, () => program.opts<GlobalOptions>());
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await program.parseAsync(["node", "noos", ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

async function invalid(...args: string[]): Promise<InvalidParameterError> {
  const err = await noosInProcess(...args).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof InvalidParameterError))
    throw new Error(`expected InvalidParameterError, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-subnet-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("noos subnet epoch", () => {
  it("the binary's --json reproduces yuma-example.json's second (chained) epoch exactly", async () => {
    const example = parseJsonBig(await readFile(examplePath, "utf8")) as Example;
    const epoch = example.vector.epochs[1];
    const input = path.join(dir, "epoch1.json");
    await writeFile(
      input,
      stringifyJsonBig({ params: example.vector.params, input_state: epoch?.input_state }),
    );
    const { stdout } = await run(
      process.execPath,
      [noosBin, "subnet", "epoch", "--input", input, "--json"],
      {
        timeout: 60_000,
      },
    );
    // Big integers are JSON numbers written from BigInt text: parse them exactly.
    expect(canon(parseJsonBig(stdout))).toBe(canon(epoch?.output));
  });

  it("prints a per-uid table without --json", async () => {
    const stdout = await noosInProcess(
      "subnet",
      "epoch",
      "--input",
      path.join(examplesDir, "yuma3-liquid-alpha.json"),
    );
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^n 5, block \d+, Yuma3 \+ liquid alpha/);
    expect(lines[1]).toMatch(
      /^UID\s+STAKE WEIGHT\s+CONSENSUS\s+INCENTIVE\s+DIVIDENDS\s+VTRUST\s+EMISSION\s+PERMIT/,
    );
    expect(lines).toHaveLength(2 + 5);
    expect(lines[2]).toMatch(/^0\s+0\.8000\s+0\.0000\s+0\.0000\s+0\.8819\s/); // uid 0: S 0.8, D ≈ 0.8819
  });

  it("clear errors: missing file, bad JSON, bad field", async () => {
    const missing = await invalid("subnet", "epoch", "--input", path.join(dir, "nope.json"));
    expect([missing.field, missing.expected]).toEqual(["--input", "a readable JSON file"]);

    const badJson = path.join(dir, "bad.json");
    await writeFile(badJson, '{"params": {');
    const syntax = await invalid("subnet", "epoch", "--input", badJson, "--json");
    expect(syntax.field).toBe("--input");
    expect(syntax.expected).toMatch(/^valid JSON \(JSON: .* at offset \d+\)$/);

    const example = parseJsonBig(await readFile(examplePath, "utf8")) as Example;
    const state = {
      ...(example.vector.epochs[0]?.input_state as Record<string, unknown>),
      stake: [1, 2, 3],
    };
    const badField = path.join(dir, "field.json");
    await writeFile(
      badField,
      stringifyJsonBig({ params: example.vector.params, input_state: state }),
    );
    const field = await invalid("subnet", "epoch", "--input", badField);
    expect([field.field, field.expected]).toEqual([
      "input_state.stake",
      "an array of n = 8 entries",
    ]);
  });
});

describe("noos subnet simulate", () => {
  it("--json: with commit-reveal the copier earns less per stake than the honest validators", async () => {
    const out = JSON.parse(
      await noosInProcess("subnet", "simulate", "--epochs", "12", "--seed", "3", "--json"),
    ) as {
      runs: Array<{
        commitReveal: boolean;
        copierHonestRatio: number;
        validators: Array<{ stake: string }>;
      }>;
    };
    expect(out.runs.map((r) => r.commitReveal)).toEqual([false, true]);
    const [off, on] = out.runs;
    expect(on?.copierHonestRatio).toBeLessThan(1);
    expect(on?.copierHonestRatio).toBeLessThan(off?.copierHonestRatio ?? 0);
    expect(typeof out.runs[0]?.validators[0]?.stake).toBe("string"); // bigints as strings (printJson)
  });

  it("--no-commit-reveal runs one mode and prints the ratio", async () => {
    const stdout = await noosInProcess(
      "subnet",
      "simulate",
      "--epochs",
      "4",
      "--no-commit-reveal",
      "--yuma2",
    );
    expect(stdout).toMatch(
      /without commit-reveal \(copier 0 tempo\(s\) stale, Yuma2, 4 epochs, seed 1\)/,
    );
    expect(stdout).not.toMatch(/\nwith commit-reveal/);
    expect(stdout).toMatch(/copier\/honest dividends per stake: \d\.\d{4}/);
  });

  it("rejects a bad --epochs", async () => {
    const e = await invalid("subnet", "simulate", "--epochs", "zero");
    expect([e.field, e.expected]).toEqual(["--epochs", "an integer >= 1"]);
  });
});
