// The inference servers for bench/serving.ts, in their own process (as perf_analyzer measures
// Triton from outside it), so the load generator's event loop is not the server's:
// one unpaid OIP server and one behind the x402 paywall, both serving the same models.
//   node --import tsx bench/lib/serving-server-child.ts '<json: ServingChildArgs>'   (forked, IPC)
// Messages: it sends {urls: {unpaid, paid}} when listening; on {op: "claim"} it claims every
// unclaimed voucher (one claimAndSettle transaction) and answers {claim: {...}}; on {op: "stop"}
// it drains, flushes the vouchers and exits.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createCommon, createInferenceServer } from "@noosphere/node";
import { createNoosClient } from "@noosphere/sdk";
import type { Address, Hex } from "viem";
import { createX402Paywall } from "../../packages/node/src/service/x402Paywall.js";

export type ServingChildArgs = {
  rpcUrl: string;
  chainId: number;
  providerKey: Hex;
  contract: Address;
  token: Address;
  pricePer1000: string;
  models: { name: string; path: string; maxBatchSize: number }[];
};

const args = JSON.parse(process.argv[2] ?? "{}") as ServingChildArgs;
const common = createCommon({ handleSignals: false, logLevel: "silent" });
const client = createNoosClient({
  rpcUrl: args.rpcUrl,
  chainId: args.chainId,
  privateKey: args.providerKey,
  pollingInterval: 50,
});
const models = args.models.map((m) => ({
  name: m.name,
  model: m.path,
  maxBatchSize: m.maxBatchSize,
  maxQueueDelayMicroseconds: 0, // Triton's default: batch what is queued, wait for nothing
}));
const paywall = await createX402Paywall(common, {
  client,
  contract: args.contract,
  token: args.token,
  pricePer1000: BigInt(args.pricePer1000),
  withdrawDelay: 3600,
  stateFile: path.join(await mkdtemp(path.join(tmpdir(), "noos-bench-serving-")), "x402.json"),
  claim: { intervalMs: 3_600_000 }, // the bench claims when it wants the gas figure
});
const listen = { host: "127.0.0.1", port: 0 };
const unpaid = await createInferenceServer({ models, listen });
const paid = await createInferenceServer({ models, listen, paywall });

const send = (message: unknown) => process.send?.(message);
process.on("message", async (message: { op: string }) => {
  if (message.op === "claim") {
    const result = await paywall.claimNow();
    send({
      claim: result && {
        hash: result.hash,
        channels: result.channels,
        amount: result.amount.toString(),
        gasUsed: result.gasUsed.toString(),
      },
    });
  } else if (message.op === "stop") {
    await Promise.all([unpaid.close({ drainMs: 1000 }), paid.close({ drainMs: 1000 })]);
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0)); // the parent died
send({ urls: { unpaid: unpaid.url, paid: paid.url } });
