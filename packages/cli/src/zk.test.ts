// `noos zk` as a new user runs it, on the linear regression exported from PyTorch
// (examples/zk/models/linreg.onnx): every step in order, the proof checked off chain and by the
// generated Solidity verifier on a real anvil, and tampered proofs rejected by both.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startTestChain, type TestChain } from "@noosphere/devnet";
import { createSession, runInference } from "@noosphere/ml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
const examples = path.resolve(here, "../../../examples/zk");
let dir: string;
let chain: TestChain;

async function noos(...args: string[]): Promise<{ code: number; out: Record<string, unknown> }> {
  try {
    const { stdout } = await run(process.execPath, [noosBin, "zk", ...args, "--json"], {
      cwd: dir,
      timeout: 120_000,
      env: { ...process.env, NOOS_PTAU_DIR: path.join(dir, "ptau") },
    });
    return { code: 0, out: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (typeof e.code !== "number" || !e.stdout) throw err;
    return { code: e.code, out: JSON.parse(e.stdout) };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-zk-"));
  chain = await startTestChain();
});
afterAll(async () => {
  await chain?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("noos zk", () => {
  it("proves a PyTorch linear regression and verifies it off chain and on chain", async () => {
    const model = path.join(examples, "models/linreg.onnx");
    const input = path.join(examples, "data/linreg.input.json");
    await noos("gen-settings", "-M", model);
    const calibrated = await noos(
      "calibrate-settings",
      "-M",
      model,
      "-D",
      path.join(examples, "data/linreg.calibration.json"),
    );
    const bound = (calibrated.out.settings as { calibration: { error_bound: number } }).calibration
      .error_bound;
    expect(bound).toBeGreaterThan(0);
    const compiled = await noos("compile-circuit", "-M", model);
    expect(compiled.out.constraints).toBeGreaterThan(0);
    const setup = await noos("setup");
    expect(setup.out.developmentSetup).toBe(true);
    const witness = await noos("gen-witness", "-D", input);
    await noos("prove");
    const verified = await noos("verify");
    expect(verified.out.verified).toBe(true);

    // The proven output is the float model's within the bound calibrate-settings reported.
    const session = await createSession(model);
    const sample = JSON.parse(await readFile(input, "utf8")).input_data[0] as number[];
    const float = (await runInference(session, sample)).output_data[0]?.[0] ?? Number.NaN;
    const proven = (witness.out.outputData as number[])[0] ?? Number.NaN;
    expect(Math.abs(proven - float)).toBeLessThanOrEqual(bound);

    await noos("create-evm-verifier");
    const key = chain.accounts[0]?.privateKey ?? "";
    const rpc = ["--rpc-url", chain.anvil.rpcUrl, "--private-key", key];
    const deployed = await noos("deploy-evm", ...rpc);
    const addr = String(deployed.out.address);
    const onChain = await noos("verify-evm", "--addr", addr, ...rpc);
    expect(onChain.out.verified).toBe(true);
    expect(Number(onChain.out.gas)).toBeLessThan(300_000);

    // A tampered public signal (the proven output) and a tampered proof are both rejected.
    const proof = JSON.parse(await readFile(path.join(dir, "proof.json"), "utf8"));
    const last = proof.public_signals.length - 1;
    const badSignal = structuredClone(proof);
    badSignal.public_signals[last] = (BigInt(badSignal.public_signals[last]) + 1n).toString();
    await writeFile(path.join(dir, "bad-signal.json"), JSON.stringify(badSignal));
    const badProof = structuredClone(proof);
    badProof.proof.pi_a[0] = (BigInt(badProof.proof.pi_a[0]) + 1n).toString();
    await writeFile(path.join(dir, "bad-proof.json"), JSON.stringify(badProof));
    for (const file of ["bad-signal.json", "bad-proof.json"]) {
      const off = await noos("verify", "--proof-path", file);
      expect(off.code).toBe(1);
      expect(off.out.verified).toBe(false);
      const on = await noos("verify-evm", "--addr", addr, "--proof-path", file, ...rpc);
      expect(on.code).toBe(1);
      expect(on.out.verified).toBe(false);
    }
  });

  it("names the field of a bad flag", async () => {
    const r = await noos(
      "gen-settings",
      "-M",
      path.join(examples, "models/linreg.onnx"),
      "--input-visibility",
      "secret",
    );
    expect(r.code).toBe(1);
    expect(JSON.stringify(r.out)).toContain("--input-visibility");
  });
});
