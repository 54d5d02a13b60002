// `noos coprocessor request --verification optimistic` on anvil with a real coprocessor node: the
// shared optimistic setup (packages/node coprocessor/optimisticSetup.ts: the digits MLP as its
// Q16.16 program), the CLI reaching the deployment through a network file. The request waits out
// the claim's challenge window by default and prints the logits dequantized at Q16.16; an explicit --timeout shorter than the window gives up; a model without an optimistic
// program and --input-cid are refused before anything is sent.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { type OptimisticSetup, setupOptimisticCoprocessor } from "@noosphere/node";
import { coprocessorCoordinatorAbi, modelLayout, optimisticVerifierAbi } from "@noosphere/sdk";
import { Command } from "commander";
import { sha256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureStdout } from "../test-support/captureStdout.js";
import { registerCoprocessor } from "./commands/coprocessor.js";
import type { GlobalOptions } from "./context.js";

let net: TestDeployment;
let dir: string;
let setup: OptimisticSetup;
let networkFile: string;
let inputFile: string;

/** `noos coprocessor ...` in-process, signing as dev account 1 (the model's owner, funded). */
async function request(...args: string[]): Promise<Record<string, unknown>> {
  const program = new Command("noos")
    .option("--json")
    .option("--dir <dir>")
    .option("--network <file>")
    .option("--private-key <key>")
    .exitOverride();
  registerCoprocessor(program, () => program.opts<GlobalOptions>());
  const key = net.accounts[1]?.privateKey as string;
  const out = await captureStdout(() =>
    program.parseAsync([
      "node",
      "noos",
      ...["--dir", dir, "--network", networkFile, "--private-key", key, "--json"],
      ...["coprocessor", "request", "--verification", "optimistic", "--fee-cap", "2", ...args],
    ]),
  );
  process.exitCode = 0;
  return JSON.parse(out);
}

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-cli-coproc-opt-"));
  setup = await setupOptimisticCoprocessor(net, { dir });
  await setup.startNode(3, "honest", false);
  networkFile = path.join(dir, "network.json");
  await writeFile(
    networkFile,
    JSON.stringify({
      rpcUrl: net.anvil.rpcUrl,
      chainId: net.chain.id,
      contracts: net.deployment.contracts,
      startBlock: net.deployment.startBlock,
    }),
  );
  // The first image as EZKL input: Q16.16 values back to floats (exact: pixel / 16).
  inputFile = path.join(dir, "input.json");
  const floats = (setup.rows[0] as bigint[]).map((v) => Number(v) / 65536);
  await writeFile(inputFile, JSON.stringify({ input_data: [floats] }));
}, 120_000);

afterAll(async () => {
  await setup?.stop();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("noos coprocessor request --verification optimistic", () => {
  it("refuses a model without an optimistic program, and --input-cid", async () => {
    const { modelId } = await net.client(1).registerModelAndWait({
      onnxHash: sha256(toHex("no optimistic program")),
      settingsHash: sha256(toHex("none")),
      verifier: setup.coordinator,
      layout: modelLayout({
        inputVisibility: "hashed",
        outputVisibility: "public",
        paramVisibility: "fixed",
        inputElements: 64,
        outputElements: 10,
      }),
      metadataURI: "",
    });
    await expect(request("--model", String(modelId), "--input", inputFile)).rejects.toThrow(
      /a model with an optimistic program/,
    );
    await expect(
      request("--model", String(setup.modelId), "--input", inputFile, "--input-cid", "bafy"),
    ).rejects.toThrow(/an inline --input/);
  });

  it("gives up after an explicit --timeout shorter than the challenge window", async () => {
    await expect(
      request("--model", String(setup.modelId), "--input", inputFile, "--timeout", "2"),
    ).rejects.toThrow(/was not settled within 2 s\./);
  }, 60_000);

  it("waits out the claim's window by default and prints the program's logits", async () => {
    const out = await request("--model", String(setup.modelId), "--input", inputFile);
    expect(out.status).toBe("delivered");
    expect(out.verification).toBe("optimistic");
    // The ten Q16.16 logits, printed dequantized at the program's scale (2^16).
    const logits = (out.output as string[]).map(BigInt);
    expect(logits).toHaveLength(10);
    expect(out.output_data).toEqual([logits.map((q) => Number(q) / 65536)]);
    expect(logits.some((q) => q !== 0n)).toBe(true);
    // Settled after the claim's window, on the chain's clock.
    const claimId = await net.publicClient.readContract({
      address: setup.coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "claimOf",
      args: [BigInt(out.requestId as string), 1],
    });
    const claim = await net.publicClient.readContract({
      address: setup.contracts.optimisticVerifier,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [claimId],
    });
    const settled = await net.publicClient.getTransactionReceipt({
      hash: out.txHash as `0x${string}`,
    });
    const block = await net.publicClient.getBlock({ blockNumber: settled.blockNumber });
    expect(block.timestamp).toBeGreaterThanOrEqual(claim.windowEnds);
  }, 120_000);
});
