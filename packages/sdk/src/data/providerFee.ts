import {
  type Account,
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  type LocalAccount,
  zeroAddress,
} from "viem";

/** A provider's quote for one order (IDatatoken.ProviderFee). */
export type ProviderFee = {
  providerFeeAddress: Address;
  providerFeeToken: Address;
  providerFeeAmount: bigint;
  /** Seconds of access counted from the order's inclusion; 0: never expires. */
  validity: bigint;
  /** Latest block timestamp at which the quote may be used (replay bound). */
  quoteDeadline: bigint;
  providerData: Hex;
  signature: Hex;
};

export type UnsignedProviderFee = Omit<ProviderFee, "signature">;

/**
 * What the provider signs (then with the EIP-191 prefix), exactly as `Datatoken.providerFeeDigest`:
 * keccak256(abi.encode(chainId, datatoken, consumer, serviceIndex, feeAddress, feeToken, amount,
 * validity, quoteDeadline, keccak256(providerData))).
 */
export function providerFeeDigest(args: {
  chainId: number | bigint;
  datatoken: Address;
  consumer: Address;
  serviceIndex: number;
  fee: UnsignedProviderFee;
}): Hex {
  const { fee } = args;
  return keccak256(
    encodeAbiParameters(
      [
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "uint32" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint64" },
        { type: "uint64" },
        { type: "bytes32" },
      ],
      [
        BigInt(args.chainId),
        args.datatoken,
        args.consumer,
        args.serviceIndex,
        fee.providerFeeAddress,
        fee.providerFeeToken,
        fee.providerFeeAmount,
        fee.validity,
        fee.quoteDeadline,
        keccak256(fee.providerData),
      ],
    ),
  );
}

/** Signs a quote with the provider's key (EIP-191 over the digest). */
export async function signProviderFee(args: {
  account: LocalAccount;
  chainId: number | bigint;
  datatoken: Address;
  consumer: Address;
  serviceIndex: number;
  fee: Omit<UnsignedProviderFee, "providerFeeAddress"> & { providerFeeAddress?: Address };
}): Promise<ProviderFee> {
  const fee: UnsignedProviderFee = {
    ...args.fee,
    providerFeeAddress: args.fee.providerFeeAddress ?? args.account.address,
  };
  const digest = providerFeeDigest({ ...args, fee });
  const signature = await args.account.signMessage({ message: { raw: digest } });
  return { ...fee, signature };
}

/** A free quote (no fee token, amount 0) from `account`, valid `validity` seconds from inclusion. */
export function freeQuote(
  provider: Account | Address,
  validity: bigint,
  quoteDeadline: bigint,
): Omit<UnsignedProviderFee, "providerFeeAddress"> & { providerFeeAddress: Address } {
  const providerFeeAddress = typeof provider === "string" ? provider : provider.address;
  return {
    providerFeeAddress,
    providerFeeToken: zeroAddress,
    providerFeeAmount: 0n,
    validity,
    quoteDeadline,
    providerData: "0x",
  };
}
