import type { Address, Hash, Hex } from "viem";
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

export type SubmitResultParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
  /** Content id of the result. */
  resultCid: string;
  /** Hash of the result bytes, bound on chain. */
  resultHash: Hex;
  /** Provider's EIP-712 receipt (see signReceipt); needed when someone else submits. */
  receipt?: Hex | undefined;
};
export type SubmitResultReturnType = Hash;
export type SubmitResultErrorType = ContractRevertError | BaseError;

/** Submits a batch result: as the provider, or with the provider's signed receipt. */
export function submitResult(
  client: NoosWalletClient,
  params: SubmitResultParameters,
): Promise<SubmitResultReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "submitResult",
    args: [params.leaseId, params.resultCid, params.resultHash, params.receipt ?? "0x"],
  });
}

export type SubmitResultAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "ResultSubmitted">;
};

/** `submitResult`, then waits for the receipt and returns the decoded `ResultSubmitted` event. */
export async function submitResultAndWait(
  client: NoosWalletClient,
  params: SubmitResultParameters,
): Promise<SubmitResultAndWaitReturnType> {
  const result = await waitForEvents(client, await submitResult(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "ResultSubmitted") };
}
