import type { LeaseStateName, OrderStateName } from "@noosphere/sdk";
import type { Command } from "commander";
import type { Address } from "viem";
import type { GlobalOptions, readClient, walletClient } from "../context.js";
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
const ZERO = "0x0000000000000000000000000000000000000000";
/** The order's best bid so far (the winning one once leased), or "-" without one. */
const best = (o: { bestBidder: Address; bestPricePerSecond: bigint }) =>
  o.bestBidder === ZERO ? "-" : `${perSecond(o.bestPricePerSecond)} by ${short(o.bestBidder)}`;
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
          bestBid: best(o),
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
        bestBid: best(order),
        createdBlock: order.createdBlock,
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
    .description("list the bids of an order (every BidCreated; each new bid is below the last)")
    .argument("<order>", "order id")
    .action(async (orderId: string) => {
      const { computeMarketAbi, getLease, getOrder, parseId, readClient } = await load();
      const { getContractEvents } = await import("viem/actions");
      const options = globals();
      const { client, connection } = await readClient(options);
      const id = parseId("order", orderId);
      // The order first: an unknown id fails with MarketUnknownOrder, and its block bounds the scan.
      const order = await getOrder(client, { address: connection.contracts.market, orderId: id });
      const logs = await getContractEvents(client, {
        address: connection.contracts.market,
        abi: computeMarketAbi,
        eventName: "BidCreated",
        args: { orderId: id },
        fromBlock: order.createdBlock,
      });
      // The last bid is the best one; once the order is leased (lease id = order id) it won.
      let leased = false;
      if (order.stateName !== "Open" && order.bestBidder !== ZERO) {
        const lease = await getLease(client, {
          address: connection.contracts.market,
          leaseId: id,
        }).catch(() => undefined);
        leased = lease !== undefined && lease.provider === order.bestBidder;
      }
      const bids = logs.map((log, i) => {
        const a = log.args as { provider: Address; pricePerSecond: bigint; outbid: Address };
        const last = i === logs.length - 1;
        return {
          orderId: id,
          provider: a.provider,
          pricePerSecond: a.pricePerSecond,
          outbid: a.outbid,
          state: last ? (leased ? "Won" : "Best") : "Outbid",
          blockNumber: log.blockNumber,
          txHash: log.transactionHash,
        };
      });
      if (options.json) return printJson(bids);
      printTable(
        bids.map((b) => ({
          provider: b.provider,
          price: perSecond(b.pricePerSecond),
          state: b.state,
          block: b.blockNumber ?? "-",
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
          held: noos(l.held),
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
      const market = connection.contracts.market;
      const leaseId = parseId("id", id);
      const found = await getLease(client, { address: market, leaseId });
      const lease = {
        ...found,
        paid: await leasePaid(client, market, leaseId, BigInt(connection.startBlock)),
      };
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

  // ---------------------------------------------------------------- market balances

  market
    .command("fund")
    .description(
      "add NOOS from the wallet to the selected account's market balance (orders pay from it first)",
    )
    .argument("<amount>", "amount of NOOS")
    .option("--token <address>", "payment token (default: NOOS)")
    .action(async (amount: string, opts: { token?: string }) => {
      const { getMarketBalance, parseAddress, parseAmount, walletClient } = await load();
      const options = globals();
      const wei = parseAmount("amount", amount);
      const { client, connection } = await walletClient(options);
      const token = opts.token ? parseAddress("--token", opts.token) : connection.contracts.token;
      const account = client.account.address;
      // Approve-less: the SDK signs a permit when the allowance falls short (fundWithPermit).
      const { hash } = await client.fundAccountAndWait({ token, amount: wei });
      const balance = await getMarketBalance(client, {
        address: connection.contracts.market,
        account,
        token,
      });
      if (options.json) printJson({ account, token, funded: wei, balance, tx: hash });
      else
        process.stdout.write(`funded ${noos(wei)}; market balance ${noos(balance)} (tx ${hash})\n`);
    });

  market
    .command("balance")
    .description(
      "market balance of an address (default: the selected account): pay, refunds, funds",
    )
    .argument("[account]", "account to look up")
    .option("--token <address>", "payment token (default: NOOS)")
    .action(async (address: string | undefined, opts: { token?: string }) => {
      const { addressOrSelf, getMarketBalance, getProviderStake, parseAddress, readClient } =
        await load();
      const options = globals();
      const token = opts.token ? parseAddress("--token", opts.token) : undefined;
      const account = await addressOrSelf(options, address);
      const { client, connection } = await readClient(options);
      const market = connection.contracts.market;
      const tokenAddress = token ?? connection.contracts.token;
      const [balance, stake] = await Promise.all([
        getMarketBalance(client, { address: market, account, token: tokenAddress }),
        getProviderStake(client, { address: market, provider: account }),
      ]);
      if (options.json)
        return printJson({
          account,
          token: tokenAddress,
          balance,
          openLeases: stake.openLeases,
          stakeLocked: stake.locked,
        });
      printFields({
        account,
        token: tokenAddress,
        balance: noos(balance),
        openLeases: stake.openLeases,
        stakeLocked: noos(stake.locked),
      });
    });

  market
    .command("withdraw")
    .description("pay the selected account's whole market balance out to its wallet")
    .option("--token <address>", "payment token (default: NOOS)")
    .action(async (opts: { token?: string }) => {
      const { parseAddress, walletClient } = await load();
      const options = globals();
      const { client, connection } = await walletClient(options);
      const token = opts.token ? parseAddress("--token", opts.token) : connection.contracts.token;
      // Nothing to withdraw reverts with MarketNothingToWithdraw(account, token).
      const { event, hash } = await client.withdrawBalanceAndWait({ token });
      if (options.json)
        printJson({ account: client.account.address, token, amount: event.amount, tx: hash });
      else process.stdout.write(`withdrew ${noos(event.amount)} (tx ${hash})\n`);
    });

  market
    .command("release-stake")
    .description(
      "unlock the stake the market holds for the selected provider beyond its open leases (before unstaking)",
    )
    .action(async () => {
      const { walletClient } = await load();
      const options = globals();
      const { client, connection } = await walletClient(options);
      const released = await releaseStakeOf(client, connection.contracts.market);
      if (options.json) printJson({ provider: client.account.address, ...released });
      else
        process.stdout.write(
          `${released.released > 0n ? `released ${noos(released.released)}` : "nothing to release"}; still locked ${noos(released.locked)} for ${released.openLeases} open lease(s)${released.tx ? ` (tx ${released.tx})` : ""}\n`,
        );
    });
}

type Wallet = Awaited<ReturnType<typeof walletClient>>["client"];
type Reader = Awaited<ReturnType<typeof readClient>>["client"];

/**
 * What a lease has paid out of its escrow so far (to the provider's balance plus the protocol
 * fee): the sum of its PaymentReleased events. The market keeps no such total.
 */
export async function leasePaid(
  client: Reader | Wallet,
  market: Address,
  leaseId: bigint,
  fromBlock: bigint,
): Promise<bigint> {
  const { computeMarketAbi } = await import("@noosphere/sdk");
  const { getContractEvents } = await import("viem/actions");
  const logs = await getContractEvents(client as Reader, {
    address: market,
    abi: computeMarketAbi,
    eventName: "PaymentReleased",
    args: { leaseId },
    fromBlock,
    strict: true,
  });
  return logs.reduce((sum, log) => sum + log.args.net + log.args.fee, 0n);
}

/**
 * `releaseStake()` for the client's account when the market holds any of its stake locked (no
 * transaction otherwise); returns what was released and what stays locked for open leases. `noos stake remove
 * --role provider` calls it before unstaking.
 */
export async function releaseStakeOf(
  client: Wallet,
  market: Address,
): Promise<{ released: bigint; locked: bigint; openLeases: bigint; tx: `0x${string}` | null }> {
  const { getProviderStake } = await import("@noosphere/sdk");
  const provider = client.account.address;
  const before = await getProviderStake(client, { address: market, provider });
  let tx: `0x${string}` | null = null;
  let released = 0n;
  if (before.locked > 0n) {
    const result = await client.releaseStakeAndWait();
    tx = result.hash;
    released = result.amount;
  }
  const after = await getProviderStake(client, { address: market, provider });
  return {
    released,
    locked: after.locked,
    openLeases: after.openLeases,
    tx,
  };
}
