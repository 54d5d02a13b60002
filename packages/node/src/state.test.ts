import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStateFile } from "./state.js";

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
