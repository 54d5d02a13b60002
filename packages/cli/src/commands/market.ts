import type { LeaseStateName, OrderStateName } from "@noosphere/sdk";
import type { Command } from "commander";
import type { Address } from "viem";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson, printTable, time } from "../output.js";

// The SDK (viem) loads inside the actions: `noos market --help` loads commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
});

/**
 * The states `--state` accepts, for the help text: the SDK's `orderStates` and `leaseStates`
 * without "None" (help.test.ts checks that they stay equal), so that help does not load the SDK.
 */
const ORDER_STATES = "Open | Leased | Closed";
const LEASE_STATES =
  "Active | ResultSubmitted | Disputed | Closed | InsufficientFunds | Completed | Failed | Committed";

async function oneOf<T extends string>(
  field: string,
  allowed: readonly T[],
  value: string | undefined,
): Promise<T | undefined> {
  if (value === undefined) return undefined;
  const { InvalidParameterError } = await import("@noosphere/sdk");
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!match)
    throw new InvalidParameterError({ field, expected: allowed.join(" | "), received: value });
  return match;
}

const short = (address: Address) => `${address.slice(0, 8)}…${address.slice(-4)}`;
/** NOOS per second, as a plain number string (e.g. "0.001"): viem's formatEther, via output.ts. */
const perSecond = (wei: bigint) => `${noos(wei).slice(0, -" NOOS".length)}/s`;

export function registerMarket(program: Command, globals: () => GlobalOptions) {
  const market = program.command("market").description("compute market: orders, bids, leases");

  market
    .command("orders")
    .description("list orders, newest first")
    .option("--state <state>", `only orders in this state (${ORDER_STATES})`)
    .option("--tenant <address>", "only orders of this tenant")
    .option("--limit <n>", "at most this many", "50")
    .action(async (opts: { state?: string; tenant?: string; limit: string }) => {
      const { getOrders, orderStates, parseAddress, parseId, readClient } = await load();
      const options = globals();
      const state = await oneOf<OrderStateName>("--state", orderStates, opts.state);
      const tenant = opts.tenant ? parseAddress("--tenant", opts.tenant) : undefined;
      const { client, connection } = await readClient(options);
      const orders = await getOrders(client, {
        address: connection.contracts.market,
        state,
        tenant,
        limit: Number(parseId("--limit", opts.limit)),
      });
      if (options.json) return printJson(orders);
      printTable(
        orders.map((o) => ({
          id: o.id,
          state: o.stateName,
          tenant: short(o.tenant),
          maxPrice: perSecond(o.maxPricePerSecond),
          escrow: noos(o.escrow),
          bids: `${o.bidCount}/${o.maxBids}`,
          kind: o.jobTimeout > 0 ? `batch ${o.jobTimeout}s` : "service",
          bidDeadline: time(o.bidDeadline),
        })),
        "no orders",
      );
    });

  market
    .command("order")
    .description("show one order")
    .argument("<id>", "order id")
    .action(async (id: string) => {
      const { getOrder, parseId, readClient } = await load();
      const options = globals();
      const { client, connection } = await readClient(options);
      const order = await getOrder(client, {
        address: connection.contracts.market,
        orderId: parseId("id", id),
      });
      if (options.json) return printJson(order);
      printFields({
        order: order.id,
        state: order.stateName,
        tenant: order.tenant,
        manifest: `${order.manifestCid} (${order.manifestHash})`,
        token: order.token,
        maxPrice: perSecond(order.maxPricePerSecond),
        escrow: noos(order.escrow),
        kind:
          order.jobTimeout > 0
            ? `batch job, deadline ${order.jobTimeout}s after lease start`
            : "service lease",
        bids: `${order.bidCount} of at most ${order.maxBids}`,
        created: time(order.createdAt),
        bidDeadline: time(order.bidDeadline),
        resources: `cpu ${order.resources.cpuMillis}m, memory ${order.resources.memoryBytes} B, gpus ${order.resources.gpus}`,
        placement:
          order.placement.attributes.map((a) => `${a.key}=${a.value}`).join(", ") +
            (order.placement.allOf.length ? `; allOf ${order.placement.allOf.join(",")}` : "") +
            (order.placement.anyOf.length ? `; anyOf ${order.placement.anyOf.join(",")}` : "") ||
          "-",
      });
    });

  market
    .command("bids")
    .description("list the bids of an order")
    .argument("<order>", "order id")
    .action(async (orderId: string) => {
      const { getBids, parseId, readClient } = await load();
      const options = globals();
      const { client, connection } = await readClient(options);
      const bids = await getBids(client, {
        address: connection.contracts.market,
        orderId: parseId("order", orderId),
      });
      if (options.json) return printJson(bids);
      printTable(
        bids.map((b) => ({
          index: b.index,
          provider: b.provider,
          price: perSecond(b.pricePerSecond),
          deposit: noos(b.deposit),
          state: b.stateName,
          placed: time(b.createdAt),
        })),
        "no bids",
      );
    });

  market
    .command("leases")
    .description("list leases, newest first")
    .option("--state <state>", `only leases in this state (${LEASE_STATES})`)
    .option("--tenant <address>", "only leases of this tenant")
    .option("--provider <address>", "only leases of this provider")
    .action(async (opts: { state?: string; tenant?: string; provider?: string }) => {
      const { getLeases, leaseStates, parseAddress, readClient } = await load();
      const options = globals();
      const state = await oneOf<LeaseStateName>("--state", leaseStates, opts.state);
      const tenant = opts.tenant ? parseAddress("--tenant", opts.tenant) : undefined;
      const provider = opts.provider ? parseAddress("--provider", opts.provider) : undefined;
      const { client, connection } = await readClient(options);
      const leases = await getLeases(client, {
        address: connection.contracts.market,
        state,
        tenant,
        provider,
        fromBlock: BigInt(connection.startBlock),
      });
      if (options.json) return printJson(leases);
      printTable(
        leases.map((l) => ({
          id: l.id,
          state: l.stateName,
          provider: short(l.provider),
          price: perSecond(l.pricePerSecond),
          paid: noos(l.paid),
          accruing: noos(l.pending.accrued),
          escrowLeft: noos(l.pending.escrowLeft),
          started: time(l.startedAt),
        })),
        "no leases",
      );
    });

  market
    .command("lease")
    .description("show one lease (its id is its order id)")
    .argument("<id>", "lease id")
    .action(async (id: string) => {
      const { getLease, parseId, readClient } = await load();
      const options = globals();
      const { client, connection } = await readClient(options);
      const lease = await getLease(client, {
        address: connection.contracts.market,
        leaseId: parseId("id", id),
      });
      if (options.json) return printJson(lease);
      printFields({
        lease: lease.id,
        state: lease.stateName,
        tenant: lease.tenant,
        provider: lease.provider,
        price: perSecond(lease.pricePerSecond),
        takeRate: `${Number(lease.takeRateBps) / 100}%`,
        started: time(lease.startedAt),
        settled: time(lease.settledAt),
        closed: time(lease.closedAt),
        deadline: time(lease.deadline),
        paid: noos(lease.paid),
        held: noos(lease.held),
        accruing: noos(lease.pending.accrued),
        escrowLeft: noos(lease.pending.escrowLeft),
        result: lease.resultCid ? `${lease.resultCid} (${lease.resultHash})` : "-",
      });
    });
}
