// The web console in Debian's chromium (playwright-core, no browser download) against a real
// devnet: three `noos provider` processes, the Ponder indexer and `noos console --detach`, as a
// user runs them. Flows: create an order from the Jobs page with the devnet's dev account and watch
// it get bid on, leased, computed and completed; the Jobs page shows every order
// `noos market orders --json` lists, with the same states; the Providers page lists the three
// providers; a zk proof recorded by `noos zk submit-proof` verifies in the browser (snarkjs);
// a subnet's charts fill as its epochs run. Screenshots of every page go to a temporary folder, or
// with NOOS_UPDATE_SCREENSHOTS=1 to the committed apps/console/screenshots/.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type DevnetInfo, getFreePort } from "@noosphere/devnet";
import {
  createNoosClient,
  type NoosphereAddresses,
  noosphereActions,
  subnetStakeRole,
} from "@noosphere/sdk";
import type { Page } from "playwright-core";
import { createTestClient, http, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevnetWithProviders } from "../../../packages/cli/src/localProviders.js";
import { launchChromium } from "./browser.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const noosBin = path.join(repo, "packages/cli/bin/noos.js");
const screenshots = process.env.NOOS_UPDATE_SCREENSHOTS
  ? path.join(here, "../screenshots")
  : path.join(tmpdir(), "noos-console-screenshots");
const zkExamples = path.join(repo, "examples/zk");

let dir: string;
let info: DevnetInfo;
let consoleUrl: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let proofReady: Promise<{ modelId: string }>;
let subnetReady: Promise<{ netuid: number; epochs: number }>;

async function noos(args: string[], cwd = repo): Promise<unknown> {
  try {
    const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, ...args, "--json"], {
      cwd,
      timeout: 400_000,
      env: { ...process.env, NOOS_DIR: dir },
    });
    return JSON.parse(stdout);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`noos ${args.join(" ")}: ${e.stdout || e.stderr || e.message}`);
  }
}

/**
 * The zk artifacts of examples/zk's linear regression (settings, circuit, keys, proof, Solidity
 * verifier), made by `noos zk` once and cached by the content hash of the model, its data and the
 * zk compiler's sources (like the powers-of-tau files): the pipeline takes minutes on a busy
 * machine and its outputs depend on nothing else.
 */
