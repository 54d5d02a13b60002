import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "@noosphere/sdk";
import { type Address, type Hex, isAddress, isHex } from "viem";
import { DEFAULT_MNEMONIC, devAccounts, isPortFree, PortInUseError, startAnvil } from "./anvil.js";
import { type Deployment, type DeployNoosphereParameters, deployNoosphere } from "./deploy.js";

import { DEFAULT_DEVNET_DIR } from "./dir.js";

export { DEFAULT_DEVNET_DIR, findDevnetDir } from "./dir.js";
export const DEVNET_FILE = "devnet.json";
export const DEVNET_PID_FILE = "devnet.pid";
export const DEVNET_LOG_FILE = "devnet.log";

export type DevnetRole = "deployer" | "tenant" | "provider" | "user";

export type DevnetAccount = { address: Address; privateKey: Hex; role: DevnetRole };

/** The contents of `<dir>/devnet.json`: everything a client needs to use a running devnet. */
export type DevnetInfo = {
  rpcUrl: string;
  chainId: number;
  contracts: Deployment["contracts"];
  startBlock: number;
  accounts: DevnetAccount[];
  /** The devnet process (the one to signal). */
  pid: number;
  /** Its anvil, killed by stopDevnet if the devnet process died without stopping it. */
  anvilPid: number;
  /** ISO 8601. */
  startedAt: string;
};

/** Account 0 deploys and is the treasury; the rest get simple roles for demos and tests. */
export function devnetRole(index: number): DevnetRole {
  if (index === 0) return "deployer";
  if (index <= 3) return "tenant";
  if (index <= 6) return "provider";
  return "user";
}

export class DevnetNotRunningError extends BaseError {
  constructor({ dir, metaMessages }: { dir: string; metaMessages?: string[] }) {
    super("no devnet running: start one with `noos devnet --detach`", {
      name: "DevnetNotRunningError",
      metaMessages: [`Looked in ${path.join(dir, DEVNET_FILE)}.`, ...(metaMessages ?? [])],
    });
  }
}

export class DevnetAlreadyRunningError extends BaseError {
  readonly pid: number;
  constructor({ dir, pid, rpcUrl }: { dir: string; pid: number; rpcUrl?: string | undefined }) {
    super(`A devnet is already running in ${dir} (pid ${pid}${rpcUrl ? `, ${rpcUrl}` : ""}).`, {
      name: "DevnetAlreadyRunningError",
      metaMessages: ["Stop it first (`noos devnet stop`), or use another --dir."],
    });
    this.pid = pid;
  }
}

export class DevnetStartError extends BaseError {
  constructor(shortMessage: string, parameters: { cause?: unknown; metaMessages?: string[] } = {}) {
    super(shortMessage, { name: "DevnetStartError", ...parameters });
  }
}

export type RunDevnetParameters = {
  dir?: string | undefined;
  port?: number | undefined;
  chainId?: number | undefined;
  mnemonic?: string | undefined;
  /** Aborting stops the devnet. Without one, SIGINT and SIGTERM do. */
  signal?: AbortSignal | undefined;
  log?: ((message: string) => void) | undefined;
  /** Called once devnet.json is written. */
  onReady?: ((info: DevnetInfo) => void) | undefined;
  /** The deployment step; replaceable only so the lifecycle can be unit-tested on its own. */
  deploy?: ((parameters: DeployNoosphereParameters) => Promise<Deployment>) | undefined;
};

/**
 * Runs a devnet in this process: anvil plus a deployment of every contract, described in
 * `<dir>/devnet.json`. Resolves after shutdown, once anvil is stopped and the files are gone.
 */
