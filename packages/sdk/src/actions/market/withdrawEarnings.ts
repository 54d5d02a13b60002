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

export type WithdrawEarningsParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** Payment token. */
  token: Address;
};
export type WithdrawEarningsReturnType = Hash;
export type WithdrawEarningsErrorType = ContractRevertError | BaseError;

/** Sends the caller's earnings in `token` (pay and returned bid deposits) to the caller. */
export function withdrawEarnings(
  client: NoosWalletClient,
  params: WithdrawEarningsParameters,
): Promise<WithdrawEarningsReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "withdraw",
    args: [params.token],
  });
}

export type WithdrawEarningsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "EarningsWithdrawn">;
};

/** `withdrawEarnings`, then waits for the receipt and returns the decoded `EarningsWithdrawn` event. */
export async function withdrawEarningsAndWait(
  client: NoosWalletClient,
  params: WithdrawEarningsParameters,
): Promise<WithdrawEarningsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await withdrawEarnings(client, params),
    computeMarketAbi,
  );
  return { ...result, event: eventArgs(result, computeMarketAbi, "EarningsWithdrawn") };
}
