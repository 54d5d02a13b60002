import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type SweepFeesParameters = {
  /** ComputeMarket address. */
  address: Address;
  token: Address;
};
export type SweepFeesReturnType = Hash;
export type SweepFeesErrorType = ContractRevertError | BaseError;

/** Sends the protocol fees in `token` to the treasury. Anyone may call. */
export function sweepFees(
  client: NoosWalletClient,
  params: SweepFeesParameters,
): Promise<SweepFeesReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "sweepFees",
    args: [params.token],
  });
}

export type SweepFeesAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "FeesSwept">;
};

/** `sweepFees`, then waits for the receipt and returns the decoded `FeesSwept` event. */
export async function sweepFeesAndWait(
  client: NoosWalletClient,
  params: SweepFeesParameters,
): Promise<SweepFeesAndWaitReturnType> {
  const result = await waitForEvents(client, await sweepFees(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "FeesSwept") };
}
