// `noos data publish | list | show | buy` against a detached devnet and the provider's real data
// server (@noosphere/node/data: GET /data/key, POST /data/quote) reading that chain. Publish
// encrypts the CSV to the provider's key (only it decrypts), stores the DDO, and buying starts an
// order with the provider's signed quote that the chain then reports valid; bad input names the field.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort, readDevnet } from "@noosphere/devnet";
import { createCommon } from "@noosphere/node/common";
import {
  createDataChain,
  createDataServer,
  type DataServer,
  decryptWithKey,
} from "@noosphere/node/data";
import {
  createNoosReadClient,
  hasValidDataOrder,
  InvalidParameterError,
  parseDdo,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { Command } from "commander";
import { type Address, type Hex, parseEther, sha256, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureStdout } from "../test-support/captureStdout.js";
import { registerData } from "./commands/data.js";
import type { GlobalOptions } from "./context.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
let dir: string;
let server: DataServer;
let providerUrl: string;
let providerKey: Hex;
let csv: string;
const ALGO = sha256(stringToHex("train.py"));

type Out = Record<string, unknown>;
async function noos(...args: string[]): Promise<{ code: number; out: Out; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [noosBin, "--dir", dir, ...args, "--json"],
      {
        cwd: dir,
        timeout: 120_000,
      },
    );
    return { code: 0, out: JSON.parse(stdout), stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, out: e.stdout ? JSON.parse(e.stdout) : {}, stderr: e.stderr ?? "" };
  }
}

