// A fetch that pays: on 402 it opens (or reuses) a PaymentChannels channel to the server's payTo,
// signs a cumulative voucher and retries; later calls send the next voucher up front. Spending
// caps are checked before anything is signed. Calls to one server are serialized (the voucher
// base is the cumulative the server charged last, known only from its PAYMENT-RESPONSE), as in
// x402's batch-settlement client; use several clients (channels, via `salt`) for parallel lanes.
import { type Address, type Hex, type LocalAccount, pad, toHex } from "viem";
import { depositChannelWithPermitAndWait } from "../actions/channel/depositChannelWithPermit.js";
import { getChannel } from "../actions/channel/getChannel.js";
import type { NoosWalletClient } from "../client.js";
import { BaseError } from "../errors.js";
import {
  type ChannelConfig,
  type ChannelDomain,
  computeChannelId,
  type SignedVoucher,
  signVoucher,
  verifyVoucher,
} from "./voucher.js";
import {
  BATCH_SETTLEMENT_SCHEME,
  caip2,
  decodePaymentRequired,
  decodeSettleResponse,
  encodeX402Header,
  PAYMENT_REQUIRED_HEADER,
  PAYMENT_RESPONSE_HEADER,
  PAYMENT_SIGNATURE_HEADER,
  type PaymentRequirements,
  type SettleResponse,
  X402_VERSION,
  X402Errors,
} from "./wire.js";

export type X402ClientParameters = {
  /** The payer's wallet: deposits (EIP-2612 permit, one transaction) and, by default, signs vouchers. */
  wallet: NoosWalletClient;
  /** Most one call may cost, atomic units: a server asking more is refused before signing. */
  maxPerCall: bigint;
  /** Most all calls of this client may cost together, atomic units. */
  maxTotal: bigint;
  /** What to deposit when the channel lacks funds for the next call (default 100 x the call's price). */
  deposit?: bigint | undefined;
  /** Channel salt (default 0): the same salt resumes the same channel after a restart. */
  salt?: Hex | undefined;
  /** Only pay these payTo addresses (allow-list); undefined: any. */
  allowPayTo?: readonly Address[] | undefined;
  fetch?: typeof fetch | undefined;
};

export type X402Payment = {
  url: string;
  channelId: Hex;
  /** Charged for this call, atomic units. */
  charged: bigint;
  /** Charged on the channel so far (cumulative). */
  cumulative: bigint;
};

export type X402Client = {
  /** fetch with payment. The body must be replayable (string or bytes): a 402 retries it. */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Paid so far by this client, atomic units. */
  spent: () => bigint;
  /** Last payment, or undefined. */
  lastPayment: () => X402Payment | undefined;
  /** Channels this client pays through. */
  channels: () => {
    channelId: Hex;
    config: ChannelConfig;
    domain: ChannelDomain;
    cumulative: bigint;
  }[];
};

export class X402SpendingCapError extends BaseError {
  readonly field: "maxPerCall" | "maxTotal" | "allowPayTo";
  constructor(field: "maxPerCall" | "maxTotal" | "allowPayTo", message: string) {
    super(message, { name: "X402SpendingCapError" });
    this.field = field;
  }
}

export class X402PaymentError extends BaseError {
  constructor(message: string, cause?: unknown) {
    super(message, { name: "X402PaymentError", cause });
  }
}

type ChannelEntry = {
  config: ChannelConfig;
  domain: ChannelDomain;
  channelId: Hex;
  /** What the server has charged on this channel (cumulative); the next voucher adds to it. */
  cumulative: bigint;
  /** Last voucher we signed (a corrective 402 must show one of ours at least this high). */
  lastSigned: SignedVoucher | undefined;
  requirements: PaymentRequirements;
};

