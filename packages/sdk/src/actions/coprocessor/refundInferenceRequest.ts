import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import type { CoprocessorRequest } from "./types.js";

export type RefundInferenceRequestParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  request: CoprocessorRequest;
  /** Default 1. */
  interval?: number;
};
export type RefundInferenceRequestReturnType = Hash;
export type RefundInferenceRequestErrorType = ContractRevertError | BaseError;

/** Refunds an interval not settled by its deadline to the requester's escrow (anyone may call). */
export function refundInferenceRequest(
  client: NoosWalletClient,
  params: RefundInferenceRequestParameters,
): Promise<RefundInferenceRequestReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "refund",
    args: [params.request, params.interval ?? 1],
  });
}

export type RefundInferenceRequestAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "RequestRefunded">;
};

/** `refundInferenceRequest`, then waits for the receipt and returns the decoded `RequestRefunded` event. */
export async function refundInferenceRequestAndWait(
  client: NoosWalletClient,
  params: RefundInferenceRequestParameters,
): Promise<RefundInferenceRequestAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await refundInferenceRequest(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "RequestRefunded") };
}
