// HTTP API of the indexer (Ponder serves /health, /ready, /status and /metrics itself, with CORS *):
// /graphql (GraphQL, GraphiQL on GET), /sql/* (@ponder/client SQL over HTTP, live queries),
// /freshness (the newest indexed block, for the console's "data as of block N, Xs ago").
import { db, publicClients } from "ponder:api";
import schema, { stats } from "ponder:schema";
import { Hono } from "hono";
import { client, eq, graphql } from "ponder";

const app = new Hono();

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

/**
 * {block, timestamp, indexedAt, head, headTimestamp, lagBlocks}: `block`/`timestamp` are the
 * newest block whose events are indexed (from Ponder's own checkpoint; stats.blockNumber if that is
 * not available), `head` the chain's latest block, `indexedAt` the server's time of the answer
 * (unix ms), all numbers; a failed RPC read gives head: null and headError.
 */
app.get("/freshness", async (c) => {
  const rows = await db.select().from(stats).where(eq(stats.id, "global")).limit(1);
  const row = rows[0];
  let checkpoint: { block: number; timestamp: number } | null = null;
  try {
    const status = await (await fetch(new URL("/status", c.req.url))).json();
    const chain = Object.values(
      status as Record<string, { id: number; block: { number: number; timestamp: number } }>,
    )[0];
    if (chain?.block) checkpoint = { block: chain.block.number, timestamp: chain.block.timestamp };
  } catch {}
  let head: number | null = null;
  let headTimestamp: number | null = null;
  let headError: string | undefined;
  try {
    const client = Object.values(publicClients)[0];
    if (!client) throw new Error("no chain configured");
    const latest = await client.getBlock({ blockTag: "latest" });
    head = Number(latest.number);
    headTimestamp = Number(latest.timestamp);
  } catch (err) {
    headError = (err as Error).message.split("\n")[0];
  }
  const block = checkpoint?.block ?? (row ? Number(row.blockNumber) : null);
  const timestamp = checkpoint?.timestamp ?? (row ? Number(row.timestamp) : null);
  return c.json({
    block,
    timestamp,
    indexedAt: Date.now(),
    head,
    headTimestamp,
    lagBlocks: head !== null && block !== null ? head - block : null,
    events: row?.events ?? 0,
    ...(headError ? { headError } : {}),
  });
});

export default app;
