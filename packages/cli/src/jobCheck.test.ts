// Finding 1 of issue 9 from the command line: a provider binds a hash that its stored result does
// not have. `noos deploy` disputes it (exit code 1, the reason printed); and when the tenant's
// `noos deploy` process is killed between the result and its check, `noos job check` run later
// finds the job in the tenant's records and disputes it inside the window. The lying provider is
// a real provider daemon with a test-only job runner, against the devnet's chain and store.

import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort, readDevnet } from "@noosphere/devnet";
import { type Common, createCommon, createProvider, type Provider } from "@noosphere/node";
import { createNoosClient, noosphereActions } from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { type Hex, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
let dir: string;
let common: Common;
let provider: Provider;

/** Runs `noos`; resolves with stdout, stderr and the exit code (a non-zero code is no error here). */
const noos = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [noosBin, "--dir", dir, ...args], {
      timeout: 120_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
};

const sha256 = (bytes: Uint8Array): Hex => `0x${createHash("sha256").update(bytes).digest("hex")}`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-jobcheck-"));
  await noos("devnet", "--detach", "--port", String(await getFreePort()));
  const devnet = await readDevnet(dir);
  const key = devnet.accounts[5]?.privateKey as Hex;
  const client = createNoosClient({ ...devnet, privateKey: key }).extend(
    noosphereActions(devnet.contracts),
  );
  const store = createStore({ kind: "local", dir: path.join(dir, "store") });
  common = createCommon({ handleSignals: false, logLevel: "silent" });
  provider = await createProvider(common, {
    client,
    contracts: devnet.contracts,
    startBlock: BigInt(devnet.startBlock),
    hostUri: "http://127.0.0.1:0",
    attributes: [{ key: "region", value: "eu" }],
    // minProviderStake (100) free per open lease: the first test's disputed lease stays open.
    stake: parseEther("250"),
    pricing: {
      cpuPerCore: parseEther("0.0001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 2 },
    stateDir: path.join(dir, "liar"),
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 60_000,
    pollIntervalMs: 100,
    // Stores one result, binds the hash of another: the tenant's check must catch it.
    runJob: async () => {
      const enc = new TextEncoder();
      const { cid } = await store.add(enc.encode('{"output_data":[[1]]}'));
      return { resultCid: cid, resultHash: sha256(enc.encode('{"output_data":[[2]]}')) };
    },
  });
  await writeFile(path.join(dir, "model.onnx"), "the lying provider never opens it");
  await writeFile(path.join(dir, "input.json"), '{"input_data":[[1,2,3]]}');
  await writeFile(
    path.join(dir, "job.yaml"),
    `version: "1"
kind: inference
model: model.onnx
input: input.json
resources: { cpu: 1, memory: 256Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 10m
bidWindow: 10s
`,
  );
}, 120_000);
afterAll(async () => {
  common?.shutdown();
  await provider?.done;
  await noos("devnet", "stop");
  await rm(dir, { recursive: true, force: true });
});

describe("noos deploy / noos job check (finding 1: a wrong result gets paid)", () => {
  it("test_finding1_cliDisputesHashMismatch", async () => {
    const { stdout, stderr, code } = await noos("deploy", path.join(dir, "job.yaml"));
    expect(code).toBe(1);
    expect(stderr).toMatch(/result FAILED the check \(hash-mismatch\)/);
    expect(stdout).toMatch(/outcome:\s+disputed/);
    expect(stdout).toMatch(/reason:\s+order \d+: result \S+ hashes to 0x/);
    const orderId = /orders:\s+(\d+)/.exec(stdout)?.[1] ?? "";
    const status = JSON.parse((await noos("job", "status", orderId, "--json")).stdout) as {
      lease: { stateName: string; paid: string };
    };
    expect(status.lease.stateName).toBe("Disputed");
    expect(status.lease.paid).toBe("0");
    process.stdout.write(`--- noos deploy (disputed) ---\n${stderr}${stdout}`);
  }, 120_000);

  it("test_finding1_cliJobCheckAfterTenantKilled", async () => {
    // The tenant's process is killed (SIGKILL) the moment it sees the result.
    const deploy = spawn(
      process.execPath,
      [noosBin, "--dir", dir, "deploy", path.join(dir, "job.yaml")],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    const exited = new Promise<void>((resolve) => deploy.once("exit", () => resolve()));
    const orderId = await new Promise<string>((resolve, reject) => {
      deploy.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (/\nresult \S+/.test(stderr)) {
          deploy.kill("SIGKILL");
          resolve(/order (\d+) open/.exec(stderr)?.[1] ?? "");
        }
      });
      deploy.once("exit", () => reject(new Error(`deploy exited first:\n${stderr}`)));
    });
    await exited;
    let status = JSON.parse((await noos("job", "status", orderId, "--json")).stdout) as {
      lease: { stateName: string };
    };
    expect(status.lease.stateName).toBe("ResultSubmitted");

    const check = await noos("job", "check", orderId);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/outcome:\s+disputed/);
    status = JSON.parse((await noos("job", "status", orderId, "--json")).stdout) as {
      lease: { stateName: string };
    };
    expect(status.lease.stateName).toBe("Disputed");
    process.stdout.write(`--- noos job check ${orderId} ---\n${check.stderr}${check.stdout}`);
    // Nothing left to do afterwards.
    expect((await noos("job", "check")).stdout).toMatch(/no unfinished jobs/);
  }, 120_000);
});
