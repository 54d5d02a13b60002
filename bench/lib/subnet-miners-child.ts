// Local miners for bench/subnet.ts, in their own process so the validator's event loop does not
// also run the miners: one axon (the `Bench` synapse) and one bare node:http echo server per key.
//   tsx bench/lib/subnet-miners-child.ts '<json: rpcUrl, registry, netuid, keys[]>'
// Prints one JSON line {"axons": [...urls], "bare": [...urls]} when listening; exits on SIGTERM
// or when stdin closes (the parent died).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAxon, createMetagraph, route } from "@noosphere/subnet";
import { type Address, createPublicClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { BENCH_SYNAPSE, benchAnswer } from "./subnet-synapse.js";

const args = JSON.parse(process.argv[2] ?? "{}") as {
  rpcUrl: string;
  registry: Address;
  netuid: number;
  keys: Hex[];
};
const client = createPublicClient({ transport: http(args.rpcUrl) });
const metagraph = await createMetagraph(client, { netuid: args.netuid, registry: args.registry });
const closers: (() => Promise<void>)[] = [];
const axons: string[] = [];
const bare: string[] = [];
for (const key of args.keys) {
  const axon = await createAxon({
    account: privateKeyToAccount(key),
    netuid: args.netuid,
    metagraph,
    // The round sends each miner ~40 queries in seconds: lift the per-caller rate limit.
    policy: { ratePerMinute: 1_000_000 },
    synapses: [route(BENCH_SYNAPSE, async (req) => benchAnswer(req))],
  });
  axons.push(axon.url);
  closers.push(axon.close);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.stringify(benchAnswer(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  bare.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
}
process.stdout.write(`${JSON.stringify({ axons, bare })}\n`);
const stop = async () => {
  await Promise.all(closers.map((c) => c()));
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.resume();
