// Indexer catch-up: a devnet with >= 10,000 indexed events (NOOS transfers between the dev
// accounts, plus market orders, bids and leases), then (1) the baseline, viem getLogs of the
// same events (the indexer's event signatures on the same contract addresses, decoded), and
// (2) the indexer (`ponder start`, fresh PGlite database) from spawn to /ready and to the
// chain's head, in the same run. Writes bench/results/indexer.json.
//
//   npx tsx bench/indexer.ts [--transfers 10000]
//
// A benchmark, not a test: it fails only if the indexer's event count differs from getLogs'.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startTestDeployment } from "@noosphere/devnet";
import { startIndexer, waitForBlock } from "@noosphere/indexer/launch";
import { abis, PROVIDER_ROLE } from "@noosphere/sdk";
import {
  type AbiEvent,
  type Address,
  encodeFunctionData,
  keccak256,
  parseEther,
  toHex,
} from "viem";
import { describeMachine } from "./lib/machine.js";

const NAME = "indexer";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const log = (message: string) => process.stdout.write(`${message}\n`);
const ms = (t0: number) => Math.round(performance.now() - t0);

const { values } = parseArgs({
  options: {
    transfers: { type: "string", default: "10000" },
    orders: { type: "string", default: "100" },
  },
});
const TRANSFERS = Number(values.transfers);
const ORDERS = Number(values.orders);

