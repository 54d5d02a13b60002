// What `noos console` runs (registered in console.ts, which loads this module inside its actions so
// that `noos console --help` loads neither the SDK nor the devnet package).
import { type ChildProcess, spawn } from "node:child_process";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort, isProcessAlive } from "@noosphere/devnet";
import { BaseError, InvalidParameterError } from "@noosphere/sdk";
import { type Connection, connect, type GlobalOptions } from "../context.js";
import { toJson } from "../output.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../..");
const consoleApp = path.join(repoRoot, "apps/console");
const indexerApp = path.join(repoRoot, "apps/indexer");
const examplesDir = path.join(repoRoot, "examples/manifests");
const noosBin = path.resolve(here, "../../bin/noos.js");
export const CONSOLE_FILE = "console.json";

export type ConsoleInfo = {
  url: string;
  indexerUrl: string;
  pid: number;
  indexerPid: number;
  log: string;
  startedAt: string;
};

/** Runs `noos ... console` (without --detach) in the background and waits for its console.json. */
export async function startDetachedConsole(stateDir: string, argv: string[]): Promise<ConsoleInfo> {
  const existing = await readConsoleInfo(stateDir);
  if (existing && isProcessAlive(existing.pid)) return existing;
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, CONSOLE_FILE);
  await rm(file, { force: true });
  const log = path.join(stateDir, "console.log");
  const out = await open(log, "a");
  const args = argv.filter((a) => a !== "--detach" && a !== "--json");
  const child = spawn(process.execPath, [noosBin, ...args], {
    detached: true,
    stdio: ["ignore", out.fd, out.fd],
  });
  await out.close();
  child.unref();
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const info = await readConsoleInfo(stateDir);
    if (info) return info;
    if (child.exitCode !== null || (child.pid !== undefined && !isProcessAlive(child.pid))) {
      const tail = (await readFile(log, "utf8").catch(() => "")).split("\n").slice(-15).join("\n");
      throw new BaseError(`The console exited during startup; see ${log}.`, {
        name: "ConsoleStartError",
        metaMessages: tail ? [tail] : [],
      });
    }
    await sleep(200);
  }
  throw new BaseError(`The console was not up after 300 s; see ${log}.`, {
    name: "ConsoleStartError",
  });
}

async function readConsoleInfo(stateDir: string): Promise<ConsoleInfo | undefined> {
  const text = await readFile(path.join(stateDir, CONSOLE_FILE), "utf8").catch(() => undefined);
  return text ? (JSON.parse(text) as ConsoleInfo) : undefined;
}

export async function stopConsole(stateDir: string): Promise<boolean> {
  const info = await readConsoleInfo(stateDir);
  if (!info) return false;
  const alive = isProcessAlive(info.pid);
  if (alive) process.kill(info.pid, "SIGTERM");
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && (isProcessAlive(info.pid) || isProcessAlive(info.indexerPid)))
    await sleep(100);
  for (const pid of [info.pid, info.indexerPid])
    if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
  await rm(path.join(stateDir, CONSOLE_FILE), { force: true });
  return alive;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Newest modification time under `dir` (skipping node_modules, dist, screenshots, e2e). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", "screenshots", "e2e"].includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds apps/console with Vite unless dist/index.html is newer than every source file. */
export async function buildConsoleIfStale(say: (line: string) => void = () => {}): Promise<string> {
  const dist = path.join(consoleApp, "dist");
  const index = path.join(dist, "index.html");
  const sources = Math.max(
    newestMtime(consoleApp),
    statSync(path.join(repoRoot, "packages/sdk/src/generated/abis.ts")).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return dist;
  say("building the console (vite build)...");
  const vite = path.join(path.dirname(requireResolve("vite/package.json")), "bin/vite.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
      cwd: consoleApp,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (d) => {
      output += d;
    });
    child.stderr?.on("data", (d) => {
      output += d;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(
            new BaseError(`vite build of apps/console failed (exit ${code}).`, {
              name: "ConsoleBuildError",
              metaMessages: output.split("\n").slice(-20),
            }),
          ),
    );
  });
  return dist;
}

