// `noos store add|get` through the real binary, on a temp --dir; no devnet involved.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/noos.js");
let dir: string;

async function noos(...args: string[]): Promise<Buffer> {
  const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, ...args], {
    encoding: "buffer",
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  return stdout;
}
const noosJson = async <T>(...args: string[]) =>
  JSON.parse((await noos(...args, "--json")).toString()) as T;
const failure = (...args: string[]) =>
  noos(...args).then(
    () => {
      throw new Error(`noos ${args.join(" ")} succeeded`);
    },
    (e: { code: number; stderr: Buffer }) => ({ code: e.code, stderr: e.stderr.toString() }),
  );

type Added = { cid: string; size: number; sha256: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-store-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("noos store", () => {
  it("adds a file and gets it back to a file or stdout, byte for byte", async () => {
    // Three chunks and a bit, so the CID is a dag-pb root over raw leaves.
    const bytes = Buffer.alloc(3 * 262_144 + 100);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const file = path.join(dir, "weights.bin");
    await writeFile(file, bytes);

    const added = await noosJson<Added>("store", "add", file);
    expect(added.size).toBe(bytes.length);
    expect(added.sha256).toBe(`0x${createHash("sha256").update(bytes).digest("hex")}`);
    expect(added.cid).toMatch(/^bafybei[a-z2-7]+$/);
    // Default store: <--dir>/store.
    expect(await readdir(path.join(dir, "store"))).not.toHaveLength(0);

    const out = path.join(dir, "out", "weights.bin");
    const got = await noosJson<Added & { path: string }>("store", "get", added.cid, "-o", out);
    expect(got).toEqual({ ...added, path: out });
    expect((await readFile(out)).equals(bytes)).toBe(true);

    expect((await noos("store", "get", added.cid)).equals(bytes)).toBe(true);
  });

  it("prints readable fields without --json, and matches Kubo's CID for 'hello\\n'", async () => {
    const file = path.join(dir, "hello.txt");
    await writeFile(file, "hello\n");
    const text = (await noos("store", "add", file)).toString();
    // Recorded from Kubo (see packages/storage/src/unixfs.test.ts).
    expect(text).toContain("cid:    bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am");
    expect(text).toContain("size:   6");
    expect(text).toContain(
      "sha256: 0x5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
    );
  });

  it("uses --store-dir when given", async () => {
    const file = path.join(dir, "other.txt");
    await writeFile(file, "in another store\n");
    const storeDir = path.join(dir, "elsewhere");
    const { cid } = await noosJson<Added>("store", "add", file, "--store-dir", storeDir);
    expect((await noos("store", "get", cid, "--store-dir", storeDir)).toString()).toBe(
      "in another store\n",
    );
    const missing = await failure("store", "get", cid, "--store-dir", path.join(dir, "empty"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Content ${cid} was not found`);
  });

  it("fails clearly on a bad CID, a missing file, and --json without -o", async () => {
    const badCid = await failure("store", "get", "not-a-cid");
    expect(badCid.code).toBe(1);
    expect(badCid.stderr).toContain("Invalid cid");

    const missing = await failure("store", "add", path.join(dir, "nope.bin"));
    expect(missing.stderr).toContain("Invalid path: expected an existing file");

    const json = await failure(
      "store",
      "get",
      "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am",
      "--json",
    );
    expect(json.code).toBe(1);
  });
});