const net = await startTestDeployment({ accounts: 10 });
const dir = mkdtempSync(path.join(os.tmpdir(), "noos-bench-indexer-"));
try {
  const { contracts } = net.deployment;
  const rpc = net.publicClient;
  // ---------------------------------------------------------------- activity
  const t0 = performance.now();
  // Market: providers 4 and 5, ORDERS orders from tenants 1..3, each with a bid, half leased.
  const providers = [4, 5].map((i) => net.client(i));
  for (const p of providers) {
    await p.approveAndWait({ spender: contracts.staking, amount: parseEther("20000") });
    await p.stakeAndWait({ role: PROVIDER_ROLE, amount: parseEther("20000") });
    await p.registerProviderAndWait({
      hostUri: `http://127.0.0.1:${9000}`,
      attributes: [{ key: "region", value: "eu" }],
    });
  }
  for (const t of [1, 2, 3]) {
    await net.client(t).approveAndWait({ spender: contracts.market, amount: parseEther("50000") });
  }
  for (let i = 0; i < ORDERS; i++) {
    const tenant = net.client(1 + (i % 3));
    const { orderId } = await tenant.createOrderAndWait({
      manifestCid: `bafy-bench-${i}`,
      manifestHash: keccak256(toHex(i)),
      token: contracts.token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: parseEther("1"),
      jobTimeout: 600,
    });
    const p = providers[i % 2];
    if (!p) throw new Error("no provider");
    await p.createBidAndWait({ orderId, pricePerSecond: parseEther("0.001") });
    if (i % 2 === 0) await tenant.acceptBidAndWait({ orderId });
  }
  const marketMs = ms(t0);
  // Transfers: many per block, sent unsigned (anvil's dev accounts are unlocked) with fixed gas and
  // explicit nonces, mining a block after each batch.
  const t1 = performance.now();
  await net.testClient.setAutomine(false);
  const senders = net.accounts.slice(1, 10);
  const nonces = new Map<Address, number>();
  for (const s of senders)
    nonces.set(s.address, await rpc.getTransactionCount({ address: s.address }));
  const BATCH = 500;
  for (let sent = 0; sent < TRANSFERS; ) {
    const n = Math.min(BATCH, TRANSFERS - sent);
    await Promise.all(
      Array.from({ length: n }, (_, k) => {
        const from = senders[(sent + k) % senders.length];
        const to = senders[(sent + k + 1) % senders.length];
        if (!from || !to) throw new Error("no sender");
        const nonce = nonces.get(from.address) ?? 0;
        nonces.set(from.address, nonce + 1);
        return rpc.request({
          method: "eth_sendTransaction",
          params: [
            {
              from: from.address,
              to: contracts.token,
              gas: toHex(80_000),
              nonce: toHex(nonce),
              data: encodeFunctionData({
                abi: abis.NoosToken,
                functionName: "transfer",
                args: [to.address, 1n],
              }),
            },
          ],
        } as never);
      }),
    );
    await net.testClient.mine({ blocks: 1 });
    sent += n;
  }
  await net.testClient.setAutomine(true);
  // Past Ponder's finality depth for chain 31337 (30 blocks): the bulk goes through its backfill.
  await net.testClient.mine({ blocks: 40 });
  const transfersMs = ms(t1);
  const head = await rpc.getBlockNumber();
  log(
    `activity: ${ORDERS} orders in ${marketMs} ms, ${TRANSFERS} transfers in ${transfersMs} ms, head ${head}`,
  );

  // ---------------------------------------------------------------- baseline: viem getLogs
  // The events the indexer has functions for on the contracts this run used.
  const eventsOf = (abi: readonly unknown[]) =>
    (abi as readonly { type: string }[]).filter((x) => x.type === "event") as AbiEvent[];
  const sources: { address: Address; events: AbiEvent[] }[] = [
    {
      address: contracts.token,
      events: eventsOf(abis.NoosToken).filter((e) => e.name === "Transfer"),
    },
    {
      address: contracts.staking,
      events: eventsOf(abis.Staking).filter((e) => !e.name.startsWith("Role")),
    },
    { address: contracts.registry, events: eventsOf(abis.ProviderRegistry) },
    {
      address: contracts.market,
      events: eventsOf(abis.ComputeMarket).filter((e) => e.name !== "EIP712DomainChanged"),
    },
  ];
  const tb = performance.now();
  let logCount = 0;
  for (const s of sources) {
    const logs = await rpc.getLogs({
      address: s.address,
      events: s.events,
      fromBlock: BigInt(net.deployment.startBlock),
      toBlock: head,
    });
    logCount += logs.length;
  }
  const getLogsMs = ms(tb);
  log(`getLogs: ${logCount} events in ${getLogsMs} ms`);

  // ---------------------------------------------------------------- the indexer
  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(net.deployment));
  const ti = performance.now();
  const ix = await startIndexer({
    deploymentFile,
    dbDir: path.join(dir, "db"),
    port: 42600 + (process.pid % 300),
    timeoutMs: 600_000,
  });
  const healthyMs = ms(ti);
  for (;;) {
    if (ix.process.exitCode !== null)
      throw new Error(`ponder exited (${ix.process.exitCode}):\n${ix.logs.slice(-20).join("\n")}`);
    try {
      if ((await fetch(`${ix.url}/ready`)).status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  const readyMs = ms(ti);
  await waitForBlock(ix.url, head, 600_000);
  const headMs = ms(ti);
  const fresh = (await (await fetch(`${ix.url}/freshness`)).json()) as { events: number };
  const backfill = ix.logs.find((l) => l.includes("Completed backfill indexing"));
  await ix.stop();
  log(
    `indexer: healthy ${healthyMs} ms, ready ${readyMs} ms, head ${headMs} ms, ${fresh.events} events`,
  );
  if (fresh.events !== logCount)
    throw new Error(`indexer counted ${fresh.events} events, getLogs ${logCount}: they must agree`);

  const perSec = (n: number, t: number) => Math.round((n / t) * 1000);
  const result = {
    name: NAME,
    date: new Date().toISOString(),
    machine: describeMachine(),
    inputs: {
      transfers: TRANSFERS,
      orders: ORDERS,
      events: logCount,
      blocks: Number(head) - net.deployment.startBlock,
      indexer:
        "ponder 0.16.10, `ponder start`, fresh PGlite database, polling 500 ms, disableCache",
      baseline:
        "viem getLogs (eth_getLogs over the whole range, one call per contract, the same event signatures, decoded)",
      loadAverage1m: os.loadavg()[0],
    },
    results: {
      getLogs: { ms: getLogsMs, eventsPerSecond: perSec(logCount, getLogsMs) },
      indexer: {
        spawnToHealthyMs: healthyMs,
        spawnToReadyMs: readyMs,
        spawnToHeadMs: headMs,
        eventsPerSecondSpawnToHead: perSec(logCount, headMs),
        eventsPerSecondAfterHealthy: perSec(logCount, Math.max(1, headMs - healthyMs)),
        backfillLog: backfill ?? null,
      },
      ratio: {
        indexerToGetLogs: Math.round((headMs / Math.max(1, getLogsMs)) * 10) / 10,
      },
    },
    notes: [
      "The indexer writes every event into typed tables (several rows per event: the entity, stats, account activity); getLogs only fetches and decodes.",
      "spawnToHealthy includes Ponder's build (vite-node), PGlite start and table creation; eventsPerSecondAfterHealthy excludes it.",
    ],
  };
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${path.relative(repoRoot, resultsFile)}`);
} finally {
  await net.stop();
  rmSync(dir, { recursive: true, force: true });
}
