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

export type RefundChannelParameters = {
  /** PaymentChannels address. */
  address: Address;
  config: ChannelConfig;
  /** In wei; capped at the unclaimed balance. */
  amount: bigint;
};
export type RefundChannelReturnType = Hash;
export type RefundChannelErrorType = ContractRevertError | BaseError;

/** The receiver side returns unclaimed escrow to the payer (cooperative close). */
export function refundChannel(
  client: NoosWalletClient,
  params: RefundChannelParameters,
): Promise<RefundChannelReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "refund",
    args: [configArg(params.config), params.amount],
  });
}

export type RefundChannelAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "Refunded"> | undefined;
};

/** `refundChannel`, then waits for the receipt and returns the decoded `Refunded` event (if any). */
export async function refundChannelAndWait(
  client: NoosWalletClient,
  params: RefundChannelParameters,
): Promise<RefundChannelAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await refundChannel(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "Refunded") };
}
