// The indexer (`ponder start`, a child process with its embedded PGlite database) against a real
// anvil with every contract deployed: it catches up with market activity (bids outbidding each
// other, leases, a slash, market balances funded, spent, credited and withdrawn, a stake release)
// and its tables say what the SDK reads from the chain; an anvil_reorg drops the rows of the dropped block; a restart on
// the same database resumes from its checkpoint instead of indexing from the start again.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { computeMarketAbi, PROVIDER_ROLE } from "@noosphere/sdk";
import { type Address, keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Indexer, startIndexer, waitForBlock } from "../launch.ts";

let net: TestDeployment;
let ix: Indexer | undefined;
let dir: string;
let deploymentFile: string;
let port: number;
/** What the activity did, for the checks. */
let done: bigint;
let running: bigint;
let released: bigint;

const manifest = { manifestCid: "bafy-indexer-test", manifestHash: keccak256(toHex("m")) };

async function gql<T>(query: string): Promise<T> {
  if (!ix) throw new Error("indexer not started");
  const res = await fetch(`${ix.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!res.ok || body.errors) throw new Error(`graphql: ${res.status} ${JSON.stringify(body)}`);
  return body.data as T;
}

async function registerProvider(index: number, region: string) {
  const p = net.client(index);
  const { staking } = net.deployment.contracts;
  await p.approveAndWait({ spender: staking, amount: parseEther("1000") });
  await p.stakeAndWait({ role: PROVIDER_ROLE, amount: parseEther("1000") });
  await p.registerProviderAndWait({
    hostUri: `http://127.0.0.1:${9100 + index}`,
    attributes: [
      { key: "region", value: region },
      { key: "gpu", value: "none" },
    ],
  });
  return p;
}

async function createOrder(tenantIndex: number, deposit = parseEther("5")) {
  const tenant = net.client(tenantIndex);
  const { token, market } = net.deployment.contracts;
  await tenant.approveAndWait({ spender: market, amount: deposit });
  return tenant.createOrderAndWait({
    ...manifest,
    token,
    maxPricePerSecond: parseEther("0.001"),
    deposit,
    jobTimeout: 600,
  });
}

/** Waits until the indexer has the chain's head block. */
async function caughtUp(): Promise<bigint> {
  const head = await net.publicClient.getBlockNumber();
  if (!ix) throw new Error("indexer not started");
  await waitForBlock(ix.url, head, 300_000);
  return head;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "noos-indexer-"));
  net = await startTestDeployment();
  deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(net.deployment));
  // Activity: two providers; a batch job where b outbids a, completed through a signed receipt
  // (the tenant's refund lands in its market balance); the tenant funds its balance and opens an
  // order from it; a job whose provider misses its deadline (slashed, the tenant refunded); a
  // canceled order; b withdraws its pay and releases its lease stake.
  const a = await registerProvider(4, "eu");
  const b = await registerProvider(5, "us");
  const tenant = net.client(1);
  const { token } = net.deployment.contracts;
  ({ orderId: done } = await createOrder(1));
  await a.createBidAndWait({ orderId: done, pricePerSecond: parseEther("0.001") });
  await b.createBidAndWait({ orderId: done, pricePerSecond: parseEther("0.0009") });
  await tenant.acceptBidAndWait({ orderId: done });
  const resultHash = keccak256(toHex("out"));
  const receipt = await b.signReceipt({ leaseId: done, resultHash, resultCid: "bafy-out" });
  await tenant.submitResultAndWait({ leaseId: done, resultCid: "bafy-out", resultHash, receipt });
  await tenant.acceptResultAndWait({ leaseId: done });
  await tenant.fundAccountAndWait({ token, amount: parseEther("1") });
  await createOrder(1, parseEther("3")); // from the balance (4.46 refunded + 1 funded)
  ({ orderId: running } = await createOrder(2));
  await a.createBidAndWait({ orderId: running, pricePerSecond: parseEther("0.0005") });
  await net.client(2).acceptBidAndWait({ orderId: running });
  await net.testClient.increaseTime({ seconds: 700 });
  await net.testClient.mine({ blocks: 1 });
  await net.client(2).expireLeaseAndWait({ leaseId: running });
  const { orderId: canceled } = await createOrder(3);
  await net.client(3).cancelOrderAndWait({ orderId: canceled });
  await b.withdrawBalanceAndWait({ token });
  released = (await b.releaseStakeAndWait()).amount;
  // Push the activity past Ponder's finality depth for chain 31337 (30 blocks), so that a restart
  // has finalized rows to keep.
  await net.testClient.mine({ blocks: 40 });
  port = 43000 + (process.pid % 1000);
  ix = await startIndexer({
    deploymentFile,
    dbDir: path.join(dir, "db"),
    port,
    pollingIntervalMs: 200,
    waitReady: true,
    timeoutMs: 400_000,
  });
}, 600_000);

