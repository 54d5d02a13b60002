// Local coprocessor nodes for the devnet: N `noos coprocessor start` processes serving every
// registered model (artifacts fetched from the devnet's content store on first request). They
// live in <dir>/coprocessors/c<i>/ (node.yaml, state, log) and sign with dev accounts 9, 8, ...
// (the providers take 4, 5, ...).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type DevnetInfo, getFreePort } from "@noosphere/devnet";
import { BaseError } from "@noosphere/sdk";
import { stringify } from "yaml";
import { terminate, waitReady } from "./localDaemons.js";

const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
export const COPROCESSORS_FILE = "coprocessors.json";
/** Dev accounts 9 down to 6. */
export const MAX_LOCAL_COPROCESSORS = 4;
export const coprocessorAccount = (index: number) => 9 - index;

export type LocalCoprocessor = {
  index: number;
  address: string;
  pid: number;
  statusUrl: string;
  config: string;
  log: string;
};

/** Writes node.yaml for local node `index`; `extra` overrides fields (tests: a lying node). */
export async function writeCoprocessorConfig(params: {
  dir: string;
  index: number;
  port: number;
  extra?: Record<string, unknown>;
}) {
  const home = path.join(params.dir, "coprocessors", `c${params.index}`);
  await mkdir(home, { recursive: true });
  const config = path.join(home, "node.yaml");
  await writeFile(
    config,
    stringify({
      devnet: path.relative(home, params.dir) || ".",
      devnetAccount: coprocessorAccount(params.index),
      listen: { host: "127.0.0.1", port: params.port },
      stake: "100",
      serveAll: { fee: "0.01" },
      stateDir: ".",
      storeDir: path.relative(home, path.join(params.dir, "store")),
      pollInterval: "100ms",
      ...params.extra,
    }),
  );
  return { home, config };
}

/** Spawns `noos coprocessor start --config <config>` with its output in <home>/node.log. */
export async function spawnCoprocessor(params: { dir: string; home: string; config: string }) {
  const log = path.join(params.home, "node.log");
  const out = await open(log, "a");
  const child = spawn(
    process.execPath,
    [noosBin, "--dir", params.dir, "coprocessor", "start", "--config", params.config],
    { stdio: ["ignore", out.fd, out.fd] },
  );
  await out.close();
  return { child, log };
}

export async function startLocalCoprocessors(params: {
  dir: string;
  count: number;
  info: DevnetInfo;
}) {
  const dir = path.resolve(params.dir);
  const children: ChildProcess[] = [];
  const started: LocalCoprocessor[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => terminate(child)));
    await rm(path.join(dir, COPROCESSORS_FILE), { force: true });
  };
  try {
    for (let i = 0; i < params.count; i++) {
      const account = params.info.accounts[coprocessorAccount(i)];
      if (!account) throw new BaseError(`No devnet account for coprocessor node ${i}.`);
      const port = await getFreePort();
      const { home, config } = await writeCoprocessorConfig({ dir, index: i, port });
      const { child, log } = await spawnCoprocessor({ dir, home, config });
      children.push(child);
      started.push({
        index: i,
        address: account.address,
        pid: child.pid ?? 0,
        statusUrl: `http://127.0.0.1:${port}/status`,
        config,
        log,
      });
    }
    await Promise.all(
      started.map((c, i) =>
        waitReady(`Coprocessor node ${c.index}`, c, children[i] as ChildProcess),
      ),
    );
    await writeFile(path.join(dir, COPROCESSORS_FILE), `${JSON.stringify(started, null, 2)}\n`);
    return { coprocessors: started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A detached devnet writes coprocessors.json once its nodes answer /status. */
export async function waitForCoprocessors(dir: string): Promise<LocalCoprocessor[]> {
  const file = path.join(dir, COPROCESSORS_FILE);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text) return JSON.parse(text) as LocalCoprocessor[];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new BaseError(
    `Coprocessor nodes not ready after 120 s; see ${dir}/coprocessors/*/node.log.`,
  );
}
