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

export type ExpireLeaseParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
};
export type ExpireLeaseReturnType = Hash;
export type ExpireLeaseErrorType = ContractRevertError | BaseError;

/**
 * After a batch deadline without a result (or a committed grouped lease's reveal window without a
 * reveal), credits the tenant its escrow in full and slashes `missedDeadlineSlashBps` of
 * `minProviderStake` from the provider; the caller gets the reporter's share. Anyone may call.
 */
export function expireLease(
  client: NoosWalletClient,
  params: ExpireLeaseParameters,
): Promise<ExpireLeaseReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "expireLease",
    args: [params.leaseId],
  });
}

export type ExpireLeaseAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseClosed">;
};

/** `expireLease`, then waits for the receipt and returns the decoded `LeaseClosed` event. */
export async function expireLeaseAndWait(
  client: NoosWalletClient,
  params: ExpireLeaseParameters,
): Promise<ExpireLeaseAndWaitReturnType> {
  const result = await waitForEvents(client, await expireLease(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "LeaseClosed") };
}
