// Failures lose nothing: the provider running a job is killed with SIGKILL; after the deadline
// the tenant's escrow comes back (to its market balance), the provider is slashed, and
// `noos job status` shows it.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort } from "@noosphere/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalProvider } from "./localProviders.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
const digits = path.resolve(here, "../../../examples/data/digits.csv");
let dir: string;

const noos = async (...args: string[]) =>
  (await run(process.execPath, [noosBin, "--dir", dir, ...args], { timeout: 120_000 })).stdout;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-kill-"));
  await noos("devnet", "--detach", "--port", String(await getFreePort()), "--providers", "1");
});
afterAll(async () => {
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("a provider killed mid-job", () => {
  it("ends with the tenant refunded and the provider slashed", async () => {
    // A training job long enough to kill its provider in the middle (thousands of epochs).
    await writeFile(
      path.join(dir, "job.yaml"),
      `version: "1"
kind: training
input: ${digits}
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: sgd, learningRate: 0.01 }
  epochs: 5000
  batchSize: 32
  seed: 1
  labelsColumn: label
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 15s
bidWindow: 10s
`,
    );
    const [provider] = JSON.parse(
      await readFile(path.join(dir, "providers.json"), "utf8"),
    ) as LocalProvider[];
    const before = JSON.parse(await noos("stake", "show", provider?.address ?? "", "--json")) as {
      staked: string;
    };
    const tenantBefore = JSON.parse(await noos("token", "balance", "--account", "1", "--json")) as {
      balance: string;
    };
    const marketBalance = async () =>
      BigInt(
        (
          JSON.parse(await noos("market", "balance", "--account", "1", "--json")) as {
            balance: string;
          }
        ).balance,
      );
    const tenantMarketBefore = await marketBalance();

    const deploy = spawn(
      process.execPath,
      [noosBin, "--dir", dir, "deploy", path.join(dir, "job.yaml"), "--json"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    deploy.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => deploy.once("exit", resolve));

    // Kill the provider once it holds the lease.
    for (let i = 0; i < 200; i++) {
      const orders = JSON.parse(await noos("market", "leases", "--json")) as unknown[];
      if (orders.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    process.kill(provider?.pid ?? 0, "SIGKILL");

    expect(await exited).toBe(1);
    // --json: the error comes as JSON on stdout.
    expect(JSON.parse(stdout)).toMatchObject({ error: { name: "JobExpiredError" } });
    expect(stdout).toContain("missed its deadline");
    const status = JSON.parse(await noos("job", "status", "1", "--json")) as {
      lease: { stateName: string; paid: string };
    };
    expect(status.lease.stateName).toBe("Failed");
    expect(status.lease.paid).toBe("0");
    // missedDeadlineSlashBps (10%) of minProviderStake (100 NOOS) is slashed; the tenant, who
    // reported it by calling expireLease, gets a tenth of that in its wallet, and its whole
    // deposit (1 NOOS) back in its market balance.
    const after = JSON.parse(await noos("stake", "show", provider?.address ?? "", "--json")) as {
      staked: string;
    };
    const slashed = 10n * 10n ** 18n;
    expect(BigInt(after.staked)).toBe(BigInt(before.staked) - slashed);
    const tenantAfter = JSON.parse(await noos("token", "balance", "--account", "1", "--json")) as {
      balance: string;
    };
    const tenantMarketAfter = await marketBalance();
    // The deposit came from the wallet or the market balance; either way it is all back.
    expect(
      BigInt(tenantAfter.balance) +
        tenantMarketAfter -
        (BigInt(tenantBefore.balance) + tenantMarketBefore),
    ).toBe(slashed / 10n);
    expect(tenantMarketAfter).toBeGreaterThanOrEqual(10n ** 18n);
  }, 180_000);
});
