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

export type WithdrawBalanceParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** Payment token. */
  token: Address;
};
export type WithdrawBalanceReturnType = Hash;
export type WithdrawBalanceErrorType = ContractRevertError | BaseError;

/**
 * Pays the caller's whole market balance of `token` out to it: a provider's pay (net of the
 * fee), a tenant's refunds and unspent funds. `MarketNothingToWithdraw` when it is 0.
 */
export function withdrawBalance(
  client: NoosWalletClient,
  params: WithdrawBalanceParameters,
): Promise<WithdrawBalanceReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "withdraw",
    args: [params.token],
  });
}

export type WithdrawBalanceAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "Withdrawn">;
};

/** `withdrawBalance`, then waits for the receipt and returns the decoded `Withdrawn` event. */
export async function withdrawBalanceAndWait(
  client: NoosWalletClient,
  params: WithdrawBalanceParameters,
): Promise<WithdrawBalanceAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await withdrawBalance(client, params),
    computeMarketAbi,
  );
  return { ...result, event: eventArgs(result, computeMarketAbi, "Withdrawn") };
}
