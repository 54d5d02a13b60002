import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { paymentChannelsAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { signPermit } from "../token/signPermit.js";
import { type ChannelConfig, configArg } from "./types.js";

export type DepositChannelWithPermitParameters = {
  /** PaymentChannels address. */
  address: Address;
  config: ChannelConfig;
  /** In wei. */
  amount: bigint;
  /** Permit deadline, unix seconds. Default: one hour after the chain's latest block. */
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
  const { deadline, v, r, s } = await signPermit(client, {
    token: params.config.token,
    spender: params.address,
    value: params.amount,
    deadline: params.deadline,
  });
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "depositWithPermit",
    args: [configArg(params.config), params.amount, deadline, v, r, s],
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
