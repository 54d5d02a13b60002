// `noos demo data --json` end to end through the binary (its own devnet, two provider processes):
// the "done when" — the buyer trains through compute-to-data to ≥ 0.9 held-out accuracy,
// the publisher earns the datatoken revenue, the buyer never sees the raw data, and the refusals
// (download of compute-only data, a disallowed algorithm, a job on another provider) happen.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-demo-data-"));
});
afterAll(async () => {
  await run(process.execPath, [noosBin, "--dir", dir, "devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos demo data", () => {
  it("test_demoData_c2dTrainsWithoutRawData_publisherEarns_refusalsShown", async () => {
    const { stdout } = await run(
      process.execPath,
      [noosBin, "--dir", dir, "demo", "data", "--json"],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const out = JSON.parse(stdout) as {
      ok: boolean;
      accuracy: number;
      heldOut: number;
      publisherRevenue: string;
      buyerSawRawData: boolean;
      refusals: Record<string, string>;
    };
    expect(out.ok).toBe(true);
    expect(out.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(out.heldOut).toBe(360);
    expect(out.publisherRevenue).toBe("2");
    expect(out.buyerSawRawData).toBe(false);
    expect(out.refusals.downloadWithoutOrder).toMatch(/^40[23] /);
    expect(out.refusals.disallowedAlgorithm).toMatch(/not on the allow-list/);
    expect(out.refusals.otherProvider).toMatch(/encrypted to that provider's key/);
  }, 300_000);
});
