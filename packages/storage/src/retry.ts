import { InvalidParameterError } from "@noosphere/sdk";

export type RetryOptions = {
  /** Total attempts, the first included (default 5). */
  attempts?: number | undefined;
  /** Delay before the second attempt (default 100 ms); doubles (`factor`) each time. */
  minDelayMs?: number | undefined;
  /** Cap on any one delay (default 5 s). */
  maxDelayMs?: number | undefined;
  factor?: number | undefined;
  /** Aborts the wait between attempts and is passed to each attempt. */
  signal?: AbortSignal | undefined;
  /** Whether `error` (thrown by attempt `attempt`, from 1) is worth another try; default: always. */
  retryIf?: ((error: unknown, attempt: number) => boolean) | undefined;
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
};

/** The wait before attempt `attempt + 1`: exponential, capped. */
export function retryDelay(attempt: number, options: RetryOptions = {}): number {
  const { minDelayMs = 100, maxDelayMs = 5_000, factor = 2 } = options;
  return Math.min(maxDelayMs, minDelayMs * factor ** (attempt - 1));
}

/**
 * Runs `fn` until it resolves, `retryIf` says no, or `attempts` are used up; then rethrows the
 * last error unchanged so the caller decides what "gave up" means (e.g. StoreUnavailableError).
 * An abort of `signal` stops at once with the signal's reason.
 */
export async function withRetry<T>(
  fn: (context: { attempt: number; signal: AbortSignal | undefined }) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { attempts = 5, signal, retryIf, onRetry } = options;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidParameterError({
      field: "attempts",
      expected: "a positive integer",
      received: attempts,
    });
  }
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({ attempt, signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= attempts || (retryIf && !retryIf(error, attempt))) throw error;
      const delayMs = retryDelay(attempt, options);
      onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
