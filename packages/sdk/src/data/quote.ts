// The provider-quote exchange between a buyer and a data asset's provider:
// `POST <decryptorUrl>/data/quote` with QuoteRequest JSON, answered with the ProviderFee JSON
// (bigints as decimal strings). The provider signs with `quoteFor`; the buyer calls `fetchProviderQuote`.
import { type Address, getAddress, type Hex, type LocalAccount, zeroAddress } from "viem";
import { z } from "zod";
import { BaseError } from "../errors.js";
import { type ProviderFee, signProviderFee } from "./providerFee.js";

export const quoteRequestSchema = z.strictObject({
  datatoken: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected the datatoken address"),
  consumer: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected the consumer address"),
  serviceIndex: z.number().int().nonnegative().default(0),
});
export type QuoteRequest = z.input<typeof quoteRequestSchema>;

const big = z.string().regex(/^\d+$/, "expected a decimal integer string");
export const providerFeeJsonSchema = z.strictObject({
  providerFeeAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  providerFeeToken: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  providerFeeAmount: big,
  validity: big,
  quoteDeadline: big,
  providerData: z.string().regex(/^0x([0-9a-fA-F]{2})*$/),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
});
export type ProviderFeeJson = z.output<typeof providerFeeJsonSchema>;

export function providerFeeToJson(fee: ProviderFee): ProviderFeeJson {
  return {
    ...fee,
    providerFeeAmount: fee.providerFeeAmount.toString(),
    validity: fee.validity.toString(),
    quoteDeadline: fee.quoteDeadline.toString(),
  };
}

export function providerFeeFromJson(value: unknown): ProviderFee {
  const parsed = providerFeeJsonSchema.safeParse(value);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new BaseError(`Invalid provider quote: ${msg}`, { name: "InvalidQuoteError" });
  }
  const q = parsed.data;
  return {
    providerFeeAddress: getAddress(q.providerFeeAddress),
    providerFeeToken: getAddress(q.providerFeeToken),
    providerFeeAmount: BigInt(q.providerFeeAmount),
    validity: BigInt(q.validity),
    quoteDeadline: BigInt(q.quoteDeadline),
    providerData: q.providerData as Hex,
    signature: q.signature as Hex,
  };
}

/**
 * Provider side: signs a quote for a request. `validity` counts from the order's inclusion; the
 * quote itself must be used within `deadlineSeconds` (default 600) of `now`.
 */
export function quoteFor(args: {
  account: LocalAccount;
  chainId: number;
  request: QuoteRequest;
  /** Seconds of access from inclusion (0: forever). */
  validity: bigint;
  /** Unix seconds (the chain's latest block time is best). */
  now: bigint;
  deadlineSeconds?: bigint | undefined;
  fee?: { token: Address; amount: bigint } | undefined;
  providerData?: Hex | undefined;
}): Promise<ProviderFee> {
  const req = quoteRequestSchema.parse(args.request);
  return signProviderFee({
    account: args.account,
    chainId: args.chainId,
    datatoken: getAddress(req.datatoken),
    consumer: getAddress(req.consumer),
    serviceIndex: req.serviceIndex,
    fee: {
      providerFeeToken: args.fee?.token ?? zeroAddress,
      providerFeeAmount: args.fee?.amount ?? 0n,
      validity: args.validity,
      quoteDeadline: args.now + (args.deadlineSeconds ?? 600n),
      providerData: args.providerData ?? "0x",
    },
  });
}

export class ProviderQuoteError extends BaseError {
  constructor(url: string, detail: string, cause?: unknown) {
    super(`The provider at ${url} gave no quote: ${detail}.`, {
      name: "ProviderQuoteError",
      cause,
    });
  }
}

/** Buyer side: asks the asset's provider (its decryptorUrl) for a signed quote. */
export async function fetchProviderQuote(
  providerUrl: string,
  request: QuoteRequest,
): Promise<ProviderFee> {
  const url = `${providerUrl.replace(/\/$/, "")}/data/quote`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(quoteRequestSchema.parse(request)),
    });
  } catch (cause) {
    throw new ProviderQuoteError(url, "unreachable", cause);
  }
  if (!res.ok)
    throw new ProviderQuoteError(
      url,
      `HTTP ${res.status} ${await res.text().catch(() => "")}`.trim(),
    );
  return providerFeeFromJson(await res.json());
}