export async function runDevnet(parameters: RunDevnetParameters = {}): Promise<void> {
  const dir = path.resolve(parameters.dir ?? DEFAULT_DEVNET_DIR);
  const port = parameters.port ?? 8545;
  const chainId = parameters.chainId ?? 31337;
  const mnemonic = parameters.mnemonic ?? DEFAULT_MNEMONIC;
  const log = parameters.log ?? (() => {});
  const deploy = parameters.deploy ?? deployNoosphere;

  await mkdir(dir, { recursive: true });
  await claimPidFile(dir);
  const { signal, cleanup: removeSignalHandlers } = shutdownSignal(parameters.signal);
  let anvil: Awaited<ReturnType<typeof startAnvil>> | undefined;
  try {
    anvil = await startAnvil({ port, chainId, mnemonic, signal, silent: true });
    log(`anvil listening on ${anvil.rpcUrl} (chain ${chainId}, pid ${anvil.pid})`);

    const accounts = devAccounts(mnemonic, 10);
    const deployer = accounts[0];
    if (!deployer) throw new DevnetStartError("No dev accounts derived from the mnemonic.");
    const deployment = await deploy({
      rpcUrl: anvil.rpcUrl,
      chainId,
      deployer: deployer.account,
      fund: accounts.map((a) => a.address),
      log,
    });
    signal.throwIfAborted();

    const info: DevnetInfo = {
      rpcUrl: anvil.rpcUrl,
      chainId,
      contracts: deployment.contracts,
      startBlock: deployment.startBlock,
      accounts: accounts.map((a) => ({
        address: a.address,
        privateKey: a.privateKey,
        role: devnetRole(a.index),
      })),
      pid: process.pid,
      anvilPid: anvil.pid,
      startedAt: new Date().toISOString(),
    };
    await writeFileAtomic(path.join(dir, DEVNET_FILE), `${JSON.stringify(info, null, 2)}\n`);
    log(`devnet ready: ${path.join(dir, DEVNET_FILE)}`);
    parameters.onReady?.(info);

    await untilStopped(anvil.process, signal);
    log("devnet stopping");
  } catch (err) {
    // An abort during startup is a normal stop, not a failure.
    if (!signal.aborted) throw err;
  } finally {
    removeSignalHandlers();
    await anvil?.stop();
    await removeOwnFiles(dir);
  }
}

/** Resolves when `signal` aborts; rejects if anvil dies first (unless a stop is under way). */
async function untilStopped(anvilProcess: ChildProcess, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      anvilProcess.off("exit", onExit);
      resolve();
    };
    const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
      // Ctrl-C reaches anvil (same process group) and us at once; give our handler a moment.
      setTimeout(() => {
        if (signal.aborted) return;
        signal.removeEventListener("abort", onAbort);
        reject(
          new BaseError(
            `anvil exited unexpectedly (${code !== null ? `exit code ${code}` : `signal ${sig}`}).`,
            { name: "DevnetError" },
          ),
        );
      }, 250);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    anvilProcess.once("exit", onExit);
  });
}

