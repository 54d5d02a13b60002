// x402 v2 over HTTP for the `batch-settlement` scheme: the PAYMENT-REQUIRED, PAYMENT-SIGNATURE and
// PAYMENT-RESPONSE headers, each base64 JSON, with the field names of @x402/evm's batch-settlement.
//
// Why not @x402/evm itself (checked v2.27.0): its batch-settlement client, server and facilitator
// hard-code the EIP-712 verifyingContract to x402's CREATE2 deployment (0x4020…0003), which does
// not exist on our devnet, and deposit only through ERC-3009 or Permit2 collectors; NOOS has
// EIP-2612 permits, not ERC-3009, and the devnet has no Permit2. It also pins zod 3 (we use 4).
// So we speak the same wire format and EIP-712 types against our PaymentChannels contract, and add
// `extra.channelContract` (where vouchers are valid) since that address is not fixed.
import { z } from "zod";
import { BaseError } from "../errors.js";

export const X402_VERSION = 2;
export const BATCH_SETTLEMENT_SCHEME = "batch-settlement";
export const PAYMENT_REQUIRED_HEADER = "PAYMENT-REQUIRED";
export const PAYMENT_SIGNATURE_HEADER = "PAYMENT-SIGNATURE";
export const PAYMENT_RESPONSE_HEADER = "PAYMENT-RESPONSE";

/** Error codes (the x402 batch-settlement names) a server puts in `error` / `errorReason`. */
export const X402Errors = {
  paymentRequired: "payment_required",
  invalidPayload: "invalid_payload",
  invalidSignature: "invalid_batch_settlement_evm_voucher_signature",
  channelNotFound: "invalid_batch_settlement_evm_channel_not_found",
  cumulativeMismatch: "invalid_batch_settlement_evm_cumulative_amount_mismatch",
  exceedsBalance: "invalid_batch_settlement_evm_cumulative_exceeds_balance",
  channelBusy: "invalid_batch_settlement_evm_channel_busy",
  withdrawPending: "invalid_batch_settlement_evm_withdraw_pending",
  receiverMismatch: "invalid_batch_settlement_evm_receiver_mismatch",
  tokenMismatch: "invalid_batch_settlement_evm_token_mismatch",
  withdrawDelayMismatch: "invalid_batch_settlement_evm_withdraw_delay_mismatch",
  networkMismatch: "invalid_batch_settlement_evm_network_mismatch",
} as const;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex string");
const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, "0x-prefixed hex");
const amount = z.string().regex(/^[0-9]{1,39}$/, "a decimal integer string (atomic units)");

export const channelConfigSchema = z.object({
  payer: address,
  payerAuthorizer: address,
  receiver: address,
  receiverAuthorizer: address,
  token: address,
  withdrawDelay: z
    .number()
    .int()
    .min(0)
    .max(2 ** 40 - 1),
  salt: bytes32,
});

export const channelStateSchema = z.object({
  channelId: bytes32,
  balance: amount,
  totalClaimed: amount,
  withdrawRequestedAt: z.number().int().min(0),
  refundNonce: amount,
  chargedCumulativeAmount: amount.optional(),
});

export const voucherStateSchema = z.object({
  signedMaxClaimable: amount.optional(),
  signature: hex.optional(),
});

export const paymentRequirementsSchema = z.object({
  scheme: z.literal(BATCH_SETTLEMENT_SCHEME),
  /** CAIP-2, e.g. "eip155:31337". */
  network: z.string().regex(/^eip155:[0-9]+$/, "a CAIP-2 eip155 network"),
  /** The most this request may be charged, atomic units. */
  amount,
  asset: address,
  payTo: address,
  maxTimeoutSeconds: z.number().int().positive(),
  extra: z.object({
    receiverAuthorizer: address,
    withdrawDelay: z.number().int().positive(),
    /** EIP-712 domain of the token (its permit). */
    name: z.string(),
    version: z.string(),
    assetTransferMethod: z.string().optional(),
    /** PaymentChannels address: the vouchers' EIP-712 verifyingContract. */
    channelContract: address,
    channelState: channelStateSchema.optional(),
    voucherState: voucherStateSchema.optional(),
  }),
});

export const resourceSchema = z.object({
  url: z.string(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
});

export const paymentRequiredSchema = z.object({
  x402Version: z.literal(X402_VERSION),
  error: z.string().optional(),
  resource: resourceSchema,
  accepts: z.array(paymentRequirementsSchema).min(1),
});

export const voucherFieldsSchema = z.object({
  channelId: bytes32,
  maxClaimableAmount: amount,
  signature: hex,
});

export const paymentPayloadSchema = z.object({
  x402Version: z.literal(X402_VERSION),
  resource: resourceSchema.optional(),
  accepted: paymentRequirementsSchema,
  payload: z.object({
    type: z.literal("voucher"),
    channelConfig: channelConfigSchema,
    voucher: voucherFieldsSchema,
  }),
});

export const settleResponseSchema = z.object({
  success: z.boolean(),
  errorReason: z.string().optional(),
  payer: address.optional(),
  /** batch-settlement settles later: this is a commitment (channelId:cumulative), not a tx hash. */
  transaction: z.string(),
  network: z.string(),
  amount: amount.optional(),
  extra: z
    .object({
      chargedAmount: amount.optional(),
      channelState: channelStateSchema.optional(),
      voucherState: voucherStateSchema.optional(),
    })
    .optional(),
});

export type PaymentRequirements = z.infer<typeof paymentRequirementsSchema>;
export type PaymentRequired = z.infer<typeof paymentRequiredSchema>;
export type PaymentPayload = z.infer<typeof paymentPayloadSchema>;
export type SettleResponse = z.infer<typeof settleResponseSchema>;
export type ChannelStateExtra = z.infer<typeof channelStateSchema>;

/** base64(JSON) for a header. */
export function encodeX402Header(value: PaymentRequired | PaymentPayload | SettleResponse): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

function decode<T>(header: string | null | undefined, schema: z.ZodType<T>, name: string): T {
  if (!header) {
    throw new BaseError(`Missing ${name} header.`, { name: "X402HeaderError" });
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch (cause) {
    throw new BaseError(`${name} is not base64 JSON.`, { cause, name: "X402HeaderError" });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BaseError(
      `${name}: invalid ${issue?.path.join(".") || "value"}: ${issue?.message ?? "malformed"}.`,
      { name: "X402HeaderError" },
    );
  }
  return parsed.data;
}

export const decodePaymentRequired = (h: string | null | undefined) =>
  decode(h, paymentRequiredSchema, PAYMENT_REQUIRED_HEADER);
export const decodePaymentPayload = (h: string | null | undefined) =>
  decode(h, paymentPayloadSchema, PAYMENT_SIGNATURE_HEADER);
export const decodeSettleResponse = (h: string | null | undefined) =>
  decode(h, settleResponseSchema, PAYMENT_RESPONSE_HEADER);

/** "eip155:<chainId>" */
export function caip2(chainId: number): string {
  return `eip155:${chainId}`;
}
