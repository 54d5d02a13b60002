import type { Address } from "viem";
import type { NoosReadClient } from "../../client.js";
import { BaseError } from "../../errors.js";
import { getInferenceRequest, type InferenceRequest } from "./getInferenceRequest.js";

export type WaitForInferenceResultParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  requestId: bigint;
  /** Default 1. */
  interval?: number;
  /** Give up after this many milliseconds. Default 120,000. */
  timeoutMs?: number;
  /** Poll period. Default 250 ms. */
  pollMs?: number;
  fromBlock?: bigint;
};

/**
 * Polls until the interval settles (delivered, disputed or refunded) and returns it; throws
 * after `timeoutMs`.
 */
export async function waitForInferenceResult(
  client: NoosReadClient,
  params: WaitForInferenceResultParameters,
): Promise<InferenceRequest> {
  const deadline = Date.now() + (params.timeoutMs ?? 120_000);
  for (;;) {
    const r = await getInferenceRequest(client, params);
    // A delivered interval is returned with its output: if the RPC's log index lagged the state
    // just read (seen once on anvil), the next poll finds the OutputDelivered log.
    // "verifying": an optimistic delivery waits for its claim's window (settleOptimisticInference).
    const settled = r.status !== "pending" && r.status !== "none" && r.status !== "verifying";
    if (settled && (r.status !== "delivered" || r.output !== undefined)) return r;
    if (Date.now() > deadline) {
      throw new BaseError(
        `Coprocessor request ${params.requestId} (interval ${params.interval ?? 1}) not settled after ${params.timeoutMs ?? 120_000} ms (status ${r.status}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, params.pollMs ?? 250));
  }
}
