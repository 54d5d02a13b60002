// What a benchmark ran on: written into every bench/results/<name>.json, so numbers from
// different machines (or tool versions) are never compared without knowing it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export type ToolVersion = {
  /** Display name, e.g. "anvil". */
  name: string;
  /** Executable and arguments that print the version, e.g. [path, "--version"]. */
  command: readonly [string, ...string[]];
};

export type Machine = {
  os: { platform: string; release: string; distribution: string | null; arch: string };
  cpu: { model: string; cores: number; speedMHz: number | null };
  memory: { totalBytes: number; totalGiB: number };
  node: string;
  /** Tool name -> first line of its version output, or null if it could not be run. */
  tools: Record<string, string | null>;
};

/** Linux distribution name from /etc/os-release, or null elsewhere. */
function distribution(): string | null {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const match = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
    return match?.[1] ?? null;
  } catch {
    return null;
  }
}

/** First non-empty line a command prints (stdout, else stderr), or null if it fails. */
export function commandVersion(command: readonly [string, ...string[]]): string | null {
  const [file, ...args] = command;
  try {
    const out = execFileSync(file, args, {
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const line = out
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.length > 0);
    return line ?? null;
  } catch {
    return null;
  }
}

export function describeMachine(tools: readonly ToolVersion[] = []): Machine {
  const cpus = os.cpus();
  const first = cpus[0];
  const totalBytes = os.totalmem();
  return {
    os: {
      platform: os.platform(),
      release: os.release(),
      distribution: distribution(),
      arch: os.arch(),
    },
    cpu: {
      model: first?.model.trim() ?? "unknown",
      // availableParallelism honours CPU affinity / cgroup limits; cpus() lists the host's.
      cores:
        typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
      speedMHz: first?.speed ? first.speed : null,
    },
    memory: { totalBytes, totalGiB: Math.round((totalBytes / 2 ** 30) * 10) / 10 },
    node: process.version,
    tools: Object.fromEntries(tools.map((t) => [t.name, commandVersion(t.command)])),
  };
}
