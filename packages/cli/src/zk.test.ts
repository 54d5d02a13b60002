// `noos zk` as a new user runs it, on the linear regression exported from PyTorch
// (examples/zk/models/linreg.onnx): every step in order, the proof checked off chain, by the
// generated Solidity verifier on a real devnet, and recorded by the ProofRegistry; tampered
// proofs rejected off chain and on chain.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort } from "@noosphere/devnet";
import { createSession, runInference } from "@noosphere/ml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
const examples = path.resolve(here, "../../../examples/zk");
let dir: string;

async function noos(...args: string[]): Promise<{ code: number; out: Record<string, unknown> }> {
  try {
    const { stdout } = await run(process.execPath, [noosBin, ...args, "--json"], {
      cwd: dir,
      timeout: 600_000,
      env: { ...process.env, NOOS_PTAU_DIR: path.join(dir, "ptau") },
    });
    return { code: 0, out: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (typeof e.code !== "number" || !e.stdout) throw err;
    return { code: e.code, out: JSON.parse(e.stdout) };
  }
}

const zk = (...args: string[]) => noos("zk", ...args);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-zk-"));
  await noos("devnet", "--detach", "--port", String(await getFreePort()));
}, 180_000);
afterAll(async () => {
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos zk", () => {
  it("proves a PyTorch linear regression and verifies it off chain and on chain", async () => {
    const model = path.join(examples, "models/linreg.onnx");
    const input = path.join(examples, "data/linreg.input.json");
    await zk("gen-settings", "-M", model);
    const calibrated = await zk(
      "calibrate-settings",
      "-M",
      model,
      "-D",
      path.join(examples, "data/linreg.calibration.json"),
    );
    const bound = (calibrated.out.settings as { calibration: { error_bound: number } }).calibration
      .error_bound;
    expect(bound).toBeGreaterThan(0);
    const compiled = await zk("compile-circuit", "-M", model);
    expect(compiled.out.constraints).toBeGreaterThan(0);
    const setup = await zk("setup");
    expect(setup.out.developmentSetup).toBe(true);
    const witness = await zk("gen-witness", "-D", input);
    await zk("prove");
    // EZKL's scripts pass -S to verify and create-evm-verifier: the settings must be the key's.
    const verified = await zk("verify", "-S", "settings.json");
    expect(verified.out.verified).toBe(true);
    const settingsText = await readFile(path.join(dir, "settings.json"), "utf8");
    await writeFile(path.join(dir, "other-settings.json"), `${settingsText} `);
    const mismatch = await zk("verify", "-S", "other-settings.json");
    expect(mismatch.code).toBe(1);
    expect(JSON.stringify(mismatch.out.error)).toContain("--settings-path");

    // The proven output is the float model's within the bound calibrate-settings reported.
    const session = await createSession(model);
    const sample = JSON.parse(await readFile(input, "utf8")).input_data[0] as number[];
    const float = (await runInference(session, sample)).output_data[0]?.[0] ?? Number.NaN;
    const proven = (witness.out.outputData as number[])[0] ?? Number.NaN;
    expect(Math.abs(proven - float)).toBeLessThanOrEqual(bound);

    await zk("create-evm-verifier", "-S", "settings.json");
    // Defaults: the devnet's endpoint and funded account.
    const deployed = await zk("deploy-evm");
    const addr = String(deployed.out.address);
    const onChain = await zk("verify-evm", "--addr", addr);
    expect(onChain.out.verified).toBe(true);
    expect(Number(onChain.out.gas)).toBeGreaterThan(150_000);
    expect(Number(onChain.out.gas)).toBeLessThan(300_000);

    // Without the ONNX file there is nothing for a coprocessor node to serve: the flag is named.
    const noModel = await zk("register-model", "--addr", addr);
    expect(noModel.code).toBe(1);
    expect(JSON.stringify(noModel.out)).toContain("--model");
    const registered = await zk("register-model", "--addr", addr, "--model", model);
    const modelId = String(registered.out.modelId);
    // The artifacts travel with the model: the manifest's CID is the metadataURI, every artifact
    // comes back from the store with its sha256, and the ONNX is the registered one.
    expect(registered.out.metadataURI).toBe(`ipfs://${registered.out.manifestCid}`);
    const artifacts = registered.out.artifacts as Record<string, { cid: string; sha256: string }>;
    expect(Object.keys(artifacts).sort()).toEqual(
      ["circuit", "onnx", "pk", "settings", "vk", "wasm"].sort(),
    );
    expect(artifacts.onnx?.sha256).toBe(registered.out.onnxHash);
    const fetched = await noos(
      "store",
      "get",
      String(artifacts.pk?.cid),
      "-o",
      path.join(dir, "pk.fetched"),
    );
    expect(fetched.out.sha256).toBe(artifacts.pk?.sha256);
    // A tampered public signal (the proven output) and a tampered proof are rejected off chain, by
    // the verifier and by the ProofRegistry.
    const proof = JSON.parse(await readFile(path.join(dir, "proof.json"), "utf8"));
    const last = proof.public_signals.length - 1;
    const badSignal = structuredClone(proof);
    badSignal.public_signals[last] = (BigInt(badSignal.public_signals[last]) + 1n).toString();
    await writeFile(path.join(dir, "bad-signal.json"), JSON.stringify(badSignal));
    const badProof = structuredClone(proof);
    badProof.proof.pi_a[0] = (BigInt(badProof.proof.pi_a[0]) + 1n).toString();
    await writeFile(path.join(dir, "bad-proof.json"), JSON.stringify(badProof));
    for (const file of ["bad-signal.json", "bad-proof.json"]) {
      const off = await zk("verify", "--proof-path", file);
      expect(off.code).toBe(1);
      expect(off.out.verified).toBe(false);
      const on = await zk("verify-evm", "--addr", addr, "--proof-path", file);
      expect(on.code).toBe(1);
      expect(on.out.verified).toBe(false);
      const submitted = await zk("submit-proof", "--model-id", modelId, "--proof-path", file);
      expect(submitted.code).toBe(1);
      expect(JSON.stringify(submitted.out)).toContain("ProofRegistryInvalidProof");
    }

    // Recorded only after the tampered ones were refused: a re-submission of a recorded statement
    // is refused as already recorded before any pairing is computed.
    // --commit: commit, then submit (finding 10), so the record's claim is this account's.
    const recorded = await zk("submit-proof", "--model-id", modelId, "--commit");
    expect(recorded.out.outputData).toEqual([witness.out.outputData]);
    expect(recorded.out).toMatchObject({ committed: true, newRecord: true });
    const again = await zk("submit-proof", "--model-id", modelId);
    expect(again.code).toBe(1);
    expect(JSON.stringify(again.out)).toContain("ProofRegistryAlreadyRecorded");
    // A later commitment cannot take the claim over.
    const late = await zk("submit-proof", "--model-id", modelId, "--commit");
    expect(late.code).toBe(1);
    expect(JSON.stringify(late.out)).toContain("ProofRegistryClaimNotEarlier");
  }, 600_000);

  it("names the field of a bad flag", async () => {
    const r = await zk(
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
