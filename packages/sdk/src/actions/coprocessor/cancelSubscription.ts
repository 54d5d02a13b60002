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

export type CancelSubscriptionParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  /** The committed subscription (`getInferenceRequest(...).request`). */
  request: CoprocessorRequest;
};
export type CancelSubscriptionReturnType = Hash;
export type CancelSubscriptionErrorType = ContractRevertError | BaseError;

/** Stops the caller's subscription after its current interval (an open interval still runs). */
export function cancelSubscription(
  client: NoosWalletClient,
  params: CancelSubscriptionParameters,
): Promise<CancelSubscriptionReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "cancelSubscription",
    args: [params.request],
  });
}

export type CancelSubscriptionAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "SubscriptionCanceled">;
};

/** `cancelSubscription`, then waits for the receipt and returns the decoded `SubscriptionCanceled` event. */
export async function cancelSubscriptionAndWait(
  client: NoosWalletClient,
  params: CancelSubscriptionParameters,
): Promise<CancelSubscriptionAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await cancelSubscription(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "SubscriptionCanceled") };
}
