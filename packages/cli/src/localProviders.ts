// Local providers for the devnet: N `noos provider start` processes with different prices and
// attributes, like a small market. They live in <dir>/providers/p<i>/ (config, state, log).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DevnetInfo,
  getFreePort,
  isProcessAlive,
  readDevnet,
  startDetached,
} from "@noosphere/devnet";
import { BaseError } from "@noosphere/sdk";
import { stringify } from "yaml";
import { waitForCoprocessors } from "./localCoprocessors.js";
import { terminate, waitReady } from "./localDaemons.js";

const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
export const PROVIDERS_FILE = "providers.json";

/** Dev accounts 4..8 are the providers; each one a little dearer, in a different place. */
const profiles = [
  { region: "eu", cpuPerCore: "0.0001", tier: "standard" },
  { region: "us", cpuPerCore: "0.00015", tier: "standard" },
  { region: "eu", cpuPerCore: "0.0002", tier: "premium" },
  { region: "asia", cpuPerCore: "0.00012", tier: "standard" },
  { region: "us", cpuPerCore: "0.00025", tier: "premium" },
] as const;
export const MAX_LOCAL_PROVIDERS = profiles.length;

/** The attributes local provider `index` registers (a placement on them picks it). */
export const localProviderAttributes = (index: number) => {
  const profile = profiles[index] as (typeof profiles)[number];
  return { region: profile.region, tier: profile.tier, "capabilities/cpu/arch": "x86_64" };
};

export type LocalProvider = {
  index: number;
  address: string;
  pid: number;
  statusUrl: string;
  /** Its data endpoint (private downloads, provider key, quotes) where data assets are deployed. */
  dataUrl?: string;
  config: string;
  log: string;
};

export async function startLocalProviders(params: {
  dir: string;
  count: number;
  info: DevnetInfo;
}) {
  const dir = path.resolve(params.dir);
  const children: ChildProcess[] = [];
  const started: LocalProvider[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => terminate(child)));
    await rm(path.join(dir, PROVIDERS_FILE), { force: true });
  };
  try {
    for (let i = 0; i < params.count; i++) {
      const profile = profiles[i] as (typeof profiles)[number];
      const account = params.info.accounts[4 + i];
      if (!account) throw new BaseError(`No devnet account for provider ${i}.`);
      const home = path.join(dir, "providers", `p${i}`);
      await mkdir(home, { recursive: true });
      const port = await getFreePort();
      const dataPort = await getFreePort();
      const config = path.join(home, "provider.yaml");
      await writeFile(
        config,
        stringify({
          devnet: path.relative(home, dir) || ".",
          devnetAccount: 4 + i,
          listen: { host: "127.0.0.1", port },
          dataPort,
          attributes: localProviderAttributes(i),
          stake: "1000",
          capacity: { cpu: 2, memory: "4Gi", maxJobs: 2 },
          pricing: { cpuPerCore: profile.cpuPerCore, memoryPerGiB: "0.00001", margin: 0.1 },
          job: { memoryLimit: "1Gi", timeout: "10m" },
          stateDir: ".",
          storeDir: path.relative(home, path.join(dir, "store")),
          withdrawInterval: "30s",
          pollInterval: "250ms",
        }),
      );
      const log = path.join(home, "provider.log");
      const out = await open(log, "a");
      const child = spawn(
        process.execPath,
        [noosBin, "--dir", dir, "provider", "start", "--config", config],
        {
          stdio: ["ignore", out.fd, out.fd],
        },
      );
      await out.close();
      children.push(child);
      started.push({
        index: i,
        address: account.address,
        pid: child.pid ?? 0,
        statusUrl: `http://127.0.0.1:${port}/status`,
        dataUrl: `http://127.0.0.1:${dataPort}`,
        config,
        log,
      });
    }
    await Promise.all(
      started.map((p, i) => waitReady(`Provider ${p.index}`, p, children[i] as ChildProcess)),
    );
    await writeFile(path.join(dir, PROVIDERS_FILE), `${JSON.stringify(started, null, 2)}\n`);
    return { providers: started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Starts `noos devnet --detach --providers <count> [--coprocessors <n>]` in `dir` and resolves once
 * the chain, every provider and every coprocessor node are ready: what the demos and the
 * benchmarks run on.
 */
export async function startDevnetWithProviders(params: {
  dir: string;
  port: number;
  count: number;
  coprocessors?: number;
}) {
  const coprocessors = params.coprocessors ?? 0;
  const args = [
    "devnet",
    "--dir",
    params.dir,
    "--port",
    String(params.port),
    "--providers",
    String(params.count),
    "--coprocessors",
    String(coprocessors),
  ];
  await startDetached({
    dir: params.dir,
    port: params.port,
    command: [process.execPath, noosBin, ...args],
    timeoutMs: 120_000,
  });
  const info = await readDevnet(params.dir);
  const providers = params.count ? await waitForProviders(params.dir, info.pid) : [];
  if (coprocessors) await waitForCoprocessors(params.dir);
  return { info, providers };
}

/** A detached devnet writes providers.json once its providers answer /status. */
export async function waitForProviders(dir: string, devnetPid: number): Promise<LocalProvider[]> {
  const file = path.join(dir, PROVIDERS_FILE);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text) return JSON.parse(text) as LocalProvider[];
    if (!isProcessAlive(devnetPid))
      throw new BaseError("The devnet stopped while its providers were starting.");
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new BaseError(
    `Providers not ready after 120 s; see ${path.join(dir, "providers")}/*/provider.log.`,
  );
}
