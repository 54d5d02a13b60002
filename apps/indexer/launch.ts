// Starts the indexer (`ponder start`) as a child process and waits until it serves; used by the
// tests, the bench and `noos console`. Import as "@noosphere/indexer/launch".
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const INDEXER_ROOT = path.dirname(fileURLToPath(import.meta.url));

export type StartIndexerParameters = {
  /** Deployment JSON ({chainId, rpcUrl, contracts, startBlock}); default: the devnet's devnet.json. */
  deploymentFile?: string | undefined;
  /** PGlite folder (default <devnet dir>/indexer); ignored with databaseUrl. */
  dbDir?: string | undefined;
  /** Postgres connection string (DATABASE_URL). */
  databaseUrl?: string | undefined;
  /** Database schema Ponder writes to (default DATABASE_SCHEMA, else "noos"). */
  schema?: string | undefined;
  rpcUrl?: string | undefined;
  /** HTTP port (default 42069; 0 is not supported by Ponder: pick a free one). */
  port?: number | undefined;
  /** RPC polling interval in ms (default 500). */
  pollingIntervalMs?: number | undefined;
  /** Wait for /ready (all events up to the chain's head indexed) instead of /health. */
  waitReady?: boolean | undefined;
  timeoutMs?: number | undefined;
  /** Receives Ponder's log lines (stdout and stderr). */
  onLog?: ((line: string) => void) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
};

export type Indexer = {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  /** The log lines so far (the last 500). */
  logs: string[];
  /** SIGTERM (Ponder flushes and closes its database), SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
};

export class IndexerStartError extends Error {
  override name = "IndexerStartError";
}

/** Ponder's CLI entry (its package.json "bin"), found from its main module (dist/esm/index.js). */
function ponderBin(): string {
  const main = fileURLToPath(import.meta.resolve("ponder"));
  return path.join(path.dirname(main), "bin", "ponder.js");
}

export async function startIndexer(p: StartIndexerParameters = {}): Promise<Indexer> {
  const port = p.port ?? 42069;
  const args = [ponderBin(), "start", "--root", INDEXER_ROOT, "--port", String(port)];
  args.push("--schema", p.schema ?? process.env.DATABASE_SCHEMA ?? "noos");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...p.env,
    PONDER_TELEMETRY_DISABLED: "true",
    // Ponder's pretty logger writes ANSI colours; plain lines are easier to keep.
    NO_COLOR: "1",
  };
  if (p.deploymentFile) env.NOOS_DEPLOYMENT = path.resolve(p.deploymentFile);
  if (p.dbDir) env.NOOS_INDEXER_DB = path.resolve(p.dbDir);
  if (p.databaseUrl) env.DATABASE_URL = p.databaseUrl;
  if (p.rpcUrl) env.NOOS_RPC_URL = p.rpcUrl;
  if (p.pollingIntervalMs) env.NOOS_INDEXER_POLLING_MS = String(p.pollingIntervalMs);
  const child = spawn(process.execPath, args, {
    cwd: INDEXER_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      logs.push(line);
      if (logs.length > 500) logs.shift();
      p.onLog?.(line);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    })();
    return stopped;
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (p.timeoutMs ?? 120_000);
  const gate = p.waitReady ? "/ready" : "/health";
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined)
      throw new IndexerStartError(
        `ponder exited with code ${exitCode} before serving ${gate}:\n${logs.slice(-20).join("\n")}`,
      );
    try {
      const res = await fetch(url + gate);
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new IndexerStartError(
        `ponder did not answer 200 on ${url}${gate} within ${p.timeoutMs ?? 120_000} ms:\n${logs.slice(-20).join("\n")}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (child.pid === undefined) throw new IndexerStartError("ponder has no pid");
  return { url, port, pid: child.pid, process: child, logs, stop };
}

/** Polls `GET /freshness` until the indexed block reaches `block`. */
export async function waitForBlock(
  url: string,
  block: bigint | number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const res = await fetch(`${url}/freshness`);
      if (res.ok) {
        last = await res.json();
        const b = (last as { block: number | null }).block;
        if (b !== null && b >= Number(block)) return;
      } else last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new IndexerStartError(
        `indexer at ${url} did not reach block ${block} within ${timeoutMs} ms (last /freshness: ${JSON.stringify(last)})`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
