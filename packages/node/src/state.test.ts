import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStateFile, type DeploymentKey, openDeploymentState } from "./state.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("state file", () => {
  it("starts from the initial value and keeps bigints across a restart", async () => {
    const file = path.join(dir, "s.json");
    const state = createStateFile(file, () => ({
      lastBlock: 0n,
      jobs: {} as Record<string, string>,
    }));
    expect(await state.read()).toEqual({ lastBlock: 0n, jobs: {} });
    await state.write({ lastBlock: 42n, jobs: { "1": "running" } });
    const reopened = createStateFile(file, () => ({ lastBlock: 0n, jobs: {} }));
    expect(await reopened.read()).toEqual({ lastBlock: 42n, jobs: { "1": "running" } });
  });

  it("serializes concurrent updates", async () => {
    const state = createStateFile(path.join(dir, "c.json"), () => ({ n: 0 }));
    await Promise.all(Array.from({ length: 20 }, () => state.update((s) => ({ n: s.n + 1 }))));
    expect(await state.read()).toEqual({ n: 20 });
  });

  it("names the file when it is corrupt", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, "{ not json");
    const state = createStateFile(file, () => ({}));
    await expect(state.read()).rejects.toThrow(`State file ${file} is not valid JSON.`);
    expect(await readFile(file, "utf8")).toBe("{ not json");
  });
});

describe("deployment-keyed state", () => {
  const chainA: DeploymentKey = {
    chainId: 31337,
    genesisHash: `0x${"aa".repeat(32)}`,
    contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  };
  const initial = () => ({ cursor: 0n, jobs: {} as Record<string, string> });

  it("keeps the state of the same deployment across a restart", async () => {
    const file = path.join(dir, "provider.json");
    const first = await openDeploymentState({ file, deployment: chainA, initial });
    await first.update((s) => ({ ...s, cursor: 50n, jobs: { "1": "submitted" } }));
    const resets: string[] = [];
    const again = await openDeploymentState({
      file,
      deployment: { ...chainA, contract: chainA.contract.toLowerCase() as `0x${string}` },
      initial,
      onReset: (m) => resets.push(m),
    });
    expect(await again.read()).toEqual({ cursor: 50n, jobs: { "1": "submitted" } });
    expect(resets).toEqual([]);
  });

  it.each([
    ["genesis hash", { genesisHash: `0x${"bb".repeat(32)}` }],
    ["chain id", { chainId: 1 }],
    ["contract", { contract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" }],
  ])("starts fresh and keeps the old state aside when the %s differs", async (_, change) => {
    const file = path.join(dir, "provider.json");
    const old = await openDeploymentState({ file, deployment: chainA, initial });
    await old.update((s) => ({ ...s, cursor: 50n, jobs: { "1": "submitted" } }));
    const resets: { message: string; keptAs: string }[] = [];
    const fresh = await openDeploymentState({
      file,
      deployment: { ...chainA, ...change } as DeploymentKey,
      initial,
      onReset: (message, details) => resets.push({ message, keptAs: details.keptAs }),
    });
    expect(await fresh.read()).toEqual({ cursor: 0n, jobs: {} });
    expect(resets).toHaveLength(1);
    expect(resets[0]?.message).toMatch(
      /belonged to chain 31337, genesis 0xaaaaaaaa.*started fresh/,
    );
    // The old chain's state is intact beside it, never mixed into the new one.
    const kept = JSON.parse(await readFile(resets[0]?.keptAs ?? "", "utf8"));
    expect(kept.state.jobs).toEqual({ "1": "submitted" });
    await fresh.update((s) => ({ ...s, cursor: 3n }));
    expect((await readdir(dir)).sort()).toEqual(
      ["provider.json", path.basename(resets[0]?.keptAs ?? "")].sort(),
    );
  });

  it("sets aside a state file written before states were keyed", async () => {
    const file = path.join(dir, "provider.json");
    await writeFile(
      file,
      JSON.stringify({ cursor: { $bigint: "50" }, jobs: { "1": "submitted" } }),
    );
    const resets: string[] = [];
    const state = await openDeploymentState({
      file,
      deployment: chainA,
      initial,
      onReset: (m) => resets.push(m),
    });
    expect(await state.read()).toEqual({ cursor: 0n, jobs: {} });
    expect(resets[0]).toMatch(/a deployment it did not record/);
  });
});
