import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createPublicClient, http } from "viem";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { devAccounts, getFreePort, PortInUseError } from "./anvil.js";
import type { Deployment, DeployNoosphereParameters } from "./deploy.js";
import {
  DEVNET_FILE,
  DEVNET_LOG_FILE,
  DEVNET_PID_FILE,
  DevnetAlreadyRunningError,
  type DevnetInfo,
  DevnetNotRunningError,
  isProcessAlive,
  readDevnet,
  runDevnet,
  startDetached,
  stopDevnet,
} from "./devnet.js";

// These tests cover the devnet lifecycle (files, processes, signals) against a real anvil.
// The contract deployment has its own tests; here it is replaced by a stub that deploys nothing.
const addresses = {
  token: "0x0000000000000000000000000000000000000001",
  params: "0x0000000000000000000000000000000000000002",
  staking: "0x0000000000000000000000000000000000000003",
  registry: "0x0000000000000000000000000000000000000004",
  market: "0x0000000000000000000000000000000000000005",
  modelRegistry: "0x0000000000000000000000000000000000000006",
  proofRegistry: "0x0000000000000000000000000000000000000007",
  subnetRegistry: "0x0000000000000000000000000000000000000008",
  coprocessor: "0x0000000000000000000000000000000000000009",
} as const;
const stubDeploy = async ({ rpcUrl, chainId }: DeployNoosphereParameters): Promise<Deployment> => ({
  rpcUrl,
  chainId,
  contracts: addresses,
  startBlock: 0,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-devnet-"));
});
afterEach(async () => {
  await stopDevnet({ dir }).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

/** A dead pid: a process we started and reaped. */
async function deadPid(): Promise<number> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.once("exit", resolve));
  if (child.pid === undefined) throw new Error("no pid");
  return child.pid;
}

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("readDevnet", () => {
  test("no devnet.json", async () => {
    const error = await readDevnet(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetNotRunningError);
    expect((error as DevnetNotRunningError).shortMessage).toBe(
      "no devnet running: start one with `noos devnet --detach`",
    );
  });

  test("invalid devnet.json names the bad fields", async () => {
    await writeFile(path.join(dir, DEVNET_FILE), JSON.stringify({ rpcUrl: "nope", chainId: 1 }));
    const error = await readDevnet(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InvalidDevnetFileError" });
    expect((error as Error).message).toContain("rpcUrl: expected a URL");
    expect((error as Error).message).toContain("pid: expected a positive integer");
  });

  test("devnet.json left by a dead process", async () => {
    const info: DevnetInfo = {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 31337,
      contracts: addresses,
      startBlock: 0,
      accounts: [],
      pid: await deadPid(),
      anvilPid: await deadPid(),
      startedAt: new Date().toISOString(),
    };
    await writeFile(path.join(dir, DEVNET_FILE), JSON.stringify(info));
    const error = await readDevnet(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetNotRunningError);
    expect((error as Error).message).toContain("stale");
  });
});

describe("stopDevnet", () => {
  test("nothing to stop", async () => {
    expect(await stopDevnet({ dir })).toBe(false);
  });

  test("removes files left by a dead devnet", async () => {
    await writeFile(path.join(dir, DEVNET_PID_FILE), `${await deadPid()}\n`);
    await writeFile(path.join(dir, DEVNET_FILE), "{}");
    expect(await stopDevnet({ dir })).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_PID_FILE))).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_FILE))).toBe(false);
  });
});

