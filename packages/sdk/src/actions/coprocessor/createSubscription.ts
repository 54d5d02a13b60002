import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import {
  type CoprocessorInput,
  type CoprocessorVerification,
  toInputStruct,
  verificationIndex,
} from "./types.js";

export type CreateSubscriptionParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  modelId: bigint;
  input: CoprocessorInput;
  /** Default "none". */
  verification?: CoprocessorVerification;
  /** Default 1 (2 for redundant). */
  redundancy?: number;
  token: Address;
  /** Most paid per delivery, in wei. */
  feeCap: bigint;
  /** Gas for each callback; 0 (default): no callback. */
  callbackGasLimit?: number;
  /** First interval's start, unix seconds; 0 or omitted: now. */
  activeAt?: bigint;
  /** Seconds between intervals (> 0). */
  period: number;
  /** Number of intervals (> 0). */
  frequency: number;
  /** Seconds after each interval's start until its deadline (> 0). */
  timeout: number;
};
export type CreateSubscriptionReturnType = Hash;
export type CreateSubscriptionErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Subscribes the caller to `frequency` inferences, one per `period` (Infernet intervals, numbered
 * from 1). Each interval locks `feeCap * redundancy` of the caller's escrow at its first delivery.
 */
export async function createSubscription(
  client: NoosWalletClient,
  params: CreateSubscriptionParameters,
): Promise<CreateSubscriptionReturnType> {
  for (const field of ["period", "frequency", "timeout"] as const) {
    const v = params[field];
    if (!Number.isInteger(v) || v <= 0 || v > 0xffffffff) {
      throw new InvalidParameterError({ field, expected: "a positive uint32", received: v });
    }
  }
  const verification = params.verification ?? "none";
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "request",
    args: [
      {
        modelId: params.modelId,
        input: toInputStruct(params.input),
        verification: verificationIndex(verification),
        redundancy: params.redundancy ?? (verification === "redundant" ? 2 : 1),
        paymentToken: params.token,
        feeCap: params.feeCap,
        callbackGasLimit: params.callbackGasLimit ?? 0,
        deadline: BigInt(params.timeout),
        activeAt: params.activeAt ?? 0n,
        period: params.period,
        frequency: params.frequency,
      },
    ],
  });
}

export type CreateSubscriptionAndWaitReturnType = WaitResult & {
  subscriptionId: bigint;
  event: EventArgs<typeof coprocessorCoordinatorAbi, "RequestCreated">;
};

/** `createSubscription`, then waits and returns the subscription id and its `RequestCreated`. */
export async function createSubscriptionAndWait(
  client: NoosWalletClient,
  params: CreateSubscriptionParameters,
): Promise<CreateSubscriptionAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await createSubscription(client, params),
    coprocessorCoordinatorAbi,
  );
  const event = eventArgs(result, coprocessorCoordinatorAbi, "RequestCreated");
  return { ...result, subscriptionId: event.requestId, event };
}
