import { readFile } from "node:fs/promises";
import path from "node:path";
import type { DeployProgress } from "@noosphere/node";
import type { NoosphereAddresses, NoosphereClient } from "@noosphere/sdk";
import type { Command } from "commander";
import type { Address } from "viem";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson } from "../output.js";
import { tenantOptions } from "../tenant.js";
import { describeCheck, registerJobCheck, tenantStateDir } from "./job.js";

// The SDK (viem), @noosphere/node and the store load inside the actions: `noos deploy --help` and
// `noos job --help` load commander and this file (and job.ts) only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
});

/** viem's formatEther, as output.ts inlines it (importing viem here would load it for --help). */
const formatEther = (wei: bigint) => noos(wei).slice(0, -" NOOS".length);
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

const storeFor = async (options: GlobalOptions) =>
  (await import("@noosphere/storage")).createStore({
    kind: "local",
    dir: path.join(path.resolve(options.dir), "store"),
  });

export function registerDeploy(program: Command, globals: () => GlobalOptions) {
  /** On a devnet the tenant, account 1, unless --account or a key says otherwise. */
  const tenant = tenantOptions(program, globals);
  program
    .command("deploy")
    .description(
      "run a job on the market: validate, upload, order, take the lowest bid, wait, download",
    )
    .argument("<manifest>", "job or service manifest (YAML), see examples/manifests/")
    .option("--provider <address>", "lease to this provider instead of the lowest bid")
    .option("--retry <n>", "re-order up to n times if a provider misses its deadline", "0")
    .option("--results <dir>", "where results go (<dir>/<order>/)", "results")
    .option(
      "--wait",
      "wait until the result is delivered, checked and downloaded (what deploy always does; accepted for scripts that pass it)",
    )
    .action(
      async (
        manifest: string,
        opts: { provider?: string; retry: string; results: string; wait?: true },
      ) => {
        const { formatNoos, loadJobManifest, manifestKindOf, parseAddress, parseId, walletClient } =
          await load();
        const { deployJob } = await import("@noosphere/node");
        const options = tenant();
        const text = await readFile(manifest, "utf8").catch(() => "");
        if (manifestKindOf(text) === "service") {
          return deployServiceCommand(manifest, options, opts.provider);
        }
        // A bad manifest (field, line, missing file) is reported before a devnet is needed.
        const parsed = await loadJobManifest(manifest);
        const { client, connection } = await walletClient(options);
        // Compute-to-data: only the data's provider can decrypt it, so the lease goes to it.
        const dataProvider = parsed.data
          ? await dataProviderOf(client as NoosphereClient, connection.contracts, parsed.data)
          : undefined;
        const log = options.json
          ? () => {}
          : (e: DeployProgress) => process.stderr.write(`${describe(e)}\n`);
        const result = await deployJob({
          client: client as NoosphereClient,
          contracts: connection.contracts,
          store: await storeFor(options),
          manifestPath: manifest,
          provider: opts.provider ? parseAddress("--provider", opts.provider) : dataProvider,
          resultsDir: opts.results,
          retries: Number(parseId("--retry", opts.retry)),
          onProgress: log,
          stateDir: tenantStateDir(options),
        });
        // A disputed job delivered nothing the tenant could verify: scripts see it in the status.
        if (result.outcome !== "completed") process.exitCode = 1;
        if (options.json) return printJson(result);
        printFields({
          outcome: result.outcome,
          ...(result.reason ? { reason: result.reason } : {}),
          orders: result.replicas.map((r) => r.orderId).join(", "),
          providers: result.replicas.map((r) => r.provider).join(", "),
          cost: `${formatNoos(result.cost)} NOOS`,
          // Refunds stay in the market: the next order pays from them first.
          balance: `${formatNoos(result.balance)} NOOS in the market (noos market withdraw)`,
          result: result.replicas[0]?.resultCid ?? "-",
          files: Object.values(result.files).join(", ") || "-",
        });
      },
    );

  const job = program
    .command("job")
    .description("inspect and manage a deployed job (its order id)");
  registerJobCheck(job, tenant);
  job
    .command("status")
    .argument("<id>", "order id")
    .description("order, best bid and lease of a job")
    .action(async (id: string) => {
      const { formatNoos, parseId, walletClient } = await load();
      const { optimisticPhase, verifierOf } = await import("@noosphere/node");
      const options = tenant();
      const { client, connection } = await walletClient(options);
      const orderId = parseId("id", id);
      const order = await client.getOrder({ orderId });
      // A lease id is its order id; an order closed without one has a zero lease (provider 0).
      const leased =
        order.stateName === "Open" ? undefined : await client.getLease({ leaseId: orderId });
      const { leasePaid } = await import("./market.js");
      const lease =
        leased && leased.provider !== ZERO_ADDRESS
          ? {
              ...leased,
              paid: await leasePaid(
                client,
                connection.contracts.market,
                orderId,
                BigInt(connection.startBlock),
              ),
            }
          : undefined;
      const bestBid =
        order.bestBidder === ZERO_ADDRESS
          ? null
          : { provider: order.bestBidder, pricePerSecond: order.bestPricePerSecond };
      const verifier = lease ? verifierOf(connection.contracts) : undefined;
      const optimistic =
        lease && verifier
          ? await optimisticPhase(client as NoosphereClient, verifier, orderId)
          : undefined;
      if (options.json)
        return printJson({ order, bestBid, lease, ...(optimistic ? { optimistic } : {}) });
      printFields({
        order: `${orderId} (${order.stateName})`,
        bestBid: bestBid
          ? `${bestBid.provider.slice(0, 10)}… ${formatEther(bestBid.pricePerSecond)}/s${lease ? " (won)" : ""}`
          : "none",
        lease: lease ? lease.stateName : "-",
        provider: lease?.provider ?? "-",
        paid: lease ? `${formatNoos(lease.paid)} NOOS` : "-",
        escrowLeft: `${formatNoos(lease ? lease.pending.escrowLeft : order.escrow)} NOOS`,
        result: lease?.resultCid || "-",
        ...(optimistic && optimistic.claimId !== undefined
          ? { verification: optimistic.text }
          : {}),
      });
    });
  job
    .command("result")
    .argument("<id>", "order id")
    .option("--results <dir>", "where to write it", "results")
    .description("download a job's result (checked against the hash on chain)")
    .action(async (id: string, opts: { results: string }) => {
      const { parseId, walletClient } = await load();
      const { download } = await import("@noosphere/node");
      const options = globals();
      const { client } = await walletClient(options);
      const lease = await client.getLease({ leaseId: parseId("id", id) });
      if (!lease.resultCid) throw new Error(`job ${id} has no result (lease ${lease.stateName})`);
      const files = await download(await storeFor(options), lease, path.resolve(opts.results, id));
      if (options.json) printJson({ resultCid: lease.resultCid, files });
      else printFields(files);
    });
  job
    .command("close")
    .argument("<id>", "order id")
    .description(
      "cancel an open order, close a running lease, or expire one past its deadline; refunds the escrow",
    )
    .action(async (id: string) => {
      const { parseId, walletClient } = await load();
      const options = tenant();
      const { client } = await walletClient(options);
      const orderId = parseId("id", id);
      const order = await client.getOrder({ orderId });
      let action: string;
      if (order.stateName === "Open") {
        await client.cancelOrderAndWait({ orderId });
        action = "canceled the order";
      } else {
        const lease = await client.getLease({ leaseId: orderId });
        if (
          lease.deadline > 0n &&
          BigInt(Math.floor(Date.now() / 1000)) > lease.deadline &&
          lease.stateName === "Active"
        ) {
          await client.expireLeaseAndWait({ leaseId: orderId });
          action = "expired the lease (provider slashed)";
        } else {
          await client.closeLeaseAndWait({ leaseId: orderId });
          action = "closed the lease";
        }
      }
      if (options.json) printJson({ orderId, action });
      else
        process.stdout.write(
          `${action}; the rest of the escrow is in the tenant's market balance (noos market withdraw)\n`,
        );
    });
}

