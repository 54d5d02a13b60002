/**
 * The seam between the inference server (server.ts) and the x402 paywall (x402Paywall.ts).
 * Server flow: authorize → if !ok reply with status/headers/JSON body → run inference →
 * on 2xx set PAYMENT-RESPONSE to `await charge.commit()`; on any error `charge.release()`.
 * Unpaid services (no per-call price) pass no paywall.
 */
export type PaywallRequest = {
  /** OIP model name. */
  model: string;
  /** Batch rows in this call (price is per 1,000 samples). */
  samples: number;
  /** Full URL of the call. */
  resource: string;
  /** Lower-cased request headers (payment-signature, ...). */
  headers: Record<string, string | undefined>;
};

export type PaywallDecision =
  | { ok: true; charge: PendingCharge }
  | { ok: false; status: 400 | 402 | 409; headers: Record<string, string>; body: unknown };

export type PendingCharge = {
  amount: bigint;
  release: () => void;
  /** after a 2xx: commit, returns the PAYMENT-RESPONSE header value */
  commit: () => Promise<string>;
};

export interface Paywall {
  authorize(req: PaywallRequest): Promise<PaywallDecision>;
  /** Flush persisted vouchers; stop claim timers. */
  close(): Promise<void>;
}
