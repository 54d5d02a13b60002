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
import { type ChannelClaim, claimArg } from "./types.js";

export type ClaimChannelsParameters = {
  /** PaymentChannels address. */
  address: Address;
  /** One row per channel: its latest voucher and the new cumulative total to claim. */
  claims: readonly ChannelClaim[];
};
export type ClaimChannelsReturnType = Hash;
export type ClaimChannelsErrorType = ContractRevertError | BaseError;

/** The receiver (or receiverAuthorizer) claims the latest voucher of many channels in one transaction. */
export function claimChannels(
  client: NoosWalletClient,
  params: ClaimChannelsParameters,
): Promise<ClaimChannelsReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "claim",
    args: [params.claims.map(claimArg)],
  });
}

export type ClaimChannelsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "Claimed"> | undefined;
};

/** `claimChannels`, then waits for the receipt and returns the decoded `Claimed` event (if any). */
export async function claimChannelsAndWait(
  client: NoosWalletClient,
  params: ClaimChannelsParameters,
): Promise<ClaimChannelsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await claimChannels(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "Claimed") };
}