afterAll(async () => {
  await ix?.stop();
  await net?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Rows<T> = { items: T[] };

describe("indexer", () => {
  it("catches up, and its tables say what the SDK reads from the chain", async () => {
    await caughtUp();
    const tenant = net.client(1);
    const { market, token } = net.deployment.contracts;
    const data = await gql<{
      orders: Rows<{
        id: string;
        tenant: string;
        state: string;
        bidCount: number;
        bestBidder: string | null;
        bestPricePerSecond: string | null;
        maxPricePerSecond: string;
      }>;
      bids: Rows<{
        orderId: string;
        seq: number;
        provider: string;
        state: string;
        best: boolean;
        outbid: string | null;
        outbidBy: string | null;
        pricePerSecond: string;
      }>;
      leases: Rows<{
        id: string;
        provider: string;
        state: string;
        pricePerSecond: string;
        paid: string;
        fees: string;
        slashed: string;
      }>;
      providers: Rows<{
        address: string;
        hostUri: string;
        stake: string;
        registered: boolean;
        completed: number;
        failed: number;
        slashed: number;
        slashedAmount: string;
        earned: string;
        withdrawn: string;
        stakeReleased: string;
      }>;
      marketAccounts: Rows<{
        account: string;
        token: string;
        balance: string;
        funded: string;
        credited: string;
        spent: string;
        withdrawn: string;
      }>;
      providerAttributes: Rows<{ provider: string; key: string; value: string }>;
      leaseEvents: Rows<{ kind: string; blockNumber: string; logIndex: number }>;
      stats: {
        orders: number;
        openOrders: number;
        leases: number;
        activeLeases: number;
        completedLeases: number;
        providers: number;
      } | null;
    }>(`{
      orders(orderBy: "id", orderDirection: "asc") { items { id tenant state bidCount bestBidder bestPricePerSecond maxPricePerSecond } }
      bids(limit: 100) { items { orderId seq provider state best outbid outbidBy pricePerSecond } }
      leases { items { id provider state pricePerSecond paid fees slashed } }
      providers { items { address hostUri stake registered completed failed slashed slashedAmount earned withdrawn stakeReleased } }
      marketAccounts(limit: 100) { items { account token balance funded credited spent withdrawn } }
      providerAttributes { items { provider key value } }
      leaseEvents(where: { orderId: "${done}" }, limit: 100) { items { kind blockNumber logIndex } }
      stats(id: "global") { orders openOrders leases activeLeases completedLeases providers }
    }`);

    const chainOrders = (await tenant.getOrders({})).sort((x, y) => Number(x.id - y.id));
    expect(data.orders.items.map((o) => BigInt(o.id))).toEqual(chainOrders.map((o) => o.id));
    for (const o of chainOrders) {
      const row = data.orders.items.find((r) => BigInt(r.id) === o.id);
      const noBid = o.bestBidder === "0x0000000000000000000000000000000000000000";
      expect(row).toMatchObject({
        tenant: o.tenant.toLowerCase(),
        state: o.stateName,
        bestBidder: noBid ? null : o.bestBidder.toLowerCase(),
        bestPricePerSecond: noBid ? null : o.bestPricePerSecond.toString(),
        maxPricePerSecond: o.maxPricePerSecond.toString(),
      });
      // Every BidCreated of the order, in chain order; only the last is the best.
      const logs = await net.publicClient.getContractEvents({
        address: market,
        abi: computeMarketAbi,
        eventName: "BidCreated",
        args: { orderId: o.id },
        fromBlock: BigInt(net.deployment.startBlock),
      });
      const rows = data.bids.items
        .filter((r) => BigInt(r.orderId) === o.id)
        .sort((x, y) => x.seq - y.seq);
      expect(row?.bidCount).toBe(logs.length);
      expect(rows.map((r) => [r.provider, r.pricePerSecond, r.outbid, r.best])).toEqual(
        logs.map((log, i) => [
          log.args.provider?.toLowerCase(),
          log.args.pricePerSecond?.toString(),
          i === 0 ? null : log.args.outbid?.toLowerCase(),
          i === logs.length - 1,
        ]),
      );
    }
    const addr = (index: number) => net.accounts[index]?.address.toLowerCase() as Address;
    // b outbid a on the completed job and won it; a won the job it then let expire.
    expect(
      data.bids.items
        .filter((r) => BigInt(r.orderId) === done)
        .sort((x, y) => x.seq - y.seq)
        .map((r) => [r.provider, r.state, r.outbidBy]),
    ).toEqual([
      [addr(4), "Outbid", addr(5)],
      [addr(5), "Won", null],
    ]);
    expect(
      data.bids.items.filter((r) => BigInt(r.orderId) === running).map((r) => r.state),
    ).toEqual(["Won"]);
    expect(data.leases.items).toHaveLength(2);
    for (const row of data.leases.items) {
      const lease = await tenant.getLease({ leaseId: BigInt(row.id) });
      expect(row.provider).toBe(lease.provider.toLowerCase());
      expect(row.state).toBe(lease.stateName);
      expect(row.pricePerSecond).toBe(lease.pricePerSecond.toString());
    }
    // The completed batch job paid its job price (net + fee); the expired one paid nothing and
    // slashed its provider.
    const doneRow = data.leases.items.find((r) => BigInt(r.id) === done);
    expect(BigInt(doneRow?.paid ?? 0) + BigInt(doneRow?.fees ?? 0)).toBe(
      parseEther("0.0009") * 600n,
    );
    const expired = data.leases.items.find((r) => BigInt(r.id) === running);
    expect(expired?.state).toBe("Failed");
    expect(BigInt(expired?.slashed ?? 0)).toBeGreaterThan(0n);
    for (const index of [4, 5]) {
      const address = addr(index);
      const info = await tenant.getProvider({ provider: address });
      const row = data.providers.items.find((p) => p.address === address);
      expect(row?.hostUri).toBe(info?.hostUri);
      expect(row?.registered).toBe(true);
      const stake = await tenant.getStake({ account: address, role: PROVIDER_ROLE });
      expect(row?.stake).toBe(stake.staked.toString());
      const attrs = data.providerAttributes.items
        .filter((r) => r.provider === address)
        .map((r) => [r.key, r.value])
        .sort();
      expect(attrs).toEqual((info?.attributes ?? []).map((x) => [x.key, x.value]).sort());
    }
    const pa = data.providers.items.find((p) => p.address === addr(4));
    const pb = data.providers.items.find((p) => p.address === addr(5));
    expect(pb).toMatchObject({
      completed: 1,
      withdrawn: pb?.earned,
      stakeReleased: String(released),
    });
    expect(released).toBeGreaterThan(0n);
    expect(pa).toMatchObject({ failed: 1, slashed: 1, slashedAmount: expired?.slashed });
    // Market balances: every account the market credited, funded or paid out, as the chain says.
    const accounts = [1, 2, 3, 4, 5].map(addr);
    for (const account of accounts) {
      const onChain = await tenant.getMarketBalance({ account, token });
      const row = data.marketAccounts.items.find(
        (r) => r.account === account && r.token === token.toLowerCase(),
      );
      expect(BigInt(row?.balance ?? 0), account).toBe(onChain);
      if (row)
        expect(
          BigInt(row.funded) + BigInt(row.credited) - BigInt(row.spent) - BigInt(row.withdrawn),
        ).toBe(BigInt(row.balance));
    }
    // The tenant of the completed job: refunded, funded, then paid an order from its balance.
    const t1 = data.marketAccounts.items.find((r) => r.account === addr(1));
    expect(t1).toMatchObject({
      funded: parseEther("1").toString(),
      credited: (parseEther("5") - parseEther("0.0009") * 600n).toString(),
      spent: parseEther("3").toString(),
    });
    // b's pay went to its balance and out again.
    const bAccount = data.marketAccounts.items.find((r) => r.account === addr(5));
    expect(bAccount).toMatchObject({ balance: "0", credited: pb?.earned, withdrawn: pb?.earned });
    // The order's timeline, in chain order (block, then log index).
    const kinds = [...data.leaseEvents.items]
      .sort((x, y) => Number(x.blockNumber) - Number(y.blockNumber) || x.logIndex - y.logIndex)
      .map((e) => e.kind);
    expect(kinds.filter((k) => ["ordered", "leased", "result", "accepted"].includes(k))).toEqual([
      "ordered",
      "leased",
      "result",
      "accepted",
    ]);
    expect(kinds.filter((k) => k === "bid")).toHaveLength(2);
    expect(kinds).toContain("paid");
    expect(data.stats).toMatchObject({
      orders: 4,
      openOrders: 1,
      leases: 2,
      activeLeases: 0,
      completedLeases: 1,
      providers: 2,
    });
    const freshness = (await (await fetch(`${ix?.url}/freshness`)).json()) as {
      block: number;
      head: number;
      lagBlocks: number;
    };
    expect(freshness.block).toBe(freshness.head);
    expect(freshness.lagBlocks).toBe(0);
  }, 300_000);

  it("drops the rows of blocks an anvil_reorg replaced", async () => {
    const { orderId } = await createOrder(3, parseEther("2"));
    await caughtUp();
    const before = await gql<{ order: { id: string } | null }>(
      `{ order(id: "${orderId}") { id } }`,
    );
    expect(before.order?.id).toBe(String(orderId));
    // Replace the order's block with an empty one, then build on the new branch.
    await net.testClient.request({ method: "anvil_reorg" as never, params: [1, []] as never });
    await net.testClient.mine({ blocks: 2 });
    expect((await net.client(3).getOrders({})).map((o) => o.id)).not.toContain(orderId);
    await caughtUp();
    // The new head is indexed; wait for the rollback to show (it lands with the same poll).
    const deadline = Date.now() + 120_000;
    let after = await gql<{ order: { id: string } | null }>(`{ order(id: "${orderId}") { id } }`);
    while (after.order && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await gql(`{ order(id: "${orderId}") { id } }`);
    }
    expect(after.order).toBeNull();
    const stats = await gql<{ stats: { orders: number } }>(`{ stats(id: "global") { orders } }`);
    expect(stats.stats.orders).toBe((await net.client(3).getOrders({})).length);
    expect(ix?.logs.join("\n")).toMatch(/reorg/i);
  }, 300_000);

  it("resumes from its checkpoint after a restart", async () => {
    const rowsBefore = await gql<{ accountActivitys: { totalCount: number } }>(
      "{ accountActivitys { totalCount } }",
    );
    await ix?.stop();
    const { orderId } = await createOrder(2, parseEther("3"));
    ix = await startIndexer({
      deploymentFile,
      dbDir: path.join(dir, "db"),
      port,
      pollingIntervalMs: 200,
      waitReady: true,
      timeoutMs: 400_000,
    });
    await caughtUp();
    const logs = ix.logs.join("\n");
    // Same build on the same database: Ponder recovers (keeps the finalized rows, rolls back
    // only the unfinalized tail) instead of creating the tables and backfilling from the start.
    expect(logs).toMatch(/Detected crash recovery/);
    expect(logs).not.toMatch(/Created database tables/);
    const start = logs.match(/Started backfill indexing chain=noos block_range=\[(\d+),/);
    if (start) expect(Number(start[1])).toBeGreaterThan(net.deployment.startBlock);
    const after = await gql<{
      order: { id: string; state: string } | null;
      accountActivitys: { totalCount: number };
    }>(`{ order(id: "${orderId}") { id state } accountActivitys { totalCount } }`);
    expect(after.order).toEqual({ id: String(orderId), state: "Open" });
    // Nothing indexed twice: exactly the new order's rows were added.
    expect(after.accountActivitys.totalCount).toBe(rowsBefore.accountActivitys.totalCount + 1);
  }, 600_000);
});
