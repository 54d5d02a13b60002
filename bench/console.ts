// The web console's first meaningful paint of the Jobs page: a devnet with ORDERS orders, the
// indexer and the built console (`noos console --detach`), then in Debian's chromium, with a fresh
// browser context (cold cache) each run, the time from navigation start until the orders table is
// painted with every order (performance.now() in the page, checked on each animation frame).
// Baselines in the same run: the GraphQL query the page makes, from Node (the data alone), and
// `noos market orders --json` (the same list read from the chain by the CLI). Writes
// bench/results/console.json.
//
//   npx tsx bench/console.ts [--orders 50] [--runs 7]
//
// A benchmark, not a test: it never fails on a timing.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { getFreePort } from "@noosphere/devnet";
import { createNoosClient, type NoosphereAddresses, noosphereActions } from "@noosphere/sdk";
import { keccak256, parseEther, toHex } from "viem";
import { CHROMIUM, launchBrowser } from "../apps/console/e2e/browser.js";
import { startDevnetWithProviders } from "../packages/cli/src/localProviders.js";
import { describeMachine } from "./lib/machine.js";

/** What the page function reads in the browser (the DOM lib is not in this Node project's types). */
type PageGlobals = { document: { querySelectorAll(selector: string): { length: number } } };

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const noosBin = path.join(repoRoot, "packages/cli/bin/noos.js");
const resultsFile = path.join(repoRoot, "bench/results/console.json");
const log = (line: string) => process.stdout.write(`${line}\n`);
const { values } = parseArgs({
  options: { orders: { type: "string", default: "50" }, runs: { type: "string", default: "7" } },
});
const ORDERS = Number(values.orders);
const RUNS = Number(values.runs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const dir = await mkdtemp(path.join(tmpdir(), "noos-bench-console-"));
const noos = async (...args: string[]) => {
  const t = performance.now();
  const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, ...args, "--json"], {
    maxBuffer: 64 << 20,
  });
  return { out: JSON.parse(stdout) as unknown, ms: performance.now() - t };
};
try {
  const { info } = await startDevnetWithProviders({ dir, port: await getFreePort(), count: 0 });
  const contracts = info.contracts as NoosphereAddresses;
  const key = info.accounts[1]?.privateKey;
  if (!key) throw new Error("no tenant account");
  const tenant = createNoosClient({
    rpcUrl: info.rpcUrl,
    chainId: info.chainId,
    privateKey: key,
    pollingInterval: 50,
  }).extend(noosphereActions(contracts));
  const deposit = parseEther("1");
  await tenant.approveAndWait({ spender: contracts.market, amount: deposit * BigInt(ORDERS) });
  for (let i = 0; i < ORDERS; i++) {
    await tenant.createOrderAndWait({
      manifestCid: `bafkreibenchconsole${i}`,
      manifestHash: keccak256(toHex(`bench order ${i}`)),
      token: contracts.token,
      maxPricePerSecond: parseEther("0.001"),
      deposit,
      bidWindow: 3600,
      jobTimeout: 600,
    });
  }
  log(`${ORDERS} orders on the devnet`);
  const consoleStart = performance.now();
  const { out } = await noos("console", "--detach");
  const { url } = out as { url: string };
  const consoleStartMs = performance.now() - consoleStart;
  const query = `{ orders(orderBy: "createdAt", orderDirection: "desc", limit: 1000) { items { id state } totalCount } }`;
  const gql = async () => {
    const t = performance.now();
    const res = await fetch(`${url}/indexer/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: { orders: { totalCount: number } } };
    return { count: body.data?.orders.totalCount ?? 0, ms: performance.now() - t };
  };
  while ((await gql()).count < ORDERS) await new Promise((r) => setTimeout(r, 250));

  const browser = await launchBrowser();
  const paint: number[] = [];
  const fcp: number[] = [];
  const gqlMs: number[] = [];
  const cliMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/jobs`);
    const at = await page.waitForFunction(
      (n) =>
        (globalThis as unknown as PageGlobals).document.querySelectorAll(
          "[data-testid=orders] tbody tr",
        ).length >= n
          ? performance.now()
          : false,
      ORDERS,
      { polling: "raf", timeout: 60_000 },
    );
    paint.push(Number(await at.jsonValue()));
    fcp.push(
      await page.evaluate(
        () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
      ),
    );
    await context.close();
    gqlMs.push((await gql()).ms);
    cliMs.push((await noos("market", "orders", "--limit", String(ORDERS))).ms);
  }
  await browser.close();
  const chromium = (await run(CHROMIUM, ["--version"]).catch(() => ({ stdout: "unknown" }))).stdout;
  const result = {
    name: "console",
    what: "first meaningful paint of the Jobs page (navigation start -> orders table painted with every order), fresh browser context per run",
    orders: ORDERS,
    runs: RUNS,
    jobsPageFirstMeaningfulPaintMs: { median: median(paint), all: paint.map(Math.round) },
    firstContentfulPaintMs: { median: median(fcp) },
    baseline: {
      graphqlOrdersQueryMs: { median: median(gqlMs), what: "the page's orders query from Node" },
      cliMarketOrdersMs: {
        median: median(cliMs),
        what: "`noos market orders --json` (a fresh CLI process reading the chain)",
      },
    },
    consoleStartMs: Math.round(consoleStartMs),
    chromium: chromium.trim(),
    machine: describeMachine(),
    date: new Date().toISOString(),
  };
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  log(
    `Jobs page first meaningful paint: median ${median(paint).toFixed(0)} ms (FCP ${median(fcp).toFixed(0)} ms); GraphQL query ${median(gqlMs).toFixed(0)} ms; noos market orders ${median(cliMs).toFixed(0)} ms`,
  );
  log(`wrote ${path.relative(repoRoot, resultsFile)}`);
} finally {
  await run(process.execPath, [noosBin, "--dir", dir, "console", "stop"]).catch(() => {});
  await run(process.execPath, [noosBin, "--dir", dir, "devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
