import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { BaseError } from "@noosphere/sdk";
import { type Address, type Hex, toHex } from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";

/** Anvil's own default mnemonic: its accounts are the well-known Hardhat/Foundry dev keys. */
export const DEFAULT_MNEMONIC = "test test test test test test test test test test test junk";

export type DevAccount = {
  index: number;
  address: Address;
  privateKey: Hex;
  /** A viem local account, ready to sign. */
  account: HDAccount;
};

const devAccountCache = new Map<string, readonly DevAccount[]>();

/**
 * The accounts anvil funds for `mnemonic`, at m/44'/60'/0'/0/i. Derived, not hard-coded,
 * so a custom mnemonic gives the right keys too. Memoized: each derivation runs PBKDF2.
 */
export function devAccounts(mnemonic = DEFAULT_MNEMONIC, count = 10): readonly DevAccount[] {
  const key = `${count}:${mnemonic}`;
  const cached = devAccountCache.get(key);
  if (cached) return cached;
  const accounts = Array.from({ length: count }, (_, index): DevAccount => {
    const account = mnemonicToAccount(mnemonic, { addressIndex: index });
    const privateKey = account.getHdKey().privateKey;
    if (!privateKey) throw new BaseError(`Could not derive dev account ${index}.`);
    return { index, address: account.address, privateKey: toHex(privateKey), account };
  });
  devAccountCache.set(key, accounts);
  return accounts;
}

export type StartAnvilParameters = {
  /** 0 or undefined: pick a free port. */
  port?: number | undefined;
  host?: string | undefined;
  chainId?: number | undefined;
  mnemonic?: string | undefined;
  /** Number of funded dev accounts (anvil's default: 10). */
  accounts?: number | undefined;
  /** Balance of each dev account, in ether (anvil's default: 10000). */
  balance?: number | bigint | undefined;
  /** Seconds between blocks; undefined mines one block per transaction. */
  blockTime?: number | undefined;
  /** Default true: discard anvil's stdout (one line per RPC call). Its stderr is always kept for errors. */
  silent?: boolean | undefined;
  /** Aborting stops anvil (or cancels a start in progress). */
  signal?: AbortSignal | undefined;
  /** How long to wait for JSON-RPC to answer. Default 30 s. */
  timeoutMs?: number | undefined;
  /** Extra command-line arguments for anvil. */
  args?: readonly string[] | undefined;
};

export type Anvil = {
  rpcUrl: string;
  host: string;
  port: number;
  chainId: number;
  pid: number;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
};

export class AnvilStartError extends BaseError {
  constructor(shortMessage: string, { stderr, cause }: { stderr?: string; cause?: unknown } = {}) {
    super(shortMessage, {
      name: "AnvilStartError",
      cause,
      ...(stderr ? { metaMessages: ["anvil stderr:", stderr] } : {}),
    });
  }
}

export class PortInUseError extends BaseError {
  readonly port: number;
  constructor({ port, host }: { port: number; host: string }) {
    super(`Port ${port} on ${host} is already in use.`, {
      name: "PortInUseError",
      metaMessages: [
        `Stop whatever listens on ${host}:${port}, or choose another port (e.g. --port ${port + 1}).`,
      ],
    });
    this.port = port;
  }
}

/**
 * The anvil executable. The platform package ships the real binary; spawning it directly
 * (not the node wrapper in node_modules/.bin) means signals, pid and exit code are anvil's own.
 */
