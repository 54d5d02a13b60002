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

export type SettleChannelsParameters = {
  /** PaymentChannels address. */
  address: Address;
  receiver: Address;
  token: Address;
};
export type SettleChannelsReturnType = Hash;
export type SettleChannelsErrorType = ContractRevertError | BaseError;

/** Transfers everything `receiver` has claimed in `token` (permissionless; a no-op when nothing is owed). */
export function settleChannels(
  client: NoosWalletClient,
  params: SettleChannelsParameters,
): Promise<SettleChannelsReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "settle",
    args: [params.receiver, params.token],
  });
}

export type SettleChannelsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "Settled"> | undefined;
};

/** `settleChannels`, then waits for the receipt and returns the decoded `Settled` event (if any). */
export async function settleChannelsAndWait(
  client: NoosWalletClient,
  params: SettleChannelsParameters,
): Promise<SettleChannelsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await settleChannels(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "Settled") };
}
