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

export type AcceptResultParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
};
export type AcceptResultReturnType = Hash;
export type AcceptResultErrorType = ContractRevertError | BaseError;

/** Accepts a submitted result: the tenant at any time, anyone after the dispute window. */
export function acceptResult(
  client: NoosWalletClient,
  params: AcceptResultParameters,
): Promise<AcceptResultReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "acceptResult",
    args: [params.leaseId],
  });
}

export type AcceptResultAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "LeaseClosed">;
};

/** `acceptResult`, then waits for the receipt and returns the decoded `LeaseClosed` event. */
export async function acceptResultAndWait(
  client: NoosWalletClient,
  params: AcceptResultParameters,
): Promise<AcceptResultAndWaitReturnType> {
  const result = await waitForEvents(client, await acceptResult(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "LeaseClosed") };
}
