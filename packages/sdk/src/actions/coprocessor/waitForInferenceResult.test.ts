import { describe, expect, it } from "vitest";
import { inferenceWaitDeadline } from "./waitForInferenceResult.js";

describe("waitForInferenceResult's default deadline", () => {
  it("is the grace from now without a claim", () => {
    expect(inferenceWaitDeadline({ nowMs: 1_000, graceMs: 120_000 })).toBe(121_000);
  });

  it("follows an optimistic claim's window longer than the grace, on the chain's clock", () => {
    // A one-hour window with 3,000 s left on the chain: the wait lasts until then plus the grace.
    expect(
      inferenceWaitDeadline({
        nowMs: 1_000,
        graceMs: 120_000,
        windowEnds: 10_000n,
        chainNow: 7_000n,
      }),
    ).toBe(1_000 + 3_000_000 + 120_000);
    // The chain's clock runs ahead of the local one (a devnet after evm_increaseTime): what counts
    // is the time left on the chain, not the window's end read as a local time.
    expect(
      inferenceWaitDeadline({
        nowMs: 1_000,
        graceMs: 5_000,
        windowEnds: 2_000_000_030n,
        chainNow: 2_000_000_000n,
      }),
    ).toBe(1_000 + 30_000 + 5_000);
  });

  it("never ends before the grace, even when the window has passed", () => {
    expect(
      inferenceWaitDeadline({ nowMs: 1_000, graceMs: 120_000, windowEnds: 5n, chainNow: 9n }),
    ).toBe(121_000);
  });
});
