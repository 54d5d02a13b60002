// The server side of x402 `batch-settlement` (v2 headers) over PaymentChannels: vouchers are
// verified locally against a mirror of the channel's on-chain state, calls on one channel are
// admitted one at a time (queued, not refused, so many concurrent calls all succeed) and each
// reserves its price against the voucher; the lock is not held through inference, so concurrent
// calls on one channel still batch together. A call is charged only when the server commits it
// after a 2xx (a release gives the reservation back), the latest voucher of every channel is persisted before
// the answer goes out, and claims go on chain in batches (claimAndSettle): on a threshold, on an
// interval, and at once when a payer starts a withdrawal, which also stops new calls on that
// channel `marginSeconds` before the withdrawal can be finalized (x402 issue 2901).
import {
  BATCH_SETTLEMENT_SCHEME,
  BaseError,
  type ChannelConfig,
  type ChannelDomain,
  caip2,
  claimAndSettleChannelsAndWait,
  computeChannelId,
  createVoucherVerifier,
  decodePaymentPayload,
  encodeX402Header,
  getChannel,
  type NoosWalletClient,
  noosTokenAbi,
  type PaymentRequired,
  type PaymentRequirements,
  paymentChannelsAbi,
  voucherSignerOf,
  X402_VERSION,
  X402Errors,
} from "@noosphere/sdk";
import { type Address, getAddress, type Hex } from "viem";
import { readContract } from "viem/actions";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { follow } from "../follower.js";
import { deploymentKeyOf } from "../state.js";
import type { Paywall, PaywallDecision, PaywallRequest } from "./paywall.js";
import { openVoucherStore } from "./voucherLog.js";

export type X402PaywallConfig = {
  /** The receiver's wallet: it is the channels' receiver and receiverAuthorizer, and pays claim gas. */
  client: NoosWalletClient;
  /** PaymentChannels address. */
  contract: Address;
  /** ERC-20 the calls are priced in (NOOS). */
  token: Address;
  /** Price per 1,000 samples, wei: one price, or per model name (a model not listed is refused). */
  pricePer1000: bigint | Readonly<Record<string, bigint>>;
  /** Withdraw delay the server requires of channels, seconds. Default 3,600. */
  withdrawDelay?: number | undefined;
  /** Where unclaimed vouchers are kept (JSON, keyed by deployment). */
  stateFile: string;
  claim?: {
    /** Claim as soon as this much is unclaimed in total, wei. Default: never by amount. */
    threshold?: bigint | undefined;
    /** Claim whatever is unclaimed this often, ms. Default 60,000. */
    intervalMs?: number | undefined;
    /** Stop taking calls on a channel this long before its withdrawal can be finalized, s. Default 300. */
    marginSeconds?: number | undefined;
  };
  /** Chain event poll interval, ms. Default 500. */
  pollIntervalMs?: number | undefined;
  description?: string | undefined;
};

export type X402ChannelRecord = {
  config: ChannelConfig;
  /** Cumulative charged (committed after 2xx answers). */
  charged: bigint;
  /** Highest voucher the payer signed, and its signature. */
  voucherMax: bigint;
  signature: Hex;
  /** On-chain totalClaimed as last seen. */
  claimed: bigint;
};

type Mirror = {
  balance: bigint;
  totalClaimed: bigint;
  withdrawal: { amount: bigint; initiatedAt: number };
};

export type X402ClaimResult = { hash: Hex; channels: number; amount: bigint; gasUsed: bigint };

export type X402Paywall = Paywall & {
  /** Claims (and settles) every channel with unclaimed charges now; undefined when there are none. */
  claimNow: () => Promise<X402ClaimResult | undefined>;
  /** Channels seen, by id. */
  channels: () => ReadonlyMap<string, Readonly<X402ChannelRecord>>;
  /** Charged in total, and of it claimed on chain, wei. */
  totals: () => { charged: bigint; claimed: bigint };
};

export class X402PaywallConfigError extends BaseError {
  constructor(field: string, expected: string, received: unknown) {
    super(`Invalid x402 paywall ${field}: expected ${expected}, received ${String(received)}.`, {
      name: "X402PaywallConfigError",
    });
  }
}

