// `noos service infer | status | close`: call a leased inference service (paying through x402
// when it asks), read a service lease's state and endpoint, and close it.
import { readFile } from "node:fs/promises";
import type { NoosphereClient, X402Client } from "@noosphere/sdk";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printFields, printJson } from "../output.js";
import { tenantOptions } from "../tenant.js";

// The SDK, viem and @noosphere/node load inside the actions: `noos service --help` loads
// commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
});

export function registerService(program: Command, globals: () => GlobalOptions) {
  /** On a devnet the tenant, account 1, unless --account or a key says otherwise. */
  const tenant = tenantOptions(program, globals);
  const service = program
    .command("service")
    .description("call and manage leased inference services (noos deploy service.yaml)");

  service
    .command("infer")
    .description(
      'run an inference on a service (Open Inference Protocol); pays through x402 when asked. --json: {"output_data", "paid" (NOOS, decimal), "paidWei" (wei, decimal string)}',
    )
    .requiredOption("--endpoint <url>", "the service's endpoint (noos deploy prints it)")
    .requiredOption("--model <name>", "model name")
    .requiredOption(
      "--input <file>",
      'JSON: {"input_data": [[...]]} (one flat array per model input) or an OIP request {"inputs": [...]}',
    )
    .option("--max-per-call <noos>", "most one call may cost, NOOS", "0.01")
    .option("--max-total <noos>", "most this command may spend, NOOS", "1")
    .option("--deposit <noos>", "channel deposit when one is opened or topped up, NOOS")
    .action(
      async (opts: {
        endpoint: string;
        model: string;
        input: string;
        maxPerCall: string;
        maxTotal: string;
        deposit?: string;
      }) => {
        const { createX402Client, formatNoos, parseAmount, walletClient } = await load();
        const { inferService } = await import("@noosphere/node");
        const options = tenant();
        const input: unknown = JSON.parse(await readFile(opts.input, "utf8"));
        const maxPerCall = parseAmount("--max-per-call", opts.maxPerCall);
        const maxTotal = parseAmount("--max-total", opts.maxTotal);
        const deposit = opts.deposit ? parseAmount("--deposit", opts.deposit) : undefined;
        // A free service needs no wallet: the paying client is made on the first 402 only.
        let payer: X402Client | undefined;
        const paying = async (url: string, init?: RequestInit): Promise<Response> => {
          if (payer) return payer.fetch(url, init);
          const res = await fetch(url, init);
          if (res.status !== 402) return res;
          await res.body?.cancel().catch(() => {});
          const { client } = await walletClient(options);
          payer = createX402Client({
            wallet: client as NoosphereClient,
            maxPerCall,
            maxTotal,
            ...(deposit === undefined ? {} : { deposit }),
          });
          return payer.fetch(url, init);
        };
        const result = await inferService({
          endpoint: opts.endpoint,
          model: opts.model,
          input,
          fetch: paying,
        });
        const spent = payer?.spent() ?? 0n;
        const paid = formatNoos(spent);
        if (options.json)
          return printJson({ output_data: result.output_data, paid, paidWei: spent });
        for (const [i, output] of result.response.outputs.entries()) {
          process.stdout.write(
            `${output.name} [${output.shape.join(", ")}]: ${JSON.stringify(result.output_data[i])}\n`,
          );
        }
        process.stdout.write(`paid: ${paid} NOOS\n`);
      },
    );

  service
    .command("status")
    .argument("<leaseId>", "the service's lease id (noos deploy prints it)")
    .description("lease state, provider, endpoint and what it has paid so far")
    .action(async (id: string) => {
      const { formatNoos, parseId, walletClient } = await load();
      const { readLeaseStatus } = await import("@noosphere/node");
      const options = tenant();
      const { client, connection } = await walletClient(options);
      const leaseId = parseId("leaseId", id);
      const lease = await client.getLease({ leaseId });
      // The lean market keeps no paid total: the lease's PaymentReleased events sum it.
      const { leasePaid } = await import("./market.js");
      const settled = await leasePaid(
        client,
        connection.contracts.market,
        leaseId,
        BigInt(connection.startBlock),
      );
      const provider = await client.getProvider({ provider: lease.provider });
      const status = provider
        ? await readLeaseStatus(provider.hostUri, leaseId).catch(() => undefined)
        : undefined;
      const services = Object.values(status?.services ?? {});
      const out = {
        leaseId,
        state: lease.stateName,
        provider: lease.provider,
        model: services[0]?.name,
        endpoint: services[0]?.uris[0],
        pricePerSecond: lease.pricePerSecond,
        paid: settled + lease.pending.accrued,
        escrowLeft: lease.pending.escrowLeft,
      };
      if (options.json) return printJson(out);
      printFields({
        lease: `${leaseId} (${lease.stateName})`,
        provider: lease.provider,
        model: out.model ?? "-",
        endpoint: out.endpoint ?? "- (not serving)",
        price: `${formatNoos(lease.pricePerSecond)} NOOS/s`,
        paid: `${formatNoos(out.paid)} NOOS`,
        escrowLeft: `${formatNoos(out.escrowLeft)} NOOS`,
      });
    });

  service
    .command("close")
    .argument("<leaseId>", "the service's lease id")
    .description(
      "close the lease: the provider drains and stops the server; the rest of the escrow comes back",
    )
    .action(async (id: string) => {
      const { formatNoos, parseId, walletClient } = await load();
      const options = tenant();
      const { client } = await walletClient(options);
      const leaseId = parseId("leaseId", id);
      const { event } = await client.closeLeaseAndWait({ leaseId });
      const { refund } = event;
      if (options.json) return printJson({ leaseId, action: "closed", refund });
      process.stdout.write(
        `closed lease ${leaseId}; ${formatNoos(refund)} NOOS of escrow refunded\n`,
      );
    });
}