/** `noos data ...` in-process (a spawn costs ~10 s on a loaded machine): same code, same output. */
async function inProcess(...args: string[]): Promise<Out> {
  const program = new Command("noos")
    .option("--json")
    .option("--dir <dir>")
    .option("--account <n>")
    .exitOverride();
  registerData(program, () => program.opts<GlobalOptions>());
  const out = await captureStdout(() =>
    program.parseAsync(["node", "noos", "--dir", dir, "--json", ...args]),
  );
  return JSON.parse(out);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-data-"));
  const start = await noos("devnet", "--detach", "--port", String(await getFreePort()));
  if (start.code !== 0) throw new Error(`devnet: ${start.stderr}`);
  const devnet = await readDevnet(dir);
  providerKey = devnet.accounts[3]?.privateKey as Hex;
  const reader = createNoosReadClient({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId });
  server = await createDataServer(createCommon({ handleSignals: false, logLevel: "silent" }), {
    listen: { host: "127.0.0.1", port: 0 },
    privateKey: providerKey,
    chain: createDataChain(reader, devnet.contracts.dataNftFactory as Address),
    store: createStore({ kind: "local", dir: path.join(dir, "store") }),
    quote: {
      chainId: devnet.chainId,
      now: async () => (await reader.getBlock()).timestamp,
      validity: 3600n,
    },
  });
  providerUrl = server.url;
  csv = path.join(dir, "iris.csv");
  await writeFile(csv, "sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n");
}, 180_000);
afterAll(async () => {
  await server?.close();
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos data", () => {
  it("test_data_publishListShowBuy_fixedPrice", async () => {
    const devnet = await readDevnet(dir);
    // Through the binary once: the command is registered and runs from the real entry point.
    const published = await noos(
      "data",
      "publish",
      csv,
      "--name",
      "Iris",
      "--price",
      "2",
      "--compute-only",
      "--allow",
      ALGO,
      "--provider",
      providerUrl,
      "--account",
      "1",
    );
    expect(published.code, published.stderr).toBe(0);
    const pub = published.out;
    expect(pub).toMatchObject({
      price: parseEther("2").toString(),
      free: false,
      computeOnly: true,
      allowedAlgorithms: [ALGO],
    });
    const did = pub.did as string;
    expect(did).toMatch(/^did:noos:[0-9a-f]{64}$/);

    // The stored DDO names this asset and its datatoken; the stored file is ciphertext that only
    // the provider's key opens.
    const store = createStore({ kind: "local", dir: path.join(dir, "store") });
    const ddo = parseDdo(
      JSON.parse(new TextDecoder().decode(await store.get(pub.ddoCid as string))),
    );
    expect(ddo.id).toBe(did);
    expect(ddo.services[0]?.datatokenAddress).toBe(pub.datatoken);
    const cipher = await store.get((pub.file as { cid: string }).cid);
    const plain = await readFile(csv);
    expect(Buffer.from(cipher).includes(Buffer.from("setosa"))).toBe(false);
    expect(Buffer.from(decryptWithKey(providerKey, cipher, "csv")).equals(plain)).toBe(true);

    const listed = (await inProcess("data", "list")) as unknown as { did: string; price: string }[];
    expect(listed.find((a) => a.did === did)?.price).toBe(parseEther("2").toString());
    const shown = await inProcess("data", "show", did);
    expect(shown).toMatchObject({
      did,
      name: "Iris",
      computeOnly: true,
      allowedAlgorithms: [ALGO],
    });
    expect((shown.ddo as { id: string }).id).toBe(did);

    const bought = await inProcess("--account", "2", "data", "buy", did);
    expect(bought).toMatchObject({ did, paid: parseEther("2.002").toString(), orderId: "1" });
    const reader = createNoosReadClient({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId });
    expect(
      await hasValidDataOrder(reader, {
        address: pub.datatoken as Address,
        consumer: devnet.accounts[2]?.address as Address,
      }),
    ).toEqual({ valid: true, orderId: 1n });
  }, 180_000);

  it("test_data_freeAsset_buyDispenses", async () => {
    const pub = await inProcess(
      "--account",
      "1",
      "data",
      "publish",
      csv,
      "--name",
      "Free iris",
      "--free",
      "--provider",
      providerUrl,
    );
    expect(pub).toMatchObject({ price: null, free: true });
    const bought = await inProcess("--account", "2", "data", "buy", pub.did as string);
    expect(bought).toMatchObject({ paid: "0", orderId: "1" });
  }, 120_000);

  it("test_data_algorithmHash_beforeTheAssetExists", async () => {
    // A publisher needs the hash for --allow before the DID exists: the manifest may leave `data:`
    // out; the hash covers kind, model and spec, so naming the DID later does not change it.
    const manifest = (extra: string, epochs = 5) =>
      `version: "1"\nkind: training\n${extra}training:\n  architecture:\n    layers: [2, 4, 3]\n  optimizer:\n    name: sgd\n    learningRate: 0.1\n  epochs: ${epochs}\n  batchSize: 2\n  seed: 1\n  labelsColumn: species\nresources:\n  cpu: 1\n  memory: 256Mi\npricing:\n  maxPricePerSecond: "0.001"\n  deposit: "1"\nverification:\n  mode: receipt\ndeadline: 5m\n`;
    const hashOf = async (name: string, text: string) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return (await inProcess("data", "algorithm-hash", file)).algorithmHash;
    };
    const before = await hashOf("before.yaml", manifest(""));
    const after = await hashOf("after.yaml", manifest(`data: did:noos:${"ab".repeat(32)}\n`));
    expect(before).toMatch(/^0x[0-9a-f]{64}$/);
    expect(after).toBe(before);
    expect(await hashOf("other.yaml", manifest("", 6))).not.toBe(before);
  }, 60_000);

  it("test_data_badInput_namesTheField", async () => {
    const field = async (...args: string[]) =>
      inProcess(...args).then(
        () => "no error",
        (e: unknown) => (e instanceof InvalidParameterError ? e.field : String(e)),
      );
    expect(await field("data", "publish", csv, "--name", "x", "--provider", providerUrl)).toBe(
      "--price",
    );
    expect(
      await field(
        "data",
        "publish",
        csv,
        "--name",
        "x",
        "--price",
        "1",
        "--free",
        "--provider",
        providerUrl,
      ),
    ).toBe("--price");
    expect(
      await field(
        "data",
        "publish",
        csv,
        "--name",
        "x",
        "--price",
        "1",
        "--allow",
        "0x12",
        "--provider",
        providerUrl,
      ),
    ).toBe("--allow");
    expect(
      await field(
        "data",
        "publish",
        path.join(dir, "nope.csv"),
        "--name",
        "x",
        "--price",
        "1",
        "--provider",
        providerUrl,
      ),
    ).toBe("file");
    expect(
      await field(
        "data",
        "publish",
        csv,
        "--name",
        "x",
        "--price",
        "1",
        "--provider",
        "http://127.0.0.1:9",
      ),
    ).toBe("--provider");
    expect(
      await field(
        "data",
        "publish",
        csv,
        "--name",
        "x",
        "--price",
        "1",
        "--base-token",
        "0x12",
        "--provider",
        providerUrl,
      ),
    ).toBe("--base-token");
    expect(await field("data", "show", "did:op:1234")).toBe("did");
  }, 120_000);
});