/** `kind: service`: lease a running endpoint; prints {leaseId, endpoint, model}. */
async function deployServiceCommand(manifest: string, options: GlobalOptions, provider?: string) {
  const { formatNoos, loadServiceManifest, parseAddress, walletClient } = await load();
  const { deployService } = await import("@noosphere/node");
  await loadServiceManifest(manifest); // field and line errors before a devnet is needed
  const { client, connection } = await walletClient(options);
  const result = await deployService({
    client: client as NoosphereClient,
    contracts: connection.contracts,
    store: await storeFor(options),
    manifestPath: manifest,
    provider: provider ? parseAddress("--provider", provider) : undefined,
    onProgress: options.json
      ? undefined
      : (e) => {
          const line =
            e.step === "published"
              ? `manifest ${e.manifestCid}`
              : e.step === "ordered"
                ? `service order ${e.orderId} open, waiting for bids`
                : e.step === "bid"
                  ? `  bid from ${e.provider} at ${formatEther(e.pricePerSecond)} NOOS/s`
                  : e.step === "leased"
                    ? `leased to ${e.provider} at ${formatEther(e.pricePerSecond)} NOOS/s; starting the server`
                    : `serving at ${e.endpoint}`;
          process.stderr.write(`${line}\n`);
        },
  });
  if (options.json) {
    return printJson({ leaseId: result.leaseId, endpoint: result.endpoint, model: result.model });
  }
  printFields({
    lease: result.leaseId.toString(),
    endpoint: result.endpoint,
    model: result.model,
    infer: `${result.endpoint}/v2/models/${result.model}/infer`,
    provider: result.provider,
    price: `${formatNoos(result.pricePerSecond)} NOOS/s`,
    perCall:
      result.pricePerThousandSamples === undefined
        ? "free"
        : `${formatNoos(result.pricePerThousandSamples)} NOOS per 1,000 samples (x402)`,
  });
}