async function zkArtifacts(work: string, model: string) {
  const hash = createHash("sha256");
  const inputs = [
    model,
    path.join(zkExamples, "data/linreg.calibration.json"),
    path.join(zkExamples, "data/linreg.input.json"),
  ];
  const sources = async (d: string): Promise<string[]> =>
    (await readdir(d, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.endsWith(".test.ts"))
      .map((e) => path.join(e.parentPath, e.name))
      .sort();
  for (const file of [...inputs, ...(await sources(path.join(repo, "packages/zk/src")))])
    hash.update(file.slice(repo.length)).update(await readFile(file));
  const cache = path.join(
    process.env.NOOS_ZK_CACHE_DIR ?? path.join(homedir(), ".cache", "noosphere", "console-e2e"),
    hash.digest("hex").slice(0, 16),
  );
  if (!existsSync(path.join(cache, "done"))) {
    const zk = (...args: string[]) => noos(["zk", ...args], work);
    await zk("gen-settings", "-M", model);
    await zk("calibrate-settings", "-M", model, "-D", inputs[1] as string);
    await zk("compile-circuit", "-M", model);
    await zk("setup");
    await zk("gen-witness", "-D", inputs[2] as string);
    await zk("prove");
    await zk("create-evm-verifier", "-S", "settings.json");
    await mkdir(path.dirname(cache), { recursive: true });
    const tmp = `${cache}.tmp-${process.pid}`;
    await cp(work, tmp, { recursive: true });
    await writeFile(path.join(tmp, "done"), "");
    await rename(tmp, cache).catch(() => rm(tmp, { recursive: true, force: true }));
  } else {
    await cp(cache, work, { recursive: true });
  }
}

/** The linear regression of examples/zk proved, verified by its Solidity verifier and recorded. */
async function recordProof(): Promise<{ modelId: string }> {
  const work = path.join(dir, "zk");
  await mkdir(work, { recursive: true });
  const model = path.join(zkExamples, "models/linreg.onnx");
  const zk = (...args: string[]) => noos(["zk", ...args], work);
  await zkArtifacts(work, model);
  const { address } = (await zk("deploy-evm")) as { address: string };
  const { modelId } = (await zk("register-model", "--addr", address, "--model", model)) as {
    modelId: string | number;
  };
  await zk("submit-proof", "--model-id", String(modelId));
  return { modelId: String(modelId) };
}

/** A subnet with two staked validators and two miners, and `epochs` epochs run by a keeper. */
async function runSubnet(epochs: number): Promise<{ netuid: number; epochs: number }> {
  const contracts = info.contracts as NoosphereAddresses;
  const client = (index: number) => {
    const account = info.accounts[index];
    if (!account) throw new Error(`no dev account ${index}`);
    return createNoosClient({
      rpcUrl: info.rpcUrl,
      chainId: info.chainId,
      privateKey: account.privateKey,
      pollingInterval: 100,
    }).extend(noosphereActions(contracts));
  };
  const testClient = createTestClient({ mode: "anvil", transport: http(info.rpcUrl) });
  const owner = client(1);
  await owner.approveAndWait({ spender: contracts.subnetRegistry, amount: parseEther("100") });
  const { netuid } = await owner.createSubnetAndWait();
  await owner.setHyperparamsAndWait({
    netuid,
    hyperparams: { tempo: 5n, weightsSetRateLimit: 0n, immunityPeriod: 0n, commitReveal: false },
  });
  // Accounts 4..6 are the providers: the neurons are 2, 3 (validators) and 7, 8 (miners).
  const neurons = [2, 3, 7, 8].map(client);
  for (const n of neurons) {
    await n.approveAndWait({ spender: contracts.subnetRegistry, amount: parseEther("1") });
    await n.registerNeuronAndWait({ netuid });
  }
  for (const [i, amount] of [
    [0, parseEther("600")],
    [1, parseEther("400")],
  ] as const) {
    const v = neurons[i] as (typeof neurons)[number];
    await v.approveAndWait({ spender: contracts.staking, amount });
    await v.stakeAndWait({ role: subnetStakeRole(netuid), amount });
  }
  const keeper = client(9);
  for (let e = 0; e < epochs; e++) {
    if (e >= 1) {
      // Validators score the miners (uids 2 and 3), a little differently each epoch.
      await neurons[0]?.setWeightsAndWait({ netuid, uids: [2, 3], values: [3 + e, 1] });
      await neurons[1]?.setWeightsAndWait({ netuid, uids: [2, 3], values: [2, 1 + e] });
    }
    const subnet = await keeper.getSubnet({ netuid });
    const now = await keeper.getBlockNumber();
    if (now + 1n < subnet.nextEpochBlock)
      await testClient.mine({ blocks: Number(subnet.nextEpochBlock - now - 1n) });
    await keeper.runSubnetEpochAndWait({ netuid });
  }
  return { netuid, epochs };
}

async function shot(name: string) {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-console-e2e-"));
  await mkdir(screenshots, { recursive: true });
  const t0 = Date.now();
  const started = await startDevnetWithProviders({ dir, port: await getFreePort(), count: 3 });
  info = started.info;
  const t1 = Date.now();
  // The chain work runs while the indexer starts; the tests wait for what they need.
  proofReady = recordProof();
  subnetReady = runSubnet(4);
  proofReady.catch(() => {});
  subnetReady.catch(() => {});
  const [{ url }, launched] = await Promise.all([
    noos(["console", "--detach"]) as Promise<{ url: string }>,
    launchChromium(),
  ]);
  consoleUrl = url;
  browser = launched;
  console.log(
    `devnet + 3 providers ${t1 - t0} ms; console (indexer + build) ${Date.now() - t1} ms`,
  );
  page = await browser.context.newPage();
  page.setDefaultTimeout(60_000);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await noos(["console", "stop"]).catch(() => {});
  await run(process.execPath, [noosBin, "--dir", dir, "devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("web console", () => {
  it("creates an order from the Jobs page and watches it get leased and completed", async () => {
    await page.goto(`${consoleUrl}/jobs`);
    await expect
      .poll(() => page.getByTestId("freshness").innerText(), { timeout: 60_000 })
      .toMatch(/data as of block \d+/);
    // The block is the Jobs page's own data's (its query's _meta), not the indexer's newest.
    await expect
      .poll(() => page.getByTestId("freshness").getAttribute("data-source"), { timeout: 30_000 })
      .toBe("page");
    await page.getByTestId("connect-mock").click();
    await page.getByTestId("wallet").getByText("disconnect").waitFor();
    await page.getByTestId("create-order").click();
    const created = page.getByTestId("created-order");
    await created.waitFor();
    const orderId = (await created.innerText()).match(/#(\d+)/)?.[1];
    expect(orderId).toBeDefined();
    // In-app navigation: the dev wallet stays connected (a reload would disconnect it).
    await created.getByRole("link").click();
    await page.getByTestId("order-state").waitFor();
    // The providers bid (each below the best so far); the tenant accepts the best bid.
    await page.getByTestId("accept-best").click({ timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId("lease-state").innerText(), { timeout: 60_000 })
      .toMatch(/Active|ResultSubmitted/);
    await page.getByTestId("accept-result").click({ timeout: 90_000 });
    await expect
      .poll(() => page.getByTestId("lease-state").innerText(), { timeout: 30_000 })
      .toBe("Completed");
    const timeline = await page.getByTestId("timeline").innerText();
    for (const step of ["ordered", "bid", "leased", "result", "accepted"])
      expect(timeline).toContain(step);
    // The bid history: the last bid won, any before it were outbid.
    const states = await page.locator("[data-testid^=bid-state-]").allInnerTexts();
    expect(states.at(-1)).toMatch(/^Won/);
    for (const earlier of states.slice(0, -1)) expect(earlier).toMatch(/^Outbid by/);
    expect(await page.getByTestId("best-bid").innerText()).toMatch(/best bid: [\d.]+ NOOS \/s by/);
    await shot("job");
  }, 240_000);

  it("shows on the Jobs page every order `noos market orders` lists, with the same states", async () => {
    const orders = (await noos(["market", "orders"])) as { id: string; stateName: string }[];
    expect(orders.length).toBeGreaterThan(0);
    await page.goto(`${consoleUrl}/jobs`);
    await expect
      .poll(
        async () => {
          const shown: Record<string, string> = {};
          for (const o of orders)
            shown[o.id] = await page
              .getByTestId(`order-state-${o.id}`)
              .innerText({ timeout: 1000 })
              .catch(() => "missing");
          return shown;
        },
        { timeout: 30_000 },
      )
      .toEqual(Object.fromEntries(orders.map((o) => [String(o.id), o.stateName])));
    await shot("jobs");
  }, 60_000);

  it("lists the three providers", async () => {
    await page.goto(`${consoleUrl}/providers`);
    for (const account of info.accounts.slice(4, 7))
      await page.getByTestId(`provider-${account.address.toLowerCase()}`).waitFor();
    await shot("providers");
  }, 60_000);

  it("verifies a recorded zk proof in the browser", async () => {
    await proofReady;
    await page.goto(`${consoleUrl}/models`);
    const button = page.locator("[data-testid^=verify-]").filter({ hasText: "verify" }).first();
    await button.click({ timeout: 60_000 });
    const result = page.locator("[data-testid^=verify-result-]").first();
    await expect.poll(() => result.innerText(), { timeout: 60_000 }).toMatch(/valid Groth16 proof/);
    await shot("models");
  }, 300_000);

  it("fills a subnet's charts as its epochs run", async () => {
    const { netuid, epochs } = await subnetReady;
    await page.goto(`${consoleUrl}/subnets/${netuid}`);
    await expect
      .poll(() => page.getByTestId("epoch-count").innerText(), { timeout: 30_000 })
      .toContain(`${epochs} epochs`);
    // One dot per neuron and epoch in each chart; the heatmap has a cell per validator x miner.
    for (const chart of ["chart-incentive", "chart-dividends", "chart-emission"])
      expect(await page.locator(`[data-testid=${chart}] svg circle`).count()).toBe(4 * epochs);
    expect(await page.locator("[data-testid=chart-weights] svg rect").count()).toBeGreaterThan(0);
    await shot("subnet");
    await page.goto(`${consoleUrl}/subnets`);
    await page.getByTestId(`subnet-${netuid}`).waitFor();
    await shot("subnets");
  }, 300_000);

  it("overview, account and search pages show data and their freshness", async () => {
    await page.goto(`${consoleUrl}/`);
    await expect
      .poll(() => page.getByTestId("card-providers").innerText(), { timeout: 30_000 })
      .toContain("3");
    await shot("overview");
    await page.goto(`${consoleUrl}/account`);
    await page.getByTestId("connect-mock").click();
    await page.getByTestId("balance").waitFor();
    // The dev account's completed job refunded the escrow left to its market balance.
    await expect
      .poll(() => page.getByTestId("market-balance").innerText(), { timeout: 30_000 })
      .not.toMatch(/^market balance[^\d]*0(\.0+)? NOOS/);
    await shot("account");
    const provider = info.accounts[4]?.address ?? "";
    await page.goto(`${consoleUrl}/search?q=${provider}`);
    await expect
      .poll(() => page.getByTestId("search-results").innerText(), { timeout: 30_000 })
      .toContain(`provider ${provider.toLowerCase()}`);
    await shot("search");
    // Once the indexer has caught up with the chain, the sign says so.
    await expect
      .poll(() => page.getByTestId("freshness").getAttribute("data-stale"), { timeout: 60_000 })
      .toBe("false");
  }, 120_000);
});
