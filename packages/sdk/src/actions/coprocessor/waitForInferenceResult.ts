import type { Address } from "viem";
import { getBlock } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { BaseError } from "../../errors.js";
import { getClaim } from "../verify/getClaim.js";
import { getInferenceRequest, type InferenceRequest } from "./getInferenceRequest.js";
import { getOptimisticDelivery } from "./getOptimisticDelivery.js";

export type WaitForInferenceResultParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  requestId: bigint;
  /** Default 1. */
  interval?: number;
  /**
   * Give up after this many milliseconds, whatever the request. Default: `graceMs` from now, and
   * while an optimistic delivery waits out its claim's challenge window, `graceMs` after the
   * window ends (a window longer than the grace does not time the wait out).
   */
  timeoutMs?: number;
  /** How long the default timeout waits beyond a known end (now, or a claim's window). Default 120,000. */
  graceMs?: number;
  /** Poll period. Default 250 ms. */
  pollMs?: number;
  fromBlock?: bigint;
};

/**
 * The default deadline (unix ms) of a wait: `graceMs` after `nowMs`, or for an optimistic claim
 * whose window ends at chain time `windowEnds` (unix s; the chain's clock reads `chainNow`), the
 * window's end in local time plus `graceMs`, whichever is later.
 */
export function inferenceWaitDeadline(p: {
  nowMs: number;
  graceMs: number;
  windowEnds?: bigint;
  chainNow?: bigint;
}): number {
  const base = p.nowMs + p.graceMs;
  if (p.windowEnds === undefined || p.chainNow === undefined) return base;
  const left = p.windowEnds > p.chainNow ? Number(p.windowEnds - p.chainNow) * 1000 : 0;
  return Math.max(base, p.nowMs + left + p.graceMs);
}

/**
 * Polls until the interval settles (delivered, disputed or refunded) and returns it; throws
 * after `timeoutMs`, by default `graceMs` (120 s) from now or from the end of the optimistic
 * claim's challenge window the interval waits for.
 */
export async function waitForInferenceResult(
  client: NoosReadClient,
  params: WaitForInferenceResultParameters,
): Promise<InferenceRequest> {
  const graceMs = params.graceMs ?? 120_000;
  let deadline =
    params.timeoutMs !== undefined
      ? Date.now() + params.timeoutMs
      : inferenceWaitDeadline({ nowMs: Date.now(), graceMs });
  let followedClaim = false;
  for (;;) {
    const r = await getInferenceRequest(client, params);
    // A delivered interval is returned with its output: if the RPC's log index lagged the state
    // just read (seen once on anvil), the next poll finds the OutputDelivered log.
    // "verifying": an optimistic delivery waits for its claim's window (settleOptimisticInference).
    const settled = r.status !== "pending" && r.status !== "none" && r.status !== "verifying";
    if (settled && (r.status !== "delivered" || r.output !== undefined)) return r;
    if (r.status === "verifying" && params.timeoutMs === undefined && !followedClaim) {
      // Once: the claim's window, on the chain's clock.
      followedClaim = true;
      const delivery = await getOptimisticDelivery(client, {
        address: params.address,
        requestId: params.requestId,
        interval: params.interval ?? 1,
      });
      if (delivery.claimId !== 0n) {
        const [claim, block] = await Promise.all([
          getClaim(client, { address: delivery.verifier, claimId: delivery.claimId }),
          getBlock(client, { blockTag: "latest" }),
        ]);
        deadline = Math.max(
          deadline,
          inferenceWaitDeadline({
            nowMs: Date.now(),
            graceMs,
            windowEnds: BigInt(claim.windowEnds),
            chainNow: block.timestamp,
          }),
        );
      }
    }
    if (Date.now() > deadline) {
      throw new BaseError(
        `Coprocessor request ${params.requestId} (interval ${params.interval ?? 1}) not settled after ${params.timeoutMs ?? graceMs} ms${followedClaim ? " past its claim's window" : ""} (status ${r.status}).`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, params.pollMs ?? 250));
  }
}