function describe(e: DeployProgress): string {
  switch (e.step) {
    case "published":
      return `manifest ${e.manifestCid} (hash ${e.manifestHash.slice(0, 10)}…)`;
    case "ordered":
      return `order ${e.orderId} open, waiting for bids`;
    case "bid":
      return `  bid from ${e.provider} at ${formatEther(e.pricePerSecond)} NOOS/s`;
    case "leased":
      return `leased order ${e.orderId} to ${e.provider} at ${formatEther(e.pricePerSecond)} NOOS/s; running`;
    case "result":
      return `result ${e.resultCid}`;
    case "expired":
      return `order ${e.orderId}: provider missed the deadline; escrow credited to the market balance, provider slashed`;
    case "committed":
      return `order ${e.orderId}: result committed (revealed once every replica has committed)`;
    case "optimistic":
      return `order ${e.orderId}: ${e.text}`;
    case "checked":
    case "done":
      return describeCheck(e);
  }
}

/** The provider that serves a data asset (its files are encrypted to that provider's key). */
async function dataProviderOf(
  client: NoosphereClient,
  contracts: NoosphereAddresses,
  did: string,
): Promise<Address> {
  const { BaseError, getDataAsset } = await import("@noosphere/sdk");
  const { dataNftFactory, fixedRateExchange, dispenser } = contracts;
  if (!dataNftFactory || !fixedRateExchange || !dispenser) {
    throw new BaseError(
      `The manifest names data ${did}, but this deployment has no data-asset contracts.`,
    );
  }
  const asset = await getDataAsset(client, { dataNftFactory, fixedRateExchange, dispenser, did });
  return asset.provider.address;
}
