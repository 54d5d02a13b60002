// The main job end to end, as `npm start` runs it: a devnet with three provider processes, a
// training job and a batch-inference job through the market, real ONNX, real content store.
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
  dir = await mkdtemp(path.join(tmpdir(), "noos-demo-"));
});
afterAll(async () => {
  await run(process.execPath, [noosBin, "--dir", dir, "devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos demo", () => {
  it("trains and evaluates the digits classifier through the market", async () => {
    const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, "demo", "--json"], {
      timeout: 240_000,
    });
    const summary = JSON.parse(stdout) as {
      accuracy: number;
      heldOut: number;
      cost: string;
      training: { provider: string; model: string };
      inference: { provider: string };
    };
    expect(summary.heldOut).toBe(360);
    expect(summary.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(BigInt(summary.cost)).toBeGreaterThan(0n);
    // The cheapest provider (p0, dev account 4) wins both auctions.
    expect(summary.training.provider).toBe("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");
    expect(summary.inference.provider).toBe(summary.training.provider);
    expect(summary.training.model).toMatch(/^baf/);
  }, 300_000);
});
