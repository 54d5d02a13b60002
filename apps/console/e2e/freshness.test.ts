// The freshness sign's source (apps/console/src/api.ts): every page query asks for Ponder's `_meta`
// in the same request, and the sign shows the oldest block among the page's answers. A unit test
// (no browser; it lives here because vitest collects the console's tests from e2e/): the query
// rewrite, the `_meta.status` reading, and gqlWithMeta against the real indexer (`ponder start`
// on an anvil with every contract deployed).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getFreePort, startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Indexer, startIndexer, waitForBlock } from "../../indexer/launch.js";
import { gqlWithMeta, metaBlock, oldestAnswer, withMeta } from "../src/api.js";
import { setConfig } from "../src/config.js";

let net: TestDeployment;
let ix: Indexer | undefined;
let dir: string;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-console-freshness-"));
  const deploymentFile = path.join(dir, "deployment.json");
  await writeFile(deploymentFile, JSON.stringify(net.deployment));
  ix = await startIndexer({
    deploymentFile,
    dbDir: path.join(dir, "db"),
    port: await getFreePort(),
    pollingIntervalMs: 200,
    waitReady: true,
    timeoutMs: 300_000,
  });
  setConfig({
    chainId: net.chain.id,
    rpcUrl: net.anvil.rpcUrl,
    indexerUrl: ix.url,
    startBlock: net.deployment.startBlock,
    contracts: {},
    devAccounts: [],
  });
}, 360_000);

afterAll(async () => {
  await ix?.stop();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("console freshness from the page query's _meta", () => {
  it("adds _meta to the query's top-level selection", () => {
    expect(withMeta("{ orders { items { id } } }")).toBe(
      "{ orders { items { id } }  _meta { status } }",
    );
    expect(withMeta("query($id: Int!) {\n  order(id: $id) { id }\n}\n")).toBe(
      "query($id: Int!) {\n  order(id: $id) { id }\n _meta { status } }\n",
    );
  });

  it("reads the block of _meta.status, the oldest chain's with several, none without", () => {
    expect(metaBlock({ a: { id: 1, block: { number: 9, timestamp: 90 } } })).toEqual({
      block: 9,
      timestamp: 90,
    });
    expect(
      metaBlock({
        a: { id: 1, block: { number: 9, timestamp: 90 } },
        b: { id: 2, block: { number: 7, timestamp: 95 } },
      }),
    ).toEqual({ block: 7, timestamp: 95 });
    expect(metaBlock({})).toBeUndefined();
    expect(metaBlock(undefined)).toBeUndefined();
    expect(metaBlock({ a: { id: 1, block: null } })).toBeUndefined();
  });

  it("takes the page's oldest answer, with when it came", () => {
    expect(
      oldestAnswer([
        { answer: { data: {}, asOf: { block: 12, timestamp: 120 } }, updatedAt: 5 },
        { answer: { data: {} }, updatedAt: 6 },
        { answer: undefined, updatedAt: 0 },
        { answer: { data: {}, asOf: { block: 10, timestamp: 100 } }, updatedAt: 7 },
      ]),
    ).toEqual({ block: 10, timestamp: 100, updatedAt: 7 });
    expect(oldestAnswer([{ answer: { data: {} }, updatedAt: 1 }])).toBeUndefined();
  });

  it("asks the real indexer for the data and its _meta in one request, and returns them apart", async () => {
    const head = await net.publicClient.getBlockNumber();
    await waitForBlock((ix as Indexer).url, head, 120_000);
    const answer = await gqlWithMeta<{ stats: { events: number } | null }>(
      '{ stats(id: "global") { events } }',
    );
    expect(answer.data).not.toHaveProperty("_meta");
    expect(answer.data.stats?.events).toBeGreaterThan(0);
    // The block the answer is as of: indexed (at least the head waited for), on the chain, with
    // the chain's timestamp for that block.
    const asOf = answer.asOf;
    expect(asOf?.block).toBeGreaterThanOrEqual(Number(head));
    expect(asOf?.block).toBeLessThanOrEqual(Number(await net.publicClient.getBlockNumber()));
    const block = await net.publicClient.getBlock({ blockNumber: BigInt(asOf?.block ?? 0) });
    expect(asOf?.timestamp).toBe(Number(block.timestamp));
  }, 180_000);
});
