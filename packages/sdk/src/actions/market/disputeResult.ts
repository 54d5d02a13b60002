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

export type DisputeResultParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
};
export type DisputeResultReturnType = Hash;
export type DisputeResultErrorType = ContractRevertError | BaseError;

/** The tenant disputes a submitted result within the dispute window. */
export function disputeResult(
  client: NoosWalletClient,
  params: DisputeResultParameters,
): Promise<DisputeResultReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "disputeResult",
    args: [params.leaseId],
  });
}

export type DisputeResultAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "ResultDisputed">;
};

/** `disputeResult`, then waits for the receipt and returns the decoded `ResultDisputed` event. */
export async function disputeResultAndWait(
  client: NoosWalletClient,
  params: DisputeResultParameters,
): Promise<DisputeResultAndWaitReturnType> {
  const result = await waitForEvents(client, await disputeResult(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "ResultDisputed") };
}
