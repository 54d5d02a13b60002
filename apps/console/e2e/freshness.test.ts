// The freshness sign's source (apps/console/src/api.ts): every page query asks for Ponder's `_meta`
// in the same request, and the sign shows the oldest block among the page's answers. A unit test
// (no browser; it lives here because vitest collects the console's tests from e2e/): the query
// rewrite, the `_meta.status` reading, and gqlWithMeta against a local HTTP server that answers as
// Ponder's /graphql does (console.e2e.test.ts runs the real indexer).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlWithMeta, metaBlock, oldestAnswer, withMeta } from "../src/api.js";
import { setConfig } from "../src/config.js";

let server: Server;
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const { query } = JSON.parse(body) as { query: string };
      asked.push(query);
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          data: {
            orders: { items: [{ id: "1" }] },
            ...(query.includes("_meta")
              ? {
                  _meta: {
                    status: { anvil: { id: 31337, block: { number: 41, timestamp: 1700 } } },
                  },
                }
              : {}),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  setConfig({
    chainId: 31337,
    rpcUrl: "http://127.0.0.1:1",
    indexerUrl: `http://127.0.0.1:${port}`,
    startBlock: 0,
    contracts: {},
    devAccounts: [],
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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

  it("asks for the data and its _meta in one request, and returns them apart", async () => {
    asked.length = 0;
    const answer = await gqlWithMeta<{ orders: { items: { id: string }[] } }>(
      "{ orders { items { id } } }",
    );
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("_meta { status }");
    expect(answer).toEqual({
      data: { orders: { items: [{ id: "1" }] } },
      asOf: { block: 41, timestamp: 1700 },
    });
  });
});
