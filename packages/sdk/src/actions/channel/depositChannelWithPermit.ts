import { type Address, type Hash, parseSignature } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { noosTokenAbi, paymentChannelsAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type ChannelConfig, configArg } from "./types.js";

export type DepositChannelWithPermitParameters = {
  /** PaymentChannels address. */
  address: Address;
  config: ChannelConfig;
  /** In wei. */
  amount: bigint;
  /** Permit deadline, unix seconds. Default: one hour from now. */
  deadline?: bigint | undefined;
};
export type DepositChannelWithPermitReturnType = Hash;
export type DepositChannelWithPermitErrorType = ContractRevertError | BaseError;

/**
 * Deposits with an EIP-2612 permit signed by the caller: one transaction, no approve
 * (NOOS has permits; the token's EIP-712 domain is read from it, ERC-5267).
 */
export async function depositChannelWithPermit(
  client: NoosWalletClient,
  params: DepositChannelWithPermitParameters,
): Promise<DepositChannelWithPermitReturnType> {
  const token = params.config.token;
  const owner = client.account.address;
  const [domain, nonce] = await Promise.all([
    readContract(client, { address: token, abi: noosTokenAbi, functionName: "eip712Domain" }),
    readContract(client, {
      address: token,
      abi: noosTokenAbi,
      functionName: "nonces",
      args: [owner],
    }),
  ]);
  const deadline = params.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600);
  const signature = await client.signTypedData({
    account: client.account,
    domain: {
      name: domain[1],
      version: domain[2],
      chainId: domain[3],
      verifyingContract: domain[4],
    },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner, spender: params.address, value: params.amount, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "depositWithPermit",
    args: [
      configArg(params.config),
      params.amount,
      deadline,
      Number(v ?? BigInt(yParity + 27)),
      r,
      s,
    ],
  });
}

export type DepositChannelWithPermitAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "Deposited"> | undefined;
};

/** `depositChannelWithPermit`, then waits for the receipt and returns the `Deposited` event. */
export async function depositChannelWithPermitAndWait(
  client: NoosWalletClient,
  params: DepositChannelWithPermitParameters,
): Promise<DepositChannelWithPermitAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await depositChannelWithPermit(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "Deposited") };
}