export function resolveAnvilBinary(): { command: string; args: string[] } {
  const require = createRequire(import.meta.url);
  let wrapperDir: string | undefined;
  try {
    wrapperDir = path.dirname(require.resolve("@foundry-rs/anvil/package.json"));
  } catch {
    wrapperDir = undefined;
  }
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch];
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  if (arch) {
    const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}/bin/${exe}`;
    // Resolve from the wrapper first: the platform package is its dependency, not ours.
    for (const from of [wrapperDir && path.join(wrapperDir, "package.json"), import.meta.url]) {
      if (!from) continue;
      try {
        const binary = createRequire(from).resolve(platformPackage);
        if (existsSync(binary)) return { command: binary, args: [] };
      } catch {}
    }
  }
  // The wrapper finds the binary on its own (and honours a dist/ build); run it with node.
  if (wrapperDir && existsSync(path.join(wrapperDir, "bin.mjs"))) {
    return { command: process.execPath, args: [path.join(wrapperDir, "bin.mjs")] };
  }
  throw new BaseError("Cannot find the anvil binary.", {
    name: "AnvilNotFoundError",
    metaMessages: [
      `Looked for @foundry-rs/anvil-${process.platform}-${arch ?? process.arch} and @foundry-rs/anvil.`,
      "Run `npm ci` at the repository root.",
    ],
  });
}

/** A port the OS considers free right now (bind to 0, read it, release it). */
export async function getFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : undefined;
      server.close(() =>
        port ? resolve(port) : reject(new BaseError("Could not pick a free port.")),
      );
    });
  });
}

/** True if nothing listens on host:port (checked by binding it briefly). */
export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_BYTES = 8_192;

// If this process exits without stop() being called, take every anvil it started with it.
// (Nothing survives a SIGKILL of this process; the devnet records anvil's pid for that case.)
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of liveChildren) c.kill("SIGKILL");
  });
}

/** Starts anvil and resolves once it answers `eth_chainId`. */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<Anvil> {
  const host = parameters.host ?? "127.0.0.1";
  const requested = parameters.port ?? 0;
  if (requested !== 0) {
    if (!(await isPortFree(requested, host))) throw new PortInUseError({ port: requested, host });
    return spawnAnvil(parameters, host, requested);
  }
  // A free port can be taken between picking and anvil binding it: retry with a new one.
  for (let attempt = 1; ; attempt++) {
    const port = await getFreePort(host);
    try {
      return await spawnAnvil(parameters, host, port);
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt >= 3) throw err;
    }
  }
}

async function spawnAnvil(
  parameters: StartAnvilParameters,
  host: string,
  port: number,
): Promise<Anvil> {
  const { signal } = parameters;
  signal?.throwIfAborted();
  const chainId = parameters.chainId ?? 31337;
  const binary = resolveAnvilBinary();
  const args = [
    ...binary.args,
    "--host",
    host,
    "--port",
    String(port),
    "--chain-id",
    String(chainId),
    "--mnemonic",
    parameters.mnemonic ?? DEFAULT_MNEMONIC,
    "--accounts",
    String(parameters.accounts ?? 10),
    ...(parameters.balance !== undefined ? ["--balance", String(parameters.balance)] : []),
    ...(parameters.blockTime !== undefined ? ["--block-time", String(parameters.blockTime)] : []),
    ...(parameters.args ?? []),
  ];
  const silent = parameters.silent ?? true;
  const child = spawn(binary.command, args, {
    // Same process group as the caller: killing a devnet's group kills its anvil too.
    stdio: ["ignore", silent ? "ignore" : "inherit", "pipe"],
    env: { ...process.env, TARGET_TOOL: "anvil" },
  });

  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError = err;
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    if (!silent) process.stderr.write(chunk);
  });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  track(child);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      signal?.removeEventListener("abort", onAbort);
      // A process that failed to spawn may never emit "exit".
      if (spawnError || child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  const onAbort = () => void stop();
  signal?.addEventListener("abort", onAbort, { once: true });

  const rpcUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  try {
    await waitForRpc({
      rpcUrl,
      child,
      exited,
      signal,
      timeoutMs: parameters.timeoutMs ?? 30_000,
      stderr: () => stderr,
      spawnError: () => spawnError,
      port,
      host,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  if (child.pid === undefined) throw new AnvilStartError("anvil has no pid.");
  return { rpcUrl, host, port, chainId, pid: child.pid, process: child, stop };
}

async function waitForRpc(options: {
  rpcUrl: string;
  child: ChildProcess;
  exited: Promise<void>;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  stderr: () => string;
  spawnError: () => Error | undefined;
  port: number;
  host: string;
}): Promise<void> {
  const { rpcUrl, child, signal, timeoutMs, stderr } = options;
  let dead = false;
  void options.exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spawnError = options.spawnError();
    if (spawnError) {
      throw new AnvilStartError(`Could not run anvil: ${spawnError.message}`, {
        cause: spawnError,
      });
    }
    if (dead) {
      if (/address already in use/i.test(stderr())) {
        throw new PortInUseError({ port: options.port, host: options.host });
      }
      const how =
        child.exitCode !== null ? `exit code ${child.exitCode}` : `signal ${child.signalCode}`;
      throw new AnvilStartError(`anvil exited during startup (${how}).`, { stderr: stderr() });
    }
    if (signal?.aborted) throw signal.reason;
    if (Date.now() > deadline) {
      throw new AnvilStartError(`anvil did not answer at ${rpcUrl} within ${timeoutMs} ms.`, {
        stderr: stderr(),
      });
    }
    if (await answersChainId(rpcUrl)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function answersChainId(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === "string";
  } catch {
    return false;
  }
}