/** Creates a paying fetch. See X402ClientParameters for the caps. */
export function createX402Client(params: X402ClientParameters): X402Client {
  const doFetch = params.fetch ?? fetch;
  const account = params.wallet.account as LocalAccount;
  if (typeof account.signTypedData !== "function") {
    throw new BaseError("createX402Client needs a wallet with a local account (private key).");
  }
  const chainId = params.wallet.chain.id;
  const salt = params.salt ?? pad(toHex(0), { size: 32 });
  const byOrigin = new Map<string, ChannelEntry>();
  const locks = new Map<string, Promise<unknown>>();
  let spent = 0n;
  let last: X402Payment | undefined;

  const withLock = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    locks.set(
      key,
      run.catch(() => {}),
    );
    return run;
  };

  const pick = (accepts: PaymentRequirements[]): PaymentRequirements => {
    const r = accepts.find(
      (a) => a.scheme === BATCH_SETTLEMENT_SCHEME && a.network === caip2(chainId),
    );
    if (!r) {
      throw new X402PaymentError(
        `The server accepts no ${BATCH_SETTLEMENT_SCHEME} payment on ${caip2(chainId)} (offered: ${accepts
          .map((a) => `${a.scheme}@${a.network}`)
          .join(", ")}).`,
      );
    }
    return r;
  };

  const checkCaps = (r: PaymentRequirements) => {
    const amount = BigInt(r.amount);
    if (
      params.allowPayTo &&
      !params.allowPayTo.some((a) => a.toLowerCase() === r.payTo.toLowerCase())
    ) {
      throw new X402SpendingCapError("allowPayTo", `payTo ${r.payTo} is not in allowPayTo.`);
    }
    if (amount > params.maxPerCall) {
      throw new X402SpendingCapError(
        "maxPerCall",
        `The call costs up to ${amount}, above maxPerCall ${params.maxPerCall}.`,
      );
    }
    if (spent + amount > params.maxTotal) {
      throw new X402SpendingCapError(
        "maxTotal",
        `The call costs up to ${amount}; with ${spent} spent that is above maxTotal ${params.maxTotal}.`,
      );
    }
  };

  const entryFor = (r: PaymentRequirements, existing: ChannelEntry | undefined): ChannelEntry => {
    const config: ChannelConfig = {
      payer: account.address,
      payerAuthorizer: "0x0000000000000000000000000000000000000000",
      receiver: r.payTo as Address,
      receiverAuthorizer: r.extra.receiverAuthorizer as Address,
      token: r.asset as Address,
      withdrawDelay: r.extra.withdrawDelay,
      salt,
    };
    const domain = { chainId, verifyingContract: r.extra.channelContract as Address };
    const channelId = computeChannelId(config, domain);
    if (existing && existing.channelId === channelId) return { ...existing, requirements: r };
    return { config, domain, channelId, cumulative: 0n, lastSigned: undefined, requirements: r };
  };

  /** A corrective 402 says what the server charged: accept it only with our own voucher behind it. */
  const resync = async (entry: ChannelEntry, r: PaymentRequirements): Promise<void> => {
    const state = r.extra.channelState;
    if (!state || state.channelId.toLowerCase() !== entry.channelId.toLowerCase()) return;
    const charged = BigInt(state.chargedCumulativeAmount ?? state.totalClaimed);
    if (charged === entry.cumulative) return;
    if (charged < entry.cumulative) {
      // The server forgot charges it may still claim with our older, higher voucher: stop here.
      throw new X402PaymentError(
        `The server reports ${charged} charged on channel ${entry.channelId}, below the ${entry.cumulative} it confirmed; use another channel (salt).`,
      );
    }
    const v = r.extra.voucherState;
    if (!v?.signature && charged === BigInt(state.totalClaimed)) {
      entry.cumulative = charged; // all of it claimed on chain (with our vouchers): the chain is the truth
      return;
    }
    if (!v?.signature || !v.signedMaxClaimable) {
      throw new X402PaymentError(
        `The server claims ${charged} charged on channel ${entry.channelId} but shows no voucher of ours.`,
      );
    }
    const voucher = {
      channelId: entry.channelId,
      maxClaimableAmount: BigInt(v.signedMaxClaimable),
      signature: v.signature as Hex,
    };
    if (
      !(await verifyVoucher(voucher, entry.config, entry.domain)) ||
      charged > voucher.maxClaimableAmount
    ) {
      throw new X402PaymentError(
        `The server's corrective 402 for channel ${entry.channelId} is not backed by a voucher we signed (charged ${charged}, voucher ${voucher.maxClaimableAmount}).`,
      );
    }
    entry.cumulative = charged;
  };

  /** Deposits when the channel cannot cover `amount` more. */
  const ensureFunds = async (entry: ChannelEntry, amount: bigint, force: boolean) => {
    const state = await getChannel(params.wallet, {
      address: entry.domain.verifyingContract,
      channelId: entry.channelId,
    });
    const capacity = state.balance + state.totalClaimed;
    if (!force && capacity >= entry.cumulative + amount) return;
    const want = params.deposit ?? amount * 100n;
    const needed = entry.cumulative + amount - capacity;
    await depositChannelWithPermitAndWait(params.wallet, {
      address: entry.domain.verifyingContract,
      config: entry.config,
      amount: want > needed ? want : needed,
    });
  };

  const sign = async (entry: ChannelEntry): Promise<string> => {
    const amount = BigInt(entry.requirements.amount);
    const voucher = await signVoucher(account, {
      channelId: entry.channelId,
      maxClaimableAmount: entry.cumulative + amount,
      domain: entry.domain,
    });
    entry.lastSigned = voucher;
    return encodeX402Header({
      x402Version: X402_VERSION,
      accepted: entry.requirements,
      payload: {
        type: "voucher",
        channelConfig: entry.config,
        voucher: {
          channelId: voucher.channelId,
          maxClaimableAmount: voucher.maxClaimableAmount.toString(),
          signature: voucher.signature,
        },
      },
    });
  };

  const send = (url: string, init: RequestInit | undefined, payment: string | undefined) => {
    const headers = new Headers(init?.headers);
    if (payment) headers.set(PAYMENT_SIGNATURE_HEADER, payment);
    else headers.delete(PAYMENT_SIGNATURE_HEADER);
    return doFetch(url, { ...init, headers });
  };

  const settle = (entry: ChannelEntry, url: string, header: string | null): void => {
    const signed = entry.lastSigned?.maxClaimableAmount ?? 0n;
    // A server that answers without a consistent receipt may still claim the whole voucher: count that.
    const worstCase = (message: string, cause?: unknown): never => {
      spent += signed - entry.cumulative;
      entry.cumulative = signed;
      throw new X402PaymentError(message, cause);
    };
    let response: SettleResponse | undefined;
    try {
      response = decodeSettleResponse(header);
    } catch (cause) {
      worstCase(`The paid call to ${url} returned no valid PAYMENT-RESPONSE.`, cause);
    }
    const state = response?.extra?.channelState;
    const cumulative = BigInt(state?.chargedCumulativeAmount ?? "0");
    if (!response?.success || cumulative < entry.cumulative || cumulative > signed) {
      worstCase(
        `The PAYMENT-RESPONSE of ${url} is inconsistent: cumulative ${cumulative}, previous ${entry.cumulative}, signed ${signed}.`,
      );
    }
    const charged = cumulative - entry.cumulative;
    entry.cumulative = cumulative;
    spent += charged;
    last = { url, channelId: entry.channelId, charged, cumulative };
  };

  const payingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = input.toString();
    const origin = new URL(url).origin;
    return withLock(origin, async () => {
      let entry = byOrigin.get(origin);
      let payment: string | undefined;
      if (entry) {
        checkCaps(entry.requirements);
        payment = await sign(entry);
      }
      let toppedUp = false;
      for (let attempt = 0; attempt < 4; attempt++) {
        const res = await send(url, init, payment);
        if (res.status !== 402) {
          if (entry && payment && res.ok)
            settle(entry, url, res.headers.get(PAYMENT_RESPONSE_HEADER));
          return res;
        }
        const required = decodePaymentRequired(res.headers.get(PAYMENT_REQUIRED_HEADER));
        await res.body?.cancel().catch(() => {});
        const r = pick(required.accepts);
        checkCaps(r);
        entry = entryFor(r, entry);
        byOrigin.set(origin, entry);
        await resync(entry, r);
        const lacksFunds = required.error === X402Errors.exceedsBalance;
        if (lacksFunds && toppedUp) {
          throw new X402PaymentError(
            `Channel ${entry.channelId} still lacks funds after a deposit.`,
          );
        }
        if (!payment || lacksFunds) {
          await ensureFunds(entry, BigInt(r.amount), lacksFunds);
          toppedUp ||= lacksFunds;
        }
        if (required.error === X402Errors.withdrawPending) {
          throw new X402PaymentError(
            `Channel ${entry.channelId} has a withdrawal pending; the server refuses it.`,
          );
        }
        payment = await sign(entry);
      }
      throw new X402PaymentError(`${url} kept answering 402 after payment.`);
    });
  };

  return {
    fetch: payingFetch,
    spent: () => spent,
    lastPayment: () => last,
    channels: () =>
      [...byOrigin.values()].map((e) => ({
        channelId: e.channelId,
        config: e.config,
        domain: e.domain,
        cumulative: e.cumulative,
      })),
  };
}

/** `wrapFetchWithPayment(fetch, params)`: the x402 packages' name for the same thing. */
export function wrapFetchWithPayment(
  fetchImpl: typeof fetch,
  params: Omit<X402ClientParameters, "fetch">,
): X402Client["fetch"] {
  return createX402Client({ ...params, fetch: fetchImpl }).fetch;
}
