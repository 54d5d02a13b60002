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

export type CloseLeaseParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
};
export type CloseLeaseReturnType = Hash;
export type CloseLeaseErrorType = ContractRevertError | BaseError;

/**
 * Tenant or provider closes an active lease; the escrow left is credited to the tenant's market
 * balance. A tenant closing a batch job early pays `pricePerSecond x` the time worked; a provider
 * giving one up is paid nothing and forfeits `elapsed / jobTimeout` of its slashable stake.
 */
export function closeLease(
  client: NoosWalletClient,
  params: CloseLeaseParameters,
): Promise<CloseLeaseReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "closeLease",
    args: [params.leaseId],
  });
}

export type CloseLeaseAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseClosed">;
};

/** `closeLease`, then waits for the receipt and returns the decoded `LeaseClosed` event. */
export async function closeLeaseAndWait(
  client: NoosWalletClient,
  params: CloseLeaseParameters,
): Promise<CloseLeaseAndWaitReturnType> {
  const result = await waitForEvents(client, await closeLease(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "LeaseClosed") };
}
