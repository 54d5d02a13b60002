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

export type FinalizeChannelWithdrawParameters = {
  /** PaymentChannels address. */
  address: Address;
  config: ChannelConfig;
};
export type FinalizeChannelWithdrawReturnType = Hash;
export type FinalizeChannelWithdrawErrorType = ContractRevertError | BaseError;

/** After the delay, the payer takes back what is still unclaimed (up to the amount asked). */
export function finalizeChannelWithdraw(
  client: NoosWalletClient,
  params: FinalizeChannelWithdrawParameters,
): Promise<FinalizeChannelWithdrawReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "finalizeWithdraw",
    args: [configArg(params.config)],
  });
}

export type FinalizeChannelWithdrawAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "WithdrawFinalized"> | undefined;
};

/** `finalizeChannelWithdraw`, then waits for the receipt and returns the decoded `WithdrawFinalized` event (if any). */
export async function finalizeChannelWithdrawAndWait(
  client: NoosWalletClient,
  params: FinalizeChannelWithdrawParameters,
): Promise<FinalizeChannelWithdrawAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await finalizeChannelWithdraw(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "WithdrawFinalized") };
}
