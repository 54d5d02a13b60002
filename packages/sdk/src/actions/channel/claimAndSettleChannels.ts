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

export type ClaimAndSettleChannelsParameters = {
  /** PaymentChannels address. */
  address: Address;
  /** One row per channel: its latest voucher and the new cumulative total to claim. */
  claims: readonly ChannelClaim[];
};
export type ClaimAndSettleChannelsReturnType = Hash;
export type ClaimAndSettleChannelsErrorType = ContractRevertError | BaseError;

/** `claimChannels`, then the receiver is paid what it claimed, in the same transaction (what 1,000 paid calls cost on chain). */
export function claimAndSettleChannels(
  client: NoosWalletClient,
  params: ClaimAndSettleChannelsParameters,
): Promise<ClaimAndSettleChannelsReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: paymentChannelsAbi,
    functionName: "claimAndSettle",
    args: [params.claims.map(claimArg)],
  });
}

export type ClaimAndSettleChannelsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof paymentChannelsAbi, "Claimed"> | undefined;
};

/** `claimAndSettleChannels`, then waits for the receipt and returns the decoded `Claimed` event (if any). */
export async function claimAndSettleChannelsAndWait(
  client: NoosWalletClient,
  params: ClaimAndSettleChannelsParameters,
): Promise<ClaimAndSettleChannelsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await claimAndSettleChannels(client, params),
    paymentChannelsAbi,
  );
  return { ...result, event: findEventArgs(result, paymentChannelsAbi, "Claimed") };
}
