import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type SettleLeaseParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
};
export type SettleLeaseReturnType = Hash;
export type SettleLeaseErrorType = ContractRevertError | BaseError;

/** Accrues the lease up to now. Anyone may call. */
export function settleLease(
  client: NoosWalletClient,
  params: SettleLeaseParameters,
): Promise<SettleLeaseReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "settle",
    args: [params.leaseId],
  });
}

export type SettleLeaseAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseSettled"> | undefined;
};

/** `settleLease`, then waits for the receipt and returns the decoded `LeaseSettled` event. */
export async function settleLeaseAndWait(
  client: NoosWalletClient,
  params: SettleLeaseParameters,
): Promise<SettleLeaseAndWaitReturnType> {
  const result = await waitForEvents(client, await settleLease(client, params), computeMarketAbi);
  return { ...result, event: findEventArgs(result, computeMarketAbi, "LeaseSettled") };
}