/** Creates the paywall (reads the deployment key and the token's EIP-712 domain, loads vouchers). */
export async function createX402Paywall(
  common: Common,
  config: X402PaywallConfig,
): Promise<X402Paywall> {
  const { client } = config;
  const receiver = client.account.address;
  const withdrawDelay = config.withdrawDelay ?? 3600;
  if (!Number.isInteger(withdrawDelay) || withdrawDelay < 900 || withdrawDelay > 30 * 86400) {
    throw new X402PaywallConfigError(
      "withdrawDelay",
      "an integer of seconds in [900, 2592000]",
      withdrawDelay,
    );
  }
  const marginSeconds = config.claim?.marginSeconds ?? 300;
  if (!(marginSeconds >= 0 && marginSeconds < withdrawDelay)) {
    throw new X402PaywallConfigError(
      "claim.marginSeconds",
      `seconds in [0, ${withdrawDelay})`,
      marginSeconds,
    );
  }
  const intervalMs = config.claim?.intervalMs ?? 60_000;
  const threshold = config.claim?.threshold;
  const chainId = client.chain.id;
  const network = caip2(chainId);
  const domain: ChannelDomain = { chainId, verifyingContract: getAddress(config.contract) };
  const [tokenDomain, deployment] = await Promise.all([
    readContract(client, {
      address: config.token,
      abi: noosTokenAbi,
      functionName: "eip712Domain",
    }),
    deploymentKeyOf(client, config.contract),
  ]);
  const store = await openVoucherStore<X402ChannelRecord>({
    file: config.stateFile,
    deployment,
    logger: common.logger,
  });
  const records = store.records;
  const mirrors = new Map<string, Mirror>();
  const locks = new Map<string, Promise<void>>();
  /** Prices of admitted calls not yet committed or released, per channel (not persisted: a
   * restart drops calls in flight, and those were never charged). */
  const reserved = new Map<string, bigint>();
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  common.signal.addEventListener("abort", onAbort);
  const inner: Common = { ...common, signal: controller.signal };
  // Known payer keys are checked with precomputed tables (~4x faster than recovering the signer).
  const verifier = createVoucherVerifier(domain);
  // Channel ids by config: hashing the config is half the cost of checking a voucher.
  const ids = new Map<string, string>();
  const idOf = (c: ChannelConfig): string => {
    const key =
      `${c.payer}${c.payerAuthorizer}${c.receiver}${c.receiverAuthorizer}${c.token}${c.withdrawDelay}${c.salt}`.toLowerCase();
    let id = ids.get(key);
    if (!id) {
      id = computeChannelId(c, domain).toLowerCase();
      if (ids.size > 100_000) ids.clear();
      ids.set(key, id);
    }
    return id;
  };

  const priceOf = (model: string, samples: number): bigint | undefined => {
    const per1000 =
      typeof config.pricePer1000 === "bigint" ? config.pricePer1000 : config.pricePer1000[model];
    if (per1000 === undefined) return undefined;
    return (per1000 * BigInt(samples) + 999n) / 1000n; // rounded up: never serve below price
  };

  const requirements = (
    amount: bigint,
    extra: Partial<PaymentRequirements["extra"]> = {},
  ): PaymentRequirements => ({
    scheme: BATCH_SETTLEMENT_SCHEME,
    network,
    amount: amount.toString(),
    asset: getAddress(config.token),
    payTo: receiver,
    maxTimeoutSeconds: 60,
    extra: {
      receiverAuthorizer: receiver,
      withdrawDelay,
      name: tokenDomain[1],
      version: tokenDomain[2],
      assetTransferMethod: "eip2612",
      channelContract: domain.verifyingContract,
      ...extra,
    },
  });

  const channelStateOf = (
    id: string,
    record: X402ChannelRecord | undefined,
    mirror: Mirror | undefined,
  ) => ({
    channelId: id as Hex,
    balance: (mirror?.balance ?? 0n).toString(),
    totalClaimed: (mirror?.totalClaimed ?? record?.claimed ?? 0n).toString(),
    withdrawRequestedAt: mirror?.withdrawal.initiatedAt ?? 0,
    refundNonce: "0",
    chargedCumulativeAmount: (record?.charged ?? 0n).toString(),
  });

  const paymentRequired = (
    req: PaywallRequest,
    amount: bigint,
    error: string,
    channel?: { id: string; record: X402ChannelRecord | undefined; mirror: Mirror | undefined },
  ): PaywallDecision => {
    const extra: Partial<PaymentRequirements["extra"]> = {};
    if (channel) {
      extra.channelState = channelStateOf(channel.id, channel.record, channel.mirror);
      if (channel.record) {
        extra.voucherState = {
          signedMaxClaimable: channel.record.voucherMax.toString(),
          signature: channel.record.signature,
        };
      }
    }
    const body: PaymentRequired = {
      x402Version: X402_VERSION,
      error,
      resource: {
        url: req.resource,
        ...(config.description ? { description: config.description } : {}),
      },
      accepts: [requirements(amount, extra)],
    };
    count(common, `x402.refused.${error}`);
    return {
      ok: false,
      status: 402,
      headers: { "PAYMENT-REQUIRED": encodeX402Header(body) },
      body,
    };
  };

  const refreshMirror = async (id: string): Promise<Mirror> => {
    const state = await getChannel(client, {
      address: domain.verifyingContract,
      channelId: id as Hex,
    });
    const mirror = {
      balance: state.balance,
      totalClaimed: state.totalClaimed,
      withdrawal: state.withdrawal,
    };
    mirrors.set(id, mirror);
    const record = records.get(id);
    if (record && state.totalClaimed > record.claimed) record.claimed = state.totalClaimed;
    return mirror;
  };

  let chainClock = { at: 0, chainTime: 0 };
  const chainNow = async (): Promise<number> => {
    if (Date.now() - chainClock.at > 1000) {
      const block = await client.getBlock({ blockTag: "latest" });
      chainClock = { at: Date.now(), chainTime: Number(block.timestamp) };
    }
    return chainClock.chainTime + Math.floor((Date.now() - chainClock.at) / 1000);
  };

  /** Admission on one channel is serial: the next call on it waits until this one is admitted or refused. */
  const acquire = async (id: string): Promise<() => void> => {
    const previous = locks.get(id) ?? Promise.resolve();
    let unlock!: () => void;
    const mine = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const tail = previous.then(() => mine);
    locks.set(id, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      unlock();
      if (locks.get(id) === tail) locks.delete(id);
    };
  };

  const authorize = async (req: PaywallRequest): Promise<PaywallDecision> => {
    const price = priceOf(req.model, req.samples);
    if (price === undefined) {
      return {
        ok: false,
        status: 400,
        headers: {},
        body: { error: `model ${req.model}: no per-call price is set for it` },
      };
    }
    const header = req.headers["payment-signature"];
    if (!header) return paymentRequired(req, price, X402Errors.paymentRequired);
    let payload: ReturnType<typeof decodePaymentPayload>;
    try {
      payload = decodePaymentPayload(header);
    } catch (err) {
      return {
        ok: false,
        status: 400,
        headers: {},
        body: { error: (err as BaseError).shortMessage ?? String(err) },
      };
    }
    const c = payload.payload.channelConfig;
    const wrong =
      payload.accepted.network !== network
        ? X402Errors.networkMismatch
        : c.receiver.toLowerCase() !== receiver.toLowerCase() ||
            c.receiverAuthorizer.toLowerCase() !== receiver.toLowerCase()
          ? X402Errors.receiverMismatch
          : c.token.toLowerCase() !== config.token.toLowerCase()
            ? X402Errors.tokenMismatch
            : c.withdrawDelay !== withdrawDelay
              ? X402Errors.withdrawDelayMismatch
              : undefined;
    if (wrong) return paymentRequired(req, price, wrong);
    const channelConfig = c as ChannelConfig;
    const voucher = {
      channelId: payload.payload.voucher.channelId as Hex,
      maxClaimableAmount: BigInt(payload.payload.voucher.maxClaimableAmount),
      signature: payload.payload.voucher.signature as Hex,
    };
    const id = idOf(channelConfig);
    // Checked before queueing: the signature check is the CPU cost of a paid call; outside the lock.
    if (
      voucher.channelId.toLowerCase() !== id ||
      !(await verifier.verify(voucher, voucherSignerOf(channelConfig)))
    ) {
      return paymentRequired(req, price, X402Errors.invalidSignature);
    }
    const release = await acquire(id);
    try {
      let record = records.get(id);
      let mirror = mirrors.get(id) ?? (await refreshMirror(id));
      record = records.get(id);
      const charged = record?.charged ?? mirror.totalClaimed;
      const pending = reserved.get(id) ?? 0n;
      const needed = charged + pending + price;
      if (voucher.maxClaimableAmount < needed) {
        release();
        return paymentRequired(req, price, X402Errors.cumulativeMismatch, { id, record, mirror });
      }
      if (needed > mirror.totalClaimed + mirror.balance) {
        mirror = await refreshMirror(id); // the payer may just have deposited
        if (needed > mirror.totalClaimed + mirror.balance) {
          release();
          return paymentRequired(req, price, X402Errors.exceedsBalance, { id, record, mirror });
        }
      }
      if (mirror.withdrawal.initiatedAt !== 0) {
        const deadline = mirror.withdrawal.initiatedAt + withdrawDelay - marginSeconds;
        if ((await chainNow()) >= deadline) {
          release();
          void claimSoon("withdrawal margin");
          return paymentRequired(req, price, X402Errors.withdrawPending, { id, record, mirror });
        }
      }
      if (!record) {
        record = {
          config: channelConfig,
          charged,
          voucherMax: 0n,
          signature: "0x",
          claimed: mirror.totalClaimed,
        };
        records.set(id, record);
      }
      if (voucher.maxClaimableAmount > record.voucherMax) {
        record.voucherMax = voucher.maxClaimableAmount;
        record.signature = voucher.signature;
      }
      const current = record;
      const payer = getAddress(channelConfig.payer);
      reserved.set(id, pending + price);
      release();
      let settled = false;
      /** Gives the reservation back once; true the first time. */
      const unreserve = () => {
        if (settled) return false;
        settled = true;
        const left = (reserved.get(id) ?? 0n) - price;
        if (left > 0n) reserved.set(id, left);
        else reserved.delete(id);
        return true;
      };
      return {
        ok: true,
        charge: {
          amount: price,
          release: () => {
            unreserve();
          },
          commit: async () => {
            if (!unreserve())
              throw new BaseError("x402: this call was already committed or released.");
            current.charged += price;
            count(common, "x402.paidCalls");
            const response = encodeX402Header({
              success: true,
              payer,
              transaction: `${id}:${current.charged}`,
              network,
              amount: price.toString(),
              extra: {
                chargedAmount: price.toString(),
                channelState: channelStateOf(id, current, mirrors.get(id)),
              },
            });
            await store.save(id);
            if (threshold !== undefined && unclaimedTotal() >= threshold)
              void claimSoon("threshold");
            return response;
          },
        },
      };
    } catch (err) {
      release();
      throw err;
    }
  };

  const unclaimedTotal = () => {
    let sum = 0n;
    for (const r of records.values()) sum += r.charged - r.claimed;
    return sum;
  };

  let claiming: Promise<X402ClaimResult | undefined> | undefined;
  const claimNow = async (): Promise<X402ClaimResult | undefined> => {
    while (claiming) await claiming.catch(() => {});
    claiming = (async () => {
      const rows: { id: string; record: X402ChannelRecord; total: bigint }[] = [];
      for (const [id, record] of records) {
        if (record.charged <= record.claimed) continue;
        // What the chain can still pay: a finalized withdrawal may have taken the rest.
        const mirror = await refreshMirror(id);
        let total = record.charged;
        if (total > mirror.totalClaimed + mirror.balance) {
          total = mirror.totalClaimed + mirror.balance;
          common.logger.error(
            { channelId: id, charged: record.charged, claimable: total },
            "x402: charges lost to a withdrawal",
          );
        }
        if (total > mirror.totalClaimed && total <= record.voucherMax)
          rows.push({ id, record, total });
      }
      if (rows.length === 0) return undefined;
      const result = await claimAndSettleChannelsAndWait(client, {
        address: domain.verifyingContract,
        claims: rows.map((r) => ({
          config: r.record.config,
          voucher: { maxClaimableAmount: r.record.voucherMax, signature: r.record.signature },
          totalClaimed: r.total,
        })),
      });
      let amount = 0n;
      for (const r of rows) {
        amount += r.total - r.record.claimed;
        void store.save(r.id);
        r.record.claimed = r.total;
        const m = mirrors.get(r.id);
        if (m) {
          m.balance -= r.total - m.totalClaimed;
          m.totalClaimed = r.total;
        }
      }
      count(common, "x402.claims");
      common.logger.info(
        { hash: result.hash, channels: rows.length, amount: amount.toString() },
        "x402: claimed",
      );
      return { hash: result.hash, channels: rows.length, amount, gasUsed: result.receipt.gasUsed };
    })();
    try {
      return await claiming;
    } finally {
      claiming = undefined;
    }
  };

  const claimSoon = async (reason: string) => {
    try {
      await claimNow();
    } catch (err) {
      common.logger.error({ err, reason }, "x402: claim failed (will retry)");
    }
  };

  // Mirror the chain: a deposit, claim, refund or withdrawal on a channel we serve refreshes it;
  // a withdrawal start triggers a claim at once.
  const saved = store.cursor();
  const startBlock = saved === undefined ? await client.getBlockNumber() : saved + 1n;
  const following = follow(inner, {
    client,
    address: domain.verifyingContract,
    abi: paymentChannelsAbi,
    fromBlock: startBlock,
    loadCursor: async () => store.cursor(),
    saveCursor: async (block) => store.setCursor(block),
    pollIntervalMs: config.pollIntervalMs ?? 500,
    onEvent: async (event) => {
      const args = event.args as { channelId?: Hex };
      const id = args.channelId?.toLowerCase();
      if (!id || !(records.has(id) || mirrors.has(id))) return;
      await refreshMirror(id);
      if (event.eventName === "WithdrawInitiated") await claimSoon("withdrawal started");
    },
  });

  const timer = setInterval(() => {
    if (unclaimedTotal() > 0n) void claimSoon("interval");
  }, intervalMs);
  timer.unref();

  return {
    authorize,
    claimNow,
    channels: () => records,
    totals: () => {
      let charged = 0n;
      let claimed = 0n;
      for (const r of records.values()) {
        charged += r.charged;
        claimed += r.claimed;
      }
      return { charged, claimed };
    },
    close: async () => {
      clearInterval(timer);
      controller.abort();
      common.signal.removeEventListener("abort", onAbort);
      await following.catch(() => {});
      while (claiming) await claiming.catch(() => {});
      await store.close();
    },
  };
}