/** The caller's signal, or one aborted by SIGINT/SIGTERM. */
function shutdownSignal(given: AbortSignal | undefined): {
  signal: AbortSignal;
  cleanup: () => void;
} {
  if (given) return { signal: given, cleanup: () => {} };
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => controller.abort(new BaseError(`received ${sig}`));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    cleanup: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** Writes our pid file, refusing if a live devnet owns the dir and clearing a dead one's files. */
async function claimPidFile(dir: string): Promise<void> {
  const pidFile = path.join(dir, DEVNET_PID_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // "wx": two devnets starting at once cannot both claim the dir.
      await writeFile(pidFile, `${process.pid}\n`, { flag: "wx" });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    await assertNotRunning(dir);
  }
  throw new DevnetStartError(`Could not claim ${pidFile}: another devnet is starting there.`);
}

/** Throws if a live devnet owns `dir`; otherwise removes whatever a dead one left behind. */
async function assertNotRunning(dir: string): Promise<void> {
  const state = await readState(dir);
  if (state.pid !== undefined && isProcessAlive(state.pid)) {
    throw new DevnetAlreadyRunningError({ dir, pid: state.pid, rpcUrl: state.info?.rpcUrl });
  }
  await cleanupStale(dir, state);
}

type DevnetState = { pid: number | undefined; info: Partial<DevnetInfo> | undefined };

async function readState(dir: string): Promise<DevnetState> {
  const pidText = await readFile(path.join(dir, DEVNET_PID_FILE), "utf8").catch(() => undefined);
  const pidFromFile = pidText === undefined ? undefined : Number.parseInt(pidText.trim(), 10);
  let info: Partial<DevnetInfo> | undefined;
  try {
    info = JSON.parse(await readFile(path.join(dir, DEVNET_FILE), "utf8")) as Partial<DevnetInfo>;
  } catch {
    info = undefined;
  }
  const pid =
    pidFromFile !== undefined && Number.isSafeInteger(pidFromFile) && pidFromFile > 0
      ? pidFromFile
      : typeof info?.pid === "number"
        ? info.pid
        : undefined;
  return { pid, info };
}

/** Kills an anvil orphaned by a SIGKILLed devnet and removes its files. */
async function cleanupStale(dir: string, state: DevnetState): Promise<void> {
  const anvilPid = state.info?.anvilPid;
  if (typeof anvilPid === "number" && isProcessAlive(anvilPid) && isAnvilProcess(anvilPid)) {
    await terminate(anvilPid, 5_000);
  }
  await rm(path.join(dir, DEVNET_FILE), { force: true });
  await rm(path.join(dir, DEVNET_PID_FILE), { force: true });
}

async function removeOwnFiles(dir: string): Promise<void> {
  const state = await readState(dir);
  // Never delete files that a newer devnet in the same dir has written.
  if (state.pid !== undefined && state.pid !== process.pid) return;
  await rm(path.join(dir, DEVNET_FILE), { force: true });
  await rm(path.join(dir, DEVNET_PID_FILE), { force: true });
}

export type StartDetachedParameters = {
  dir?: string | undefined;
  /** Only for a clear early error if the port is taken; the command must pass it on too. */
  port?: number | undefined;
  /**
   * The foreground devnet command, e.g. `[process.execPath, noosBin, "devnet", "--port", "8545"]`.
   * It must run `runDevnet` with the same dir.
   */
  command: readonly [string, ...string[]];
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Default 60 s. */
  timeoutMs?: number | undefined;
};

/**
 * Starts the devnet command as a detached background process (output in `<dir>/devnet.log`)
 * and resolves with its devnet.json once it is ready.
 */
export async function startDetached(parameters: StartDetachedParameters): Promise<DevnetInfo> {
  const dir = path.resolve(parameters.dir ?? DEFAULT_DEVNET_DIR);
  const timeoutMs = parameters.timeoutMs ?? 60_000;
  await mkdir(dir, { recursive: true });
  await assertNotRunning(dir);
  if (parameters.port !== undefined && parameters.port !== 0) {
    if (!(await isPortFree(parameters.port))) {
      throw new PortInUseError({ port: parameters.port, host: "127.0.0.1" });
    }
  }

  const logFile = path.join(dir, DEVNET_LOG_FILE);
  const [command, ...args] = parameters.command;
  const fd = openSync(logFile, "w");
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      // Its own process group: it outlives our terminal, and stopDevnet can kill the group.
      detached: true,
      stdio: ["ignore", fd, fd],
      cwd: parameters.cwd,
      env: parameters.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  child.unref();
  const pid = child.pid;
  let spawnError: Error | undefined;
  child.once("error", (err) => {
    spawnError = err;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once("exit", (code, signal) => {
    exit = { code, signal };
  });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (spawnError) {
      throw new DevnetStartError(`Could not start the devnet: ${spawnError.message}`, {
        cause: spawnError,
      });
    }
    const info = await readInfoFile(dir).catch(() => undefined);
    if (info && info.pid === pid) return info;
    if (exit) {
      const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
      throw new DevnetStartError(`The devnet process exited during startup (${how}).`, {
        metaMessages: [`Last lines of ${logFile}:`, ...tail(logFile, 20)],
      });
    }
    if (Date.now() > deadline) {
      if (pid !== undefined) await terminate(pid, 5_000, { group: true });
      throw new DevnetStartError(`The devnet was not ready within ${timeoutMs / 1000} s.`, {
        metaMessages: [`See ${logFile}. Last lines:`, ...tail(logFile, 20)],
      });
    }
  }
}

export type StopDevnetParameters = {
  dir?: string | undefined;
  /** How long to wait after SIGTERM before SIGKILL. Default 10 s. */
  timeoutMs?: number | undefined;
};

/**
 * Stops the devnet running in `dir` (SIGTERM, then SIGKILL of its process group), kills its
 * anvil if the devnet died without stopping it, and removes stale files.
 * Resolves true if a devnet process was running.
 */
export async function stopDevnet(parameters: StopDevnetParameters = {}): Promise<boolean> {
  const dir = path.resolve(parameters.dir ?? DEFAULT_DEVNET_DIR);
  const timeoutMs = parameters.timeoutMs ?? 10_000;
  const state = await readState(dir);
  if (state.pid === process.pid) {
    throw new BaseError(`The devnet in ${dir} runs in this process: abort its signal instead.`, {
      name: "DevnetError",
    });
  }
  let wasRunning = false;
  if (state.pid !== undefined && isProcessAlive(state.pid)) {
    wasRunning = true;
    await terminate(state.pid, timeoutMs, { group: true });
  }
  await cleanupStale(dir, state);
  return wasRunning;
}

/** Reads and validates `<dir>/devnet.json` of a running devnet. */
export async function readDevnet(dir: string = DEFAULT_DEVNET_DIR): Promise<DevnetInfo> {
  const resolved = path.resolve(dir);
  const info = await readInfoFile(resolved);
  if (!isProcessAlive(info.pid)) {
    throw new DevnetNotRunningError({
      dir: resolved,
      metaMessages: [`Found a stale devnet.json: its process ${info.pid} is gone.`],
    });
  }
  return info;
}

async function readInfoFile(dir: string): Promise<DevnetInfo> {
  const file = path.join(dir, DEVNET_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new DevnetNotRunningError({ dir });
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BaseError(`${file} is not valid JSON.`, {
      name: "InvalidDevnetFileError",
      cause: err,
    });
  }
  return validateDevnetInfo(json, file);
}

function validateDevnetInfo(json: unknown, file: string): DevnetInfo {
  const problems: string[] = [];
  const o = (json ?? {}) as Record<string, unknown>;
  const isPositiveInt = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v > 0;
  if (typeof o.rpcUrl !== "string" || !URL.canParse(o.rpcUrl))
    problems.push("rpcUrl: expected a URL");
  if (!isPositiveInt(o.chainId)) problems.push("chainId: expected a positive integer");
  if (!isPositiveInt(o.pid)) problems.push("pid: expected a positive integer");
  if (!isPositiveInt(o.anvilPid)) problems.push("anvilPid: expected a positive integer");
  if (typeof o.startBlock !== "number" || !Number.isSafeInteger(o.startBlock) || o.startBlock < 0)
    problems.push("startBlock: expected a non-negative integer");
  if (typeof o.startedAt !== "string") problems.push("startedAt: expected an ISO date string");
  if (
    !o.contracts ||
    typeof o.contracts !== "object" ||
    !Object.values(o.contracts).every((a) => typeof a === "string" && isAddress(a))
  )
    problems.push("contracts: expected an object of name -> address");
  const roles: readonly string[] = ["deployer", "tenant", "provider", "user"];
  if (
    !Array.isArray(o.accounts) ||
    !o.accounts.every(
      (a: Record<string, unknown>) =>
        a &&
        typeof a.address === "string" &&
        isAddress(a.address) &&
        typeof a.privateKey === "string" &&
        isHex(a.privateKey) &&
        a.privateKey.length === 66 &&
        typeof a.role === "string" &&
        roles.includes(a.role),
    )
  )
    problems.push(`accounts: expected [{ address, privateKey, role: ${roles.join(" | ")} }]`);
  if (problems.length > 0) {
    throw new BaseError(`${file} is not a valid devnet file.`, {
      name: "InvalidDevnetFileError",
      metaMessages: problems,
    });
  }
  return json as DevnetInfo;
}

/** True if `pid` is a live process (a zombie, exited but not yet reaped, counts as dead). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // No procfs (macOS): kill(0) is all we have.
  }
}

/** Guards against pid reuse before killing a pid read from a file (Linux only; else trusted). */
function isAnvilProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "anvil";
  } catch {
    return process.platform !== "linux";
  }
}

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL (the whole process group if `group`). */
async function terminate(
  pid: number,
  timeoutMs: number,
  { group = false }: { group?: boolean } = {},
): Promise<void> {
  signalProcess(pid, "SIGTERM");
  if (await waitForExit(pid, timeoutMs)) {
    // The leader is gone; make sure nothing it started is left in its group.
    if (group) signalProcess(-pid, "SIGKILL");
    return;
  }
  if (group) signalProcess(-pid, "SIGKILL");
  signalProcess(pid, "SIGKILL");
  await waitForExit(pid, 5_000);
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // ESRCH: already gone (or no such group).
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, file);
}

function tail(file: string, lines: number): string[] {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines);
  } catch {
    return ["(no log)"];
  }
}
