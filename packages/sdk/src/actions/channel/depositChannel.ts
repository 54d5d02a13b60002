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
import { type ChannelConfig, configArg } from "./types.js";

export type DepositChannelParameters = {
  /** PaymentChannels address. */
  address: Address;
  config: ChannelConfig;
  /** In wei; approve the PaymentChannels contract first (or use depositChannelWithPermit). */
  amount: bigint;
};
export type DepositChannelReturnType = Hash;
export type DepositChannelErrorType = ContractRevertError | BaseError;

/** Deposits into a channel (opens it on the first deposit). Anyone may top up; the escrow belongs to config.payer. */
export function depositChannel(
  client: NoosWalletClient,
  params: DepositChannelParameters,
): Promise<DepositChannelReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "deposit",
    args: [configArg(params.config), params.amount],
  });
}

export type DepositChannelAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "Deposited"> | undefined;
};

/** `depositChannel`, then waits for the receipt and returns the decoded `Deposited` event (if any). */
export async function depositChannelAndWait(
  client: NoosWalletClient,
  params: DepositChannelParameters,
): Promise<DepositChannelAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await depositChannel(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "Deposited") };
}
