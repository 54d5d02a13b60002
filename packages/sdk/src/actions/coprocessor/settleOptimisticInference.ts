import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import { simulateAndWrite, type WaitResult, waitForEvents } from "../../internal/write.js";
import type { CoprocessorRequest } from "./types.js";

export type SettleOptimisticInferenceParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  request: CoprocessorRequest;
  /** Default 1. */
  interval?: number;
  /** The delivered output (OutputDelivered's): the callback gets it. */
  output: { values: readonly bigint[]; hash?: `0x${string}`; cid?: string };
};
export type SettleOptimisticInferenceReturnType = Hash;
export type SettleOptimisticInferenceErrorType = ContractRevertError | BaseError;

/**
 * Settles an optimistic delivery (anyone may call) once its claim's window has passed: a final
 * claim (finalized here when due) pays the node and runs the callback (`RequestFulfilled`); a
 * rejected claim refunds the requester (`RequestDisputed`). Reverts with the verifier's
 * VerifierWindowNotOver / VerifierGamesOpen before.
 */
export function settleOptimisticInference(
  client: NoosWalletClient,
  params: SettleOptimisticInferenceParameters,
): Promise<SettleOptimisticInferenceReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "settleOptimistic",
    args: [
      params.request,
      params.interval ?? 1,
      {
        values: [...params.output.values],
        hash: params.output.hash ?? `0x${"0".repeat(64)}`,
        cid: params.output.cid ?? "",
      },
    ],
  });
}

export type SettleOptimisticInferenceAndWaitReturnType = WaitResult & {
  /** "fulfilled": paid and called back; "disputed": the claim was rejected and the requester refunded. */
  outcome: "fulfilled" | "disputed";
};

/** `settleOptimisticInference`, then waits for the receipt and says how the interval settled. */
export async function settleOptimisticInferenceAndWait(
  client: NoosWalletClient,
  params: SettleOptimisticInferenceParameters,
): Promise<SettleOptimisticInferenceAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await settleOptimisticInference(client, params),
    coprocessorCoordinatorAbi,
  );
  const fulfilled = result.events.some((e) => e.eventName === "RequestFulfilled");
  return { ...result, outcome: fulfilled ? "fulfilled" : "disputed" };
}
