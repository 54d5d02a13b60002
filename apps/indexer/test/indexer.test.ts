// The indexer (`ponder start`, a child process with its embedded PGlite database) against a real
// anvil with every contract deployed: it catches up with market activity and its tables say what
// the SDK reads from the chain; an anvil_reorg drops the rows of the dropped block; a restart on
// the same database resumes from its checkpoint instead of indexing from the start again.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { PROVIDER_ROLE } from "@noosphere/sdk";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Indexer, startIndexer, waitForBlock } from "../launch.ts";

let net: TestDeployment;
let ix: Indexer | undefined;
let dir: string;
let deploymentFile: string;
let port: number;

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
  const { staking, market } = net.deployment.contracts;
  await p.approveAndWait({ spender: staking, amount: parseEther("1000") });
  await p.stakeAndWait({ role: PROVIDER_ROLE, amount: parseEther("1000") });
  await p.registerProviderAndWait({
    hostUri: `http://127.0.0.1:${9100 + index}`,
    attributes: [
      { key: "region", value: region },
      { key: "gpu", value: "none" },
    ],
  });
  await p.approveAndWait({ spender: market, amount: parseEther("1000") });
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
  // Activity: two providers, a batch job completed through a signed receipt, a job leased by
  // auction and settled, a canceled order.
  const a = await registerProvider(4, "eu");
  const b = await registerProvider(5, "us");
  const tenant = net.client(1);
  const { orderId: done } = await createOrder(1);
  await a.createBidAndWait({
    orderId: done,
    pricePerSecond: parseEther("0.001"),
    deposit: parseEther("0.5"),
  });
  await b.createBidAndWait({
    orderId: done,
    pricePerSecond: parseEther("0.0009"),
    deposit: parseEther("0.5"),
  });
  await tenant.acceptBidAndWait({ orderId: done, bidIndex: 1n });
  const resultHash = keccak256(toHex("out"));
  const receipt = await b.signReceipt({ leaseId: done, resultHash, resultCid: "bafy-out" });
  await tenant.submitResultAndWait({ leaseId: done, resultCid: "bafy-out", resultHash, receipt });
  await tenant.acceptResultAndWait({ leaseId: done });
  const { orderId: running } = await createOrder(2);
  await a.createBidAndWait({
    orderId: running,
    pricePerSecond: parseEther("0.0005"),
    deposit: parseEther("0.5"),
  });
  await net.client(2).acceptBidAndWait({ orderId: running, bidIndex: 0n });
  await net.testClient.increaseTime({ seconds: 50 });
  await net.testClient.mine({ blocks: 1 });
  await net.client(2).settleLeaseAndWait({ leaseId: running });
  const { orderId: canceled } = await createOrder(3);
  await net.client(3).cancelOrderAndWait({ orderId: canceled });
  await b.withdrawEarningsAndWait({ token: net.deployment.contracts.token });
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
    const data = await gql<{
      orders: Rows<{
        id: string;
        tenant: string;
        state: string;
        bidCount: number;
        maxPricePerSecond: string;
      }>;
      bids: Rows<{
        orderId: string;
        bidIndex: number;
        provider: string;
        state: string;
        pricePerSecond: string;
      }>;
      leases: Rows<{
        id: string;
        provider: string;
        state: string;
        pricePerSecond: string;
        paid: string;
        fees: string;
      }>;
      providers: Rows<{
        address: string;
        hostUri: string;
        stake: string;
        registered: boolean;
        completed: number;
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
      orders(orderBy: "id", orderDirection: "asc") { items { id tenant state bidCount maxPricePerSecond } }
      bids(limit: 100) { items { orderId bidIndex provider state pricePerSecond } }
      leases { items { id provider state pricePerSecond paid fees } }
      providers { items { address hostUri stake registered completed } }
      providerAttributes { items { provider key value } }
      leaseEvents(where: { orderId: "1" }, limit: 100) { items { kind blockNumber logIndex } }
      stats(id: "global") { orders openOrders leases activeLeases completedLeases providers }
    }`);

    const chainOrders = (await tenant.getOrders({})).sort((x, y) => Number(x.id - y.id));
    expect(data.orders.items.map((o) => BigInt(o.id))).toEqual(chainOrders.map((o) => o.id));
    for (const o of chainOrders) {
      const row = data.orders.items.find((r) => BigInt(r.id) === o.id);
      expect(row).toMatchObject({
        tenant: o.tenant.toLowerCase(),
        state: o.stateName,
        bidCount: o.bidCount,
        maxPricePerSecond: o.maxPricePerSecond.toString(),
      });
      const bids = await tenant.getBids({ orderId: o.id });
      const rows = data.bids.items
        .filter((r) => BigInt(r.orderId) === o.id)
        .sort((x, y) => x.bidIndex - y.bidIndex);
      expect(rows.map((r) => [r.provider, r.state, r.pricePerSecond])).toEqual(
        bids.map((bid) => [
          bid.provider.toLowerCase(),
          bid.stateName,
          bid.pricePerSecond.toString(),
        ]),
      );
    }
    expect(data.leases.items).toHaveLength(2);
    for (const row of data.leases.items) {
      const lease = await tenant.getLease({ leaseId: BigInt(row.id) });
      expect(row.provider).toBe(lease.provider.toLowerCase());
      expect(row.state).toBe(lease.stateName);
      expect(row.pricePerSecond).toBe(lease.pricePerSecond.toString());
      // The contract's `paid` is what left the escrow: the provider's net plus the protocol fee.
      expect(BigInt(row.paid) + BigInt(row.fees)).toBe(lease.paid);
    }
    for (const index of [4, 5]) {
      const address = net.accounts[index]?.address.toLowerCase() as `0x${string}`;
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
    expect(
      data.providers.items.find((p) => p.address === net.accounts[5]?.address.toLowerCase())
        ?.completed,
    ).toBe(1);
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
    expect(kinds.filter((k) => k === "bid_closed")).toHaveLength(1);
    expect(kinds).toContain("paid");
    expect(data.stats).toMatchObject({
      orders: 3,
      openOrders: 0,
      leases: 2,
      activeLeases: 1,
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
