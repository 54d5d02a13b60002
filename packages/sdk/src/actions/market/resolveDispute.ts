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

export type ResolveDisputeParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
  providerWins: boolean;
};
export type ResolveDisputeReturnType = Hash;
export type ResolveDisputeErrorType = ContractRevertError | BaseError;

/** The arbiter settles a disputed result. */
export function resolveDispute(
  client: NoosWalletClient,
  params: ResolveDisputeParameters,
): Promise<ResolveDisputeReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "resolveDispute",
    args: [params.leaseId, params.providerWins],
  });
}

export type ResolveDisputeAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseClosed">;
};

/** `resolveDispute`, then waits for the receipt and returns the decoded `LeaseClosed` event. */
export async function resolveDisputeAndWait(
  client: NoosWalletClient,
  params: ResolveDisputeParameters,
): Promise<ResolveDisputeAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await resolveDispute(client, params),
    computeMarketAbi,
  );
  return { ...result, event: eventArgs(result, computeMarketAbi, "LeaseClosed") };
}
