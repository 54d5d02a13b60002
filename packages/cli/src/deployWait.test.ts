// `noos deploy job.yaml --wait`, as Akash users and the provider issue write it: deploy always
// waits for the result (checked and downloaded), and the flag says so instead of being refused.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
let dir: string;

async function noos(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [noosBin, "--dir", dir, ...args], {
      cwd: dir,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-deploy-wait-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("noos deploy --wait", () => {
  it("test_deployHelp_documentsWait", async () => {
    const help = await noos("deploy", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--wait\s+wait until the result is delivered/);
  });

  it("test_deployWait_acceptedAndManifestCheckedFirst", async () => {
    // A manifest with a bad field: refused for the field (before any devnet is needed), not for
    // the flag.
    await writeFile(path.join(dir, "job.yaml"), "kind: nonsense\n");
    const r = await noos("deploy", "job.yaml", "--wait", "--json");
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).not.toContain("unknown option");
    expect(JSON.parse(r.stdout).error.message).toMatch(/manifest|kind/i);
  });
});
