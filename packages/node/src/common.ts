// The one `common` every daemon gets: logger, shutdown signal, and a place for metrics.
import pino, { type Logger } from "pino";

export type Common = {
  logger: Logger;
  /** Aborted on SIGINT/SIGTERM or by `shutdown()`; every loop and request listens to it. */
  signal: AbortSignal;
  shutdown: (reason?: string) => void;
  /** Counters shown on /status. */
  metrics: Map<string, number>;
};

export type CreateCommonParameters = {
  logLevel?: string | undefined;
  /** Install SIGINT/SIGTERM handlers. Default true. */
  handleSignals?: boolean | undefined;
  name?: string | undefined;
};

export function createCommon(parameters: CreateCommonParameters = {}): Common {
  const controller = new AbortController();
  const logger = pino({
    name: parameters.name ?? "noos",
    level: parameters.logLevel ?? process.env.NOOS_LOG_LEVEL ?? "info",
  });
  const shutdown = (reason = "shutdown") => {
    if (controller.signal.aborted) return;
    logger.info({ reason }, "shutting down");
    controller.abort(new Error(reason));
  };
  if (parameters.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals) => shutdown(signal);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    controller.signal.addEventListener("abort", () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    });
  }
  return { logger, signal: controller.signal, shutdown, metrics: new Map() };
}

/** Adds `by` to a counter. */
export function count(common: Common, name: string, by = 1): void {
  common.metrics.set(name, (common.metrics.get(name) ?? 0) + by);
}