function requireResolve(specifier: string): string {
  // Resolved from apps/console, where npm workspaces put (or hoist) its dev dependencies.
  const candidates = [
    path.join(consoleApp, "node_modules", specifier),
    path.join(repoRoot, "node_modules", specifier),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new BaseError(`${specifier} is not installed; run npm ci at the repository root.`);
  return found;
}

export type RunConsoleParameters = {
  options: GlobalOptions;
  stateDir: string;
  port?: number | undefined;
  indexerPort?: number | undefined;
  say?: (line: string) => void;
};

/** Starts the indexer and the console's server; resolves once both answer. */
export async function runConsole(params: RunConsoleParameters) {
  const say = params.say ?? (() => {});
  const connection = await connect(params.options);
  const dist = await buildConsoleIfStale(say);
  await mkdir(params.stateDir, { recursive: true });
  const indexerPort = params.indexerPort ?? (await getFreePort());
  const indexerUrl = `http://127.0.0.1:${indexerPort}`;
  const indexerLog = path.join(params.stateDir, "indexer.log");
  const indexer = await startIndexer({
    connection,
    dir: path.resolve(params.options.dir),
    port: indexerPort,
    log: indexerLog,
  });
  const server = http.createServer((req, res) => {
    handle(req, res, { dist, connection, indexerUrl, dir: path.resolve(params.options.dir) }).catch(
      (err) => sendJson(res, 500, { error: errorMessage(err) }),
    );
  });
  const port = params.port ?? (await getFreePort());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const stop = async () => {
    server.close();
    server.closeAllConnections();
    await terminateChild(indexer);
    await rm(path.join(params.stateDir, CONSOLE_FILE), { force: true });
  };
  try {
    await waitFor(`${indexerUrl}/health`, indexer, indexerLog, 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const info: ConsoleInfo = {
    url: `http://127.0.0.1:${port}`,
    indexerUrl,
    pid: process.pid,
    indexerPid: indexer.pid ?? 0,
    log: indexerLog,
    startedAt: new Date().toISOString(),
  };
  await writeFile(path.join(params.stateDir, CONSOLE_FILE), `${JSON.stringify(info, null, 2)}\n`);
  return { info, indexer, stop };
}

function startIndexer(p: {
  connection: Connection;
  dir: string;
  port: number;
  log: string;
}): Promise<ChildProcess> {
  const ponder = path.join(
    path.dirname(requireResolve("ponder/package.json")),
    "dist/esm/bin/ponder.js",
  );
  return open(p.log, "a").then(async (out) => {
    // Ponder wants a database schema; one per devnet folder (its own PGlite) is enough.
    const schema = process.env.DATABASE_SCHEMA ?? "noos";
    const args = [ponder, "start", "--port", String(p.port), "--hostname", "127.0.0.1"];
    args.push("--schema", schema);
    const child = spawn(process.execPath, args, {
      cwd: indexerApp,
      stdio: ["ignore", out.fd, out.fd],
      env: {
        ...process.env,
        NOOS_DIR: p.dir,
        NOOS_RPC_URL: p.connection.rpcUrl,
        ...(p.connection.networkFile ? { NOOS_DEPLOYMENT: p.connection.networkFile } : {}),
        PORT: String(p.port),
      },
    });
    await out.close();
    return child;
  });
}

async function waitFor(url: string, child: ChildProcess, log: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const tail = (await readFile(log, "utf8").catch(() => "")).split("\n").slice(-15);
      throw new BaseError(
        `The indexer exited during startup (code ${child.exitCode}); see ${log}.`,
        {
          name: "IndexerStartError",
          metaMessages: tail,
        },
      );
    }
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(250);
  }
  throw new BaseError(`The indexer did not answer ${url} in ${timeoutMs / 1000} s; see ${log}.`, {
    name: "IndexerStartError",
  });
}

function terminateChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

const mime: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
};

function sendJson(res: http.ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(toJson(body));
}

function errorMessage(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; metaMessages?: string[] };
  return [e.shortMessage ?? e.message ?? String(err), ...(e.metaMessages ?? [])].join("\n");
}

async function readBody(req: http.IncomingMessage, limit = 1 << 20): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new InvalidParameterError({
        field: "body",
        expected: `<= ${limit} bytes`,
        received: `${size}+ bytes`,
      });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  ctx: { dist: string; connection: Connection; indexerUrl: string; dir: string },
) {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/config.json") {
    const { privateKeyToAddress } = await import("viem/accounts");
    return sendJson(res, 200, {
      chainId: ctx.connection.chainId,
      rpcUrl: ctx.connection.rpcUrl,
      contracts: ctx.connection.contracts,
      startBlock: ctx.connection.startBlock,
      indexerUrl: "/indexer",
      devAccounts: ctx.connection.devnetKeys.map((k) => privateKeyToAddress(k)),
    });
  }
  if (url.pathname.startsWith("/indexer/")) {
    const target = `${ctx.indexerUrl}${url.pathname.slice("/indexer".length)}${url.search}`;
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
    const upstream = await fetch(target, {
      method: req.method ?? "GET",
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      ...(body !== undefined ? { body } : {}),
    }).catch((err: unknown) => {
      throw new BaseError(`The indexer at ${ctx.indexerUrl} did not answer: ${errorMessage(err)}`);
    });
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
      "cache-control": "no-store",
    });
    return void res.end(Buffer.from(await upstream.arrayBuffer()));
  }
  if (url.pathname.startsWith("/api/store/")) {
    const cid = decodeURIComponent(url.pathname.slice("/api/store/".length));
    const { createStore } = await import("@noosphere/storage");
    const store = createStore({ kind: "local", dir: path.join(ctx.dir, "store") });
    try {
      const bytes = await store.get(cid);
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return void res.end(bytes);
    } catch (err) {
      return sendJson(res, 404, { error: `cid ${cid}: ${errorMessage(err)}` });
    }
  }
  if (url.pathname === "/api/manifest" && req.method === "POST") {
    const text = await readBody(req);
    const sdk = await import("@noosphere/sdk");
    const { createStore } = await import("@noosphere/storage");
    const store = createStore({ kind: "local", dir: path.join(ctx.dir, "store") });
    try {
      const manifest = sdk.parseJobManifest(text, { source: "manifest" });
      const resolved = await sdk.resolveManifestRefs(
        manifest,
        async (p) => (await store.addFile(path.resolve(examplesDir, p))).cid,
      );
      const { cid: manifestCid } = await store.add(sdk.canonicalManifestBytes(resolved));
      const order = sdk.manifestToOrderParameters(resolved, {
        manifestCid,
        token: ctx.connection.contracts.token,
      });
      return sendJson(res, 200, { manifestCid, order });
    } catch (err) {
      return sendJson(res, 400, { error: errorMessage(err) });
    }
  }
  // Static files; unknown paths get index.html (client-side routes).
  const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, "");
  let file = path.join(ctx.dist, rel);
  if (!file.startsWith(ctx.dist) || !existsSync(file) || statSync(file).isDirectory())
    file = path.join(ctx.dist, "index.html");
  res.writeHead(200, {
    "content-type": mime[path.extname(file)] ?? "application/octet-stream",
    "cache-control": file.endsWith("index.html") ? "no-store" : "max-age=3600",
  });
  createReadStream(file).pipe(res);
}
