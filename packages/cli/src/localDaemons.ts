// What the devnet's local daemons (providers, coprocessor nodes) share: waiting for a spawned
// daemon's GET /status, and stopping it.
import type { ChildProcess } from "node:child_process";
import { BaseError } from "@noosphere/sdk";

/** Resolves once `statusUrl` answers; fails if the process exits first or after 90 s. */
export async function waitReady(
  label: string,
  daemon: { statusUrl: string; log: string },
  child: ChildProcess,
) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new BaseError(
        `${label} exited during startup (code ${child.exitCode}); see ${daemon.log}.`,
      );
    }
    const ok = await fetch(daemon.statusUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new BaseError(`${label} was not ready in 90 s; see ${daemon.log}.`);
}

/** SIGTERM (a graceful shutdown), then SIGKILL after 10 s; resolves once the process exited. */
export function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
