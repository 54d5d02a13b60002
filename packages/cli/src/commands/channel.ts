// noos channel: x402 batch-settlement payment channels (PaymentChannels). A payer opens (deposits
// into) a channel to a service's receiver, checks it, and closes it with a timed withdrawal; a
// provider claims the vouchers its paywall stored, in one claimAndSettle transaction.
import type { X402ChannelRecord } from "@noosphere/node";
import type { Command } from "commander";
import type { Address, Hex } from "viem";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson } from "../output.js";
import { tenantOptions } from "../tenant.js";

// The SDK (viem) and @noosphere/node load inside the actions: `noos channel --help` loads
// commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
});

type ChannelOptions = {
  endpoint?: string;
  receiverAuthorizer?: string;
  withdrawDelay?: string;
  salt?: string;
};

async function contractOf(contracts: { paymentChannels?: Address | undefined }): Promise<Address> {
  const { BaseError } = await import("@noosphere/sdk");
  const { paymentChannels } = contracts;
  if (!paymentChannels) {
    throw new BaseError(
      "This deployment has no PaymentChannels contract (deployed before pay-per-call): redeploy it (noos devnet start --fresh).",
    );
  }
  return paymentChannels;
}

function parseSalt(
  InvalidParameterError: typeof import("@noosphere/sdk").InvalidParameterError,
  value: string | undefined,
): Hex {
  const v = value ?? "0";
  if (/^\d+$/.test(v)) return `0x${BigInt(v).toString(16).padStart(64, "0")}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(v)) return v as Hex;
  throw new InvalidParameterError({
    field: "--salt",
    expected: "a non-negative integer or 32-byte hex",
    received: v,
  });
}

function parseDelay(
  InvalidParameterError: typeof import("@noosphere/sdk").InvalidParameterError,
  value: string | undefined,
): number {
  const v = Number(value ?? "3600");
  if (!Number.isInteger(v) || v < 900 || v > 2_592_000) {
    throw new InvalidParameterError({
      field: "--withdraw-delay",
      expected: "whole seconds from 900 (15 min) to 2592000 (30 days)",
      received: value,
    });
  }
  return v;
}

/**
 * An unpaid one-sample request of zeros for the endpoint's model, built from its Open Inference
 * Protocol metadata (GET /v2/models/{name}): the server validates a request before it quotes a
 * price (the price counts samples), so an empty body gets 400, not 402.
 */
async function probeBody(endpoint: string): Promise<string> {
  const metadataUrl = endpoint.replace(/\/infer\/?$/, "");
  const res = await fetch(metadataUrl).catch(() => undefined);
  if (!res?.ok) return "{}";
  const metadata = (await res.json()) as {
    inputs?: { name: string; datatype: string; shape: number[] }[];
  };
  const inputs = (metadata.inputs ?? []).map((input) => {
    const shape = input.shape.map((d) => (d < 0 ? 1 : d));
    const size = shape.reduce((a, b) => a * b, 1);
    const zero = input.datatype === "BOOL" ? false : input.datatype === "BYTES" ? "" : 0;
    return { name: input.name, shape, datatype: input.datatype, data: Array(size).fill(zero) };
  });
  return JSON.stringify({ inputs });
}

/** The channel config: from a service's 402 (`--endpoint`), else from the options. */
async function channelConfig(
  payer: Address,
  token: Address,
  receiver: string | undefined,
  opts: ChannelOptions,
) {
  const { BaseError, decodePaymentRequired, InvalidParameterError, parseAddress } = await load();
  let receiverAddress: Address;
  let receiverAuthorizer: Address;
  let withdrawDelay: number;
  if (opts.endpoint) {
    const res = await fetch(opts.endpoint, {
      method: "POST",
      body: await probeBody(opts.endpoint),
    });
    if (res.status !== 402) {
      throw new InvalidParameterError({
        field: "--endpoint",
        expected: "a paid infer URL that answers 402 with PAYMENT-REQUIRED",
        received: `${opts.endpoint} (status ${res.status})`,
      });
    }
    const accepted = decodePaymentRequired(res.headers.get("payment-required")).accepts[0];
    if (!accepted) throw new BaseError(`--endpoint ${opts.endpoint} accepts no payment.`);
    receiverAddress = accepted.payTo as Address;
    receiverAuthorizer = accepted.extra.receiverAuthorizer as Address;
    withdrawDelay = accepted.extra.withdrawDelay;
  } else {
    if (!receiver) {
      throw new InvalidParameterError({
        field: "receiver",
        expected: "the service's payTo address, or --endpoint <url>",
        received: undefined,
      });
    }
    receiverAddress = parseAddress("receiver", receiver);
    receiverAuthorizer = opts.receiverAuthorizer
      ? parseAddress("--receiver-authorizer", opts.receiverAuthorizer)
      : receiverAddress;
    withdrawDelay = parseDelay(InvalidParameterError, opts.withdrawDelay);
  }
  return {
    payer,
    payerAuthorizer: "0x0000000000000000000000000000000000000000" as Address,
    receiver: receiverAddress,
    receiverAuthorizer,
    token,
    withdrawDelay,
    salt: parseSalt(InvalidParameterError, opts.salt),
  };
}

function withChannelOptions(cmd: Command): Command {
  return cmd
    .argument("[receiver]", "the service's payTo address (or use --endpoint)")
    .option("--endpoint <url>", "a paid infer URL: read receiver and withdraw delay from its 402")
    .option("--receiver-authorizer <address>", "default: the receiver")
    .option("--withdraw-delay <seconds>", "the channel's withdraw delay (900..2592000)", "3600")
    .option("--salt <n>", "channel salt: several channels to one receiver", "0");
}

export function registerChannel(program: Command, globals: () => GlobalOptions) {
  /** On a devnet the tenant, account 1, unless --account or a key says otherwise. */
  const payer = tenantOptions(program, globals);
  const channel = program
    .command("channel")
    .description("x402 payment channels for pay-per-call services: open, status, claim, close");

  withChannelOptions(
    channel
      .command("open")
      .description("deposit NOOS into a channel to a service (opens it; tops it up when open)")
      .requiredOption("--amount <noos>", "NOOS to deposit"),
  ).action(async (receiver: string | undefined, opts: ChannelOptions & { amount: string }) => {
    const {
      computeChannelId,
      depositChannelWithPermitAndWait,
      getChannel,
      parseAmount,
      walletClient,
    } = await load();
    const options = payer();
    const amount = parseAmount("--amount", opts.amount);
    const { connection, client } = await walletClient(options);
    const address = await contractOf(connection.contracts);
    const config = await channelConfig(
      client.account.address,
      connection.contracts.token,
      receiver,
      opts,
    );
    const { hash } = await depositChannelWithPermitAndWait(client, { address, config, amount });
    const channelId = computeChannelId(config, {
      chainId: connection.chainId,
      verifyingContract: address,
    });
    const state = await getChannel(client, { address, channelId });
    if (options.json)
      printJson({ channelId, config, deposited: amount, balance: state.balance, tx: hash });
    else
      printFields({
        channel: channelId,
        receiver: config.receiver,
        deposited: noos(amount),
        balance: noos(state.balance),
        tx: hash,
      });
  });

  withChannelOptions(
    channel
      .command("status")
      .description(
        'a channel\'s balance, claimed total and pending withdrawal, in NOOS. --json: {"channelId", "balance", "totalClaimed", "withdrawal": {"amount", "initiatedAt"}, "finalizeAfter"?}, amounts in wei (decimal strings), times in unix seconds',
      )
      .option("--id <channelId>", "look up by id instead of by receiver"),
  ).action(async (receiver: string | undefined, opts: ChannelOptions & { id?: string }) => {
    const { computeChannelId, getChannel, InvalidParameterError, readClient, walletClient } =
      await load();
    const options = payer();
    const { connection, client } = opts.id
      ? await readClient(options)
      : await walletClient(options);
    const address = await contractOf(connection.contracts);
    let channelId: Hex;
    let withdrawDelay: number | undefined;
    if (opts.id) {
      if (!/^0x[0-9a-fA-F]{64}$/.test(opts.id)) {
        throw new InvalidParameterError({
          field: "--id",
          expected: "a 32-byte hex channel id",
          received: opts.id,
        });
      }
      channelId = opts.id as Hex;
    } else {
      const payer = (client as { account?: { address: Address } }).account?.address as Address;
      const config = await channelConfig(payer, connection.contracts.token, receiver, opts);
      withdrawDelay = config.withdrawDelay;
      channelId = computeChannelId(config, {
        chainId: connection.chainId,
        verifyingContract: address,
      });
    }
    const state = await getChannel(client, { address, channelId });
    const finalizeAfter =
      state.withdrawal.initiatedAt && withdrawDelay !== undefined
        ? state.withdrawal.initiatedAt + withdrawDelay
        : undefined;
    if (options.json) printJson({ ...state, ...(finalizeAfter ? { finalizeAfter } : {}) });
    else
      printFields({
        channel: channelId,
        balance: noos(state.balance),
        claimed: noos(state.totalClaimed),
        withdrawal: state.withdrawal.initiatedAt
          ? `${noos(state.withdrawal.amount)} since ${new Date(state.withdrawal.initiatedAt * 1000).toISOString()}${finalizeAfter ? `, final after ${new Date(finalizeAfter * 1000).toISOString()}` : ""}`
          : "none",
      });
  });

  channel
    .command("claim")
    .description("provider: claim and settle every voucher a paywall stored (one transaction)")
    .requiredOption("--state <file>", "the paywall's voucher file (x402 state JSON)")
    .action(async (opts: { state: string }) => {
      const { claimAndSettleChannelsAndWait, getChannel, InvalidParameterError, walletClient } =
        await load();
      const { readVoucherFiles } = await import("@noosphere/node");
      const options = globals();
      const { connection, client } = await walletClient(options);
      const address = await contractOf(connection.contracts);
      const { deployment, records: stored } = await readVoucherFiles<X402ChannelRecord>(opts.state);
      if (
        deployment &&
        (deployment.chainId !== connection.chainId ||
          deployment.contract.toLowerCase() !== address.toLowerCase())
      ) {
        throw new InvalidParameterError({
          field: "--state",
          expected: `vouchers of chain ${connection.chainId}, PaymentChannels ${address}`,
          received: `${opts.state} (chain ${deployment.chainId}, contract ${deployment.contract})`,
        });
      }
      const records = [...stored.entries()];
      const claims = [];
      let amount = 0n;
      for (const [id, r] of records) {
        const state = await getChannel(client, { address, channelId: id as Hex });
        const total =
          r.charged < state.totalClaimed + state.balance
            ? r.charged
            : state.totalClaimed + state.balance;
        if (total <= state.totalClaimed) continue;
        amount += total - state.totalClaimed;
        claims.push({
          config: r.config,
          voucher: { maxClaimableAmount: r.voucherMax, signature: r.signature },
          totalClaimed: total,
        });
      }
      if (claims.length === 0) {
        if (options.json) printJson({ channels: 0, amount: 0n, tx: null });
        else process.stdout.write("nothing to claim\n");
        return;
      }
      const result = await claimAndSettleChannelsAndWait(client, { address, claims });
      if (options.json)
        printJson({
          channels: claims.length,
          amount,
          tx: result.hash,
          gasUsed: result.receipt.gasUsed,
        });
      else
        process.stdout.write(
          `claimed ${noos(amount)} from ${claims.length} channel(s) (tx ${result.hash})\n`,
        );
    });

  withChannelOptions(
    channel
      .command("close")
      .description(
        "payer: start the timed withdrawal of what is unclaimed; run again after the delay to take it",
      ),
  ).action(async (receiver: string | undefined, opts: ChannelOptions) => {
    const {
      BaseError,
      computeChannelId,
      finalizeChannelWithdrawAndWait,
      getChannel,
      initiateChannelWithdrawAndWait,
      walletClient,
    } = await load();
    const options = payer();
    const { connection, client } = await walletClient(options);
    const address = await contractOf(connection.contracts);
    const config = await channelConfig(
      client.account.address,
      connection.contracts.token,
      receiver,
      opts,
    );
    const channelId = computeChannelId(config, {
      chainId: connection.chainId,
      verifyingContract: address,
    });
    const state = await getChannel(client, { address, channelId });
    if (state.withdrawal.initiatedAt === 0) {
      if (state.balance === 0n)
        throw new BaseError(`Channel ${channelId} holds nothing to withdraw.`);
      const { hash, event } = await initiateChannelWithdrawAndWait(client, {
        address,
        config,
        amount: state.balance,
      });
      const finalizeAfter =
        event?.finalizeAfter ?? state.withdrawal.initiatedAt + config.withdrawDelay;
      if (options.json)
        printJson({ channelId, step: "initiated", amount: state.balance, finalizeAfter, tx: hash });
      else
        process.stdout.write(
          `withdrawal of ${noos(state.balance)} started; run \`noos channel close\` again after ${new Date(finalizeAfter * 1000).toISOString()} (tx ${hash})\n`,
        );
      return;
    }
    const finalizeAfter = state.withdrawal.initiatedAt + config.withdrawDelay;
    const block = await client.getBlock({ blockTag: "latest" });
    if (Number(block.timestamp) < finalizeAfter) {
      if (options.json) printJson({ channelId, step: "waiting", finalizeAfter });
      else
        process.stdout.write(
          `withdrawal pending until ${new Date(finalizeAfter * 1000).toISOString()}\n`,
        );
      return;
    }
    const { hash, event } = await finalizeChannelWithdrawAndWait(client, { address, config });
    const amount = event?.amount ?? 0n;
    if (options.json) printJson({ channelId, step: "finalized", amount, tx: hash });
    else process.stdout.write(`withdrew ${noos(amount)} (tx ${hash})\n`);
  });
}