describe("runDevnet", () => {
  test("writes devnet.json, refuses a second devnet, cleans up on abort", async () => {
    const controller = new AbortController();
    const port = await getFreePort();
    let ready: (info: DevnetInfo) => void = () => {};
    const readyInfo = new Promise<DevnetInfo>((resolve) => {
      ready = resolve;
    });
    const running = runDevnet({
      dir,
      port,
      chainId: 31338,
      signal: controller.signal,
      deploy: stubDeploy,
      onReady: ready,
    });
    const info = await readyInfo;

    expect(info.rpcUrl).toBe(`http://127.0.0.1:${port}`);
    expect(info.pid).toBe(process.pid);
    expect(info.contracts).toEqual(addresses);
    expect(info.accounts.map((a) => a.role)).toEqual([
      "deployer",
      "tenant",
      "tenant",
      "tenant",
      "provider",
      "provider",
      "provider",
      "user",
      "user",
      "user",
    ]);
    expect(info.accounts.map((a) => a.privateKey)).toEqual(devAccounts().map((a) => a.privateKey));
    expect(await readDevnet(dir)).toEqual(info);
    expect((await readFile(path.join(dir, DEVNET_PID_FILE), "utf8")).trim()).toBe(
      String(process.pid),
    );
    const client = createPublicClient({ transport: http(info.rpcUrl) });
    expect(await client.getChainId()).toBe(31338);

    const second = await runDevnet({ dir, port: 0, deploy: stubDeploy, signal: controller.signal })
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DevnetAlreadyRunningError);
    expect(isProcessAlive(info.anvilPid)).toBe(true);

    controller.abort();
    await running;
    expect(isProcessAlive(info.anvilPid)).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_FILE))).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_PID_FILE))).toBe(false);
  });

  test("a busy port fails with an error naming it, and leaves no files", async () => {
    const port = await getFreePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const error = await runDevnet({
        dir,
        port,
        deploy: stubDeploy,
        signal: new AbortController().signal,
      })
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toContain(`Port ${port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(existsSync(path.join(dir, DEVNET_PID_FILE))).toBe(false);
  });

  test("a failing deployment stops anvil and leaves no files", async () => {
    let anvilUrl = "";
    const error = await runDevnet({
      dir,
      port: 0,
      signal: new AbortController().signal,
      deploy: async ({ rpcUrl }) => {
        anvilUrl = rpcUrl;
        throw new Error("deploy failed");
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("deploy failed");
    const client = createPublicClient({ transport: http(anvilUrl, { retryCount: 0 }) });
    await expect(client.getChainId()).rejects.toThrow();
    expect(existsSync(path.join(dir, DEVNET_PID_FILE))).toBe(false);
  });
});

describe("startDetached / stopDevnet", () => {
  const require = createRequire(import.meta.url);
  const tsxLoader = pathToFileURL(require.resolve("tsx")).href;
  const devnetModule = pathToFileURL(
    path.join(path.dirname(fileURLToPath(import.meta.url)), "devnet.ts"),
  ).href;

  /** The foreground devnet command, as the CLI would run it (with the stub deployment). */
  async function devnetCommand(port: number): Promise<[string, ...string[]]> {
    const script = path.join(dir, "devnet-fixture.mts");
    await writeFile(
      script,
      [
        `import { runDevnet } from ${JSON.stringify(devnetModule)};`,
        "const [dir, port] = process.argv.slice(2);",
        "await runDevnet({",
        "  dir, port: Number(port), log: (m: string) => console.log(m),",
        `  deploy: async ({ rpcUrl, chainId }) => ({ rpcUrl, chainId, contracts: ${JSON.stringify(addresses)}, startBlock: 0 }),`,
        "});",
      ].join("\n"),
    );
    return [process.execPath, "--import", tsxLoader, script, dir, String(port)];
  }

  test("starts in the background and stops with nothing left behind", async () => {
    const port = await getFreePort();
    const info = await startDetached({ dir, port, command: await devnetCommand(port) });
    expect(info.rpcUrl).toBe(`http://127.0.0.1:${port}`);
    expect(info.pid).not.toBe(process.pid);
    expect(isProcessAlive(info.pid)).toBe(true);
    expect(isProcessAlive(info.anvilPid)).toBe(true);
    expect(await readDevnet(dir)).toEqual(info);
    expect(await readFile(path.join(dir, DEVNET_LOG_FILE), "utf8")).toContain("devnet ready");

    const again = await startDetached({ dir, port, command: await devnetCommand(port) }).catch(
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(DevnetAlreadyRunningError);

    expect(await stopDevnet({ dir })).toBe(true);
    expect(isProcessAlive(info.pid)).toBe(false);
    expect(isProcessAlive(info.anvilPid)).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_FILE))).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_PID_FILE))).toBe(false);
    expect(await stopDevnet({ dir })).toBe(false);
  });

  test("stopDevnet kills the anvil of a SIGKILLed devnet", async () => {
    const port = await getFreePort();
    const info = await startDetached({ dir, port, command: await devnetCommand(port) });
    process.kill(info.pid, "SIGKILL");
    await waitUntil(() => !isProcessAlive(info.pid));
    // SIGKILL gives the devnet no chance to stop its anvil.
    expect(isProcessAlive(info.anvilPid)).toBe(true);
    await expect(readDevnet(dir)).rejects.toBeInstanceOf(DevnetNotRunningError);

    expect(await stopDevnet({ dir })).toBe(false);
    expect(isProcessAlive(info.anvilPid)).toBe(false);
    expect(existsSync(path.join(dir, DEVNET_FILE))).toBe(false);
  });

  test("a command that dies early is reported with its exit code and log", async () => {
    const error = await startDetached({
      dir,
      command: [process.execPath, "-e", "console.error('boom: no chain'); process.exit(3)"],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "DevnetStartError" });
    expect((error as Error).message).toContain("exit code 3");
    expect((error as Error).message).toContain("boom: no chain");
  });

  test("a busy port is reported before spawning", async () => {
    const port = await getFreePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    try {
      const error = await startDetached({ dir, port, command: await devnetCommand(port) }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PortInUseError);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
