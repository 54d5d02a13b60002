// What every daemon shares: its `GET /status` server, and how it retries a transaction.
import { createServer, type Server } from "node:http";
import { sleep } from "./follower.js";

/**
 * Serves `GET /status` as JSON (bigints as decimal strings), and other GET paths `routes` answers
 * (undefined: 404); anything else is a 404.
 */
export function serveStatus(
  listen: { host: string; port: number },
  status: () => Promise<unknown>,
  routes?: (path: string) => Promise<unknown>,
): Promise<Server> {
  const server = createServer((req, res) => {
    const notFound = () =>
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    if (req.method !== "GET" || (req.url !== "/status" && !routes)) return notFound();
    (req.url === "/status"
      ? status()
      : (routes as (path: string) => Promise<unknown>)(req.url ?? "/")
    )
      .then((body) => {
        if (body === undefined) return notFound();
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
      })
      .catch((err: unknown) => {
        res
          .writeHead(500, { "content-type": "application/json" })
          .end(JSON.stringify({ error: String(err) }));
      });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}

/**
 * A transaction that failed to go through (RPC hiccup, nonce race) is tried again, 4 attempts in
 * all with a growing pause; an error the contract gave on purpose (`isFinal`) is not.
 */
export async function retryTransaction<T>(
  send: () => Promise<T>,
  { signal, isFinal }: { signal: AbortSignal; isFinal: (err: unknown) => boolean },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= 4 || signal.aborted || isFinal(err)) throw err;
      await sleep(250 * 2 ** attempt, signal);
    }
  }
}
