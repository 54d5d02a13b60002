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

export type InitiateChannelWithdrawParameters = {
  /** PaymentChannels address. */
  address: Address;
  config: ChannelConfig;
  /** In wei, at most the unclaimed balance. */
  amount: bigint;
};
export type InitiateChannelWithdrawReturnType = Hash;
export type InitiateChannelWithdrawErrorType = ContractRevertError | BaseError;

/** The payer starts a timed withdrawal; the receiver may still claim until the delay ends. */
export function initiateChannelWithdraw(
  client: NoosWalletClient,
  params: InitiateChannelWithdrawParameters,
): Promise<InitiateChannelWithdrawReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "initiateWithdraw",
    args: [configArg(params.config), params.amount],
  });
}

export type InitiateChannelWithdrawAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "WithdrawInitiated"> | undefined;
};

/** `initiateChannelWithdraw`, then waits for the receipt and returns the decoded `WithdrawInitiated` event (if any). */
export async function initiateChannelWithdrawAndWait(
  client: NoosWalletClient,
  params: InitiateChannelWithdrawParameters,
): Promise<InitiateChannelWithdrawAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await initiateChannelWithdraw(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "WithdrawInitiated") };
}
