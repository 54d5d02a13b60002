// EIP-712 types of x402's `batch-settlement` scheme on EVM (domain "x402 Batch Settlement" v"1"),
// bound to a PaymentChannels deployment instead of x402's fixed CREATE2 address (see wire.ts).
import {
  type Address,
  concatHex,
  encodeAbiParameters,
  type Hex,
  hashDomain,
  hashTypedData,
  keccak256,
  type LocalAccount,
  recoverAddress,
  type TypedDataDomain,
  toHex,
} from "viem";

/** Immutable channel parameters; their EIP-712 hash is the channel id. */
export type ChannelConfig = {
  payer: Address;
  /** Key that signs vouchers; zero address: the payer signs. */
  payerAuthorizer: Address;
  receiver: Address;
  receiverAuthorizer: Address;
  token: Address;
  /** Seconds (15 min .. 30 days). */
  withdrawDelay: number;
  salt: Hex;
};

/** A payer-signed cumulative voucher. */
export type SignedVoucher = {
  channelId: Hex;
  maxClaimableAmount: bigint;
  signature: Hex;
};

export const BATCH_SETTLEMENT_DOMAIN = { name: "x402 Batch Settlement", version: "1" } as const;

export const channelConfigTypes = {
  ChannelConfig: [
    { name: "payer", type: "address" },
    { name: "payerAuthorizer", type: "address" },
    { name: "receiver", type: "address" },
    { name: "receiverAuthorizer", type: "address" },
    { name: "token", type: "address" },
    { name: "withdrawDelay", type: "uint40" },
    { name: "salt", type: "bytes32" },
  ],
} as const;

export const voucherTypes = {
  Voucher: [
    { name: "channelId", type: "bytes32" },
    { name: "maxClaimableAmount", type: "uint128" },
  ],
} as const;

export const claimBatchTypes = {
  ClaimBatch: [{ name: "claims", type: "ClaimEntry[]" }],
  ClaimEntry: [
    { name: "channelId", type: "bytes32" },
    { name: "maxClaimableAmount", type: "uint128" },
    { name: "totalClaimed", type: "uint128" },
  ],
} as const;

/** Where vouchers of a deployment are valid: chain id plus the PaymentChannels address. */
export type ChannelDomain = { chainId: number; verifyingContract: Address };

export function channelDomain(domain: ChannelDomain): TypedDataDomain {
  return { ...BATCH_SETTLEMENT_DOMAIN, ...domain };
}

/** The channel id: the EIP-712 hash of `config` (what PaymentChannels.getChannelId returns). */
export function computeChannelId(config: ChannelConfig, domain: ChannelDomain): Hex {
  return hashTypedData({
    domain: channelDomain(domain),
    types: channelConfigTypes,
    primaryType: "ChannelConfig",
    message: config,
  });
}

/** The payer (or its payerAuthorizer key) signs "up to `maxClaimableAmount` in total". */
export async function signVoucher(
  account: LocalAccount,
  params: { channelId: Hex; maxClaimableAmount: bigint; domain: ChannelDomain },
): Promise<SignedVoucher> {
  const message = { channelId: params.channelId, maxClaimableAmount: params.maxClaimableAmount };
  // Signing the digest directly skips viem's generic typed-data encoding (one voucher per call);
  // accounts that cannot sign a raw hash get the same signature through signTypedData.
  const signature = account.sign
    ? await account.sign({ hash: voucherDigest(message, params.domain) })
    : await account.signTypedData({
        domain: channelDomain(params.domain),
        types: voucherTypes,
        primaryType: "Voucher",
        message,
      });
  return { channelId: params.channelId, maxClaimableAmount: params.maxClaimableAmount, signature };
}

const VOUCHER_TYPEHASH = keccak256(toHex("Voucher(bytes32 channelId,uint128 maxClaimableAmount)"));
const separators = new Map<string, Hex>();

/**
 * The EIP-712 digest of a voucher (PaymentChannels.getVoucherDigest), with the domain separator
 * cached per deployment: a server checks one voucher per paid call, and viem's generic
 * hashTypedData re-derives the types and the domain every time.
 */
export function voucherDigest(
  voucher: Omit<SignedVoucher, "signature">,
  domain: ChannelDomain,
): Hex {
  const key = `${domain.chainId}:${domain.verifyingContract.toLowerCase()}`;
  let separator = separators.get(key);
  if (!separator) {
    separator = hashDomain({
      domain: {
        ...BATCH_SETTLEMENT_DOMAIN,
        chainId: BigInt(domain.chainId),
        verifyingContract: domain.verifyingContract,
      },
      types: {
        EIP712Domain: [
          { name: "name", type: "string" },
          { name: "version", type: "string" },
          { name: "chainId", type: "uint256" },
          { name: "verifyingContract", type: "address" },
        ],
      },
    });
    separators.set(key, separator);
  }
  const structHash = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint128" }],
      [VOUCHER_TYPEHASH, voucher.channelId, voucher.maxClaimableAmount],
    ),
  );
  return keccak256(concatHex(["0x1901", separator, structHash]));
}

/** The address that signed `voucher` (compare with payerAuthorizer, or payer when that is zero). */
export function recoverVoucherSigner(
  voucher: SignedVoucher,
  domain: ChannelDomain,
): Promise<Address> {
  return recoverAddress({ hash: voucherDigest(voucher, domain), signature: voucher.signature });
}

/** The key expected to sign a channel's vouchers. */
export function voucherSignerOf(config: ChannelConfig): Address {
  return /^0x0{40}$/i.test(config.payerAuthorizer) ? config.payer : config.payerAuthorizer;
}

/** True when `voucher` is for `config`'s channel and signed by its voucher key (EOA signatures). */
export async function verifyVoucher(
  voucher: SignedVoucher,
  config: ChannelConfig,
  domain: ChannelDomain,
): Promise<boolean> {
  if (computeChannelId(config, domain).toLowerCase() !== voucher.channelId.toLowerCase())
    return false;
  try {
    const signer = await recoverVoucherSigner(voucher, domain);
    return signer.toLowerCase() === voucherSignerOf(config).toLowerCase();
  } catch {
    return false;
  }
}
