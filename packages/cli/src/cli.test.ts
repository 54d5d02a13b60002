// The `noos` binary as a user runs it: a detached devnet, queries with --json, a stake, and a
// stop that leaves no process behind.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort, isProcessAlive } from "@noosphere/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
let dir: string;
let port: number;

async function noos(...args: string[]) {
  const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, ...args], {
    timeout: 60_000,
  });
  return stdout;
}
async function noosJson<T = unknown>(...args: string[]): Promise<T> {
  return JSON.parse(await noos(...args, "--json")) as T;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-cli-"));
  port = await getFreePort();
});
afterAll(async () => {
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos", () => {
  it("runs a devnet in the background, answers queries and stops cleanly", async () => {
    const info = await noosJson<{
      rpcUrl: string;
      pid: number;
      anvilPid: number;
      contracts: Record<string, string>;
    }>("devnet", "--detach", "--port", String(port));
    expect(info.rpcUrl).toBe(`http://127.0.0.1:${port}`);
    expect(Object.keys(info.contracts).sort()).toEqual([
      "coprocessor",
      "dataNftFactory",
      "dispenser",
      "fixedRateExchange",
      "market",
      "modelRegistry",
      "optimisticVerifier",
      "params",
      "paymentChannels",
      "proofRegistry",
      "registry",
      "staking",
      "stepReferee",
      "subnetRegistry",
      "token",
    ]);
    expect(isProcessAlive(info.anvilPid)).toBe(true);

    expect(await noosJson("market", "orders")).toEqual([]);
    const balance = await noosJson<{ balance: string }>(
      "token",
      "balance",
      "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    );
    expect(balance.balance).toBe("100000000000000000000000");

    await noosJson("stake", "add", "150", "--account", "4");
    const stake = await noosJson<{ staked: string; unbonding: string }>(
      "stake",
      "show",
      "--account",
      "4",
    );
    expect(stake.staked).toBe("150000000000000000000");
    expect(stake.unbonding).toBe("0");

    // Bad input: a clear error naming the field, a non-zero exit, nothing sent.
    const bad = await noos("stake", "add", "-3").catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toContain("Invalid amount");

    expect(await noosJson("devnet", "stop")).toEqual({ stopped: true });
    expect(isProcessAlive(info.pid)).toBe(false);
    expect(isProcessAlive(info.anvilPid)).toBe(false);
    const after = await noos("market", "orders").catch((e: { stderr: string }) => e.stderr);
    expect(after).toContain("no devnet running");
  });
});
