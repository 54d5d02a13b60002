import { InvalidParameterError } from "@noosphere/sdk";
import { describe, expect, it } from "vitest";
import { retryDelay, withRetry } from "./retry.js";

describe("withRetry", () => {
  it("retries with exponential backoff until the call succeeds", async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async ({ attempt }) => {
        calls++;
        if (attempt < 4) throw new Error(`fail ${attempt}`);
        return "ok";
      },
      { minDelayMs: 1, onRetry: (_err, _attempt, delayMs) => delays.push(delayMs) },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(4);
    expect(delays).toEqual([1, 2, 4]);
  });

  it("rethrows the last error once the attempts are used up", async () => {
    let calls = 0;
    const err = await withRetry(
      async ({ attempt }) => {
        calls++;
        throw new Error(`fail ${attempt}`);
      },
      { attempts: 3, minDelayMs: 1 },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect((err as Error).message).toBe("fail 3");
  });

  it("stops at once when retryIf says the error is permanent", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TypeError("bad input");
        },
        { minDelayMs: 1, retryIf: (e) => !(e instanceof TypeError) },
      ),
    ).rejects.toThrow("bad input");
    expect(calls).toBe(1);
  });

  it("gives up on abort, during the wait between attempts, with the signal's reason", async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const pending = withRetry(
      async () => {
        calls++;
        throw new Error("down");
      },
      { minDelayMs: 10_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("shutting down")), 20);
    await expect(pending).rejects.toThrow("shutting down");
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);

    await expect(withRetry(async () => "never", { signal: AbortSignal.abort() })).rejects.toThrow(
      /aborted/,
    );
  });

  it("caps the delay and rejects a nonsensical attempt count", async () => {
    expect([1, 2, 3, 10].map((n) => retryDelay(n, { minDelayMs: 100, maxDelayMs: 300 }))).toEqual([
      100, 200, 300, 300,
    ]);
    await expect(withRetry(async () => 1, { attempts: 0 })).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
  });
});
