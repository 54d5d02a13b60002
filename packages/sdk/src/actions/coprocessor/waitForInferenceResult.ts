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
    if (r.status !== "pending" && r.status !== "none") return r;
    if (Date.now() > deadline) {
      throw new BaseError(
        `Coprocessor request ${params.requestId} (interval ${params.interval ?? 1}) not settled after ${params.timeoutMs ?? 120_000} ms (status ${r.status}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, params.pollMs ?? 250));
  }
}
