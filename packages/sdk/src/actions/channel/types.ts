import type { Hex } from "viem";
import type { ChannelConfig, SignedVoucher } from "../../x402/voucher.js";

export type { ChannelConfig, SignedVoucher } from "../../x402/voucher.js";

/** One claim row: a channel, its latest payer-signed voucher, and the cumulative total to claim. */
export type ChannelClaim = {
  config: ChannelConfig;
  voucher: Pick<SignedVoucher, "maxClaimableAmount" | "signature">;
  /** New cumulative total claimed (at most the voucher's maxClaimableAmount). */
  totalClaimed: bigint;
};

/** The ChannelConfig tuple as the contract takes it. */
export function configArg(config: ChannelConfig) {
  return {
    payer: config.payer,
    payerAuthorizer: config.payerAuthorizer,
    receiver: config.receiver,
    receiverAuthorizer: config.receiverAuthorizer,
    token: config.token,
    withdrawDelay: config.withdrawDelay,
    salt: config.salt as Hex,
  };
}

/** A VoucherClaim tuple as the contract takes it. */
export function claimArg(claim: ChannelClaim) {
  return {
    channel: configArg(claim.config),
    maxClaimableAmount: claim.voucher.maxClaimableAmount,
    signature: claim.voucher.signature,
    totalClaimed: claim.totalClaimed,
  };
}
