// The paywall's voucher store: a snapshot (openDeploymentState, keyed by deployment) plus an
// append-only log of record updates. A paid call appends one line (one write, batched with every
// other call committing at the same moment) instead of rewriting the whole snapshot, which cost
// three file operations per call; the log is folded into the snapshot at start, every
// `compactEvery` lines and on close. Like the snapshot, lines are written without fsync: they
// survive a process crash, not a power cut.
import { type FileHandle, open, readFile, rename, rm } from "node:fs/promises";
import type { Logger } from "pino";
import { type DeploymentKey, openDeploymentState } from "../state.js";

export type VoucherStore<R> = {
  records: Map<string, R>;
  cursor: () => bigint | undefined;
  setCursor: (block: bigint) => void;
  /** Logs record `id` as it is now; resolves once the line is written. */
  save: (id: string) => Promise<void>;
  /** Folds the log into the snapshot. */
  compact: () => Promise<void>;
  close: () => Promise<void>;
};

type Snapshot<R> = { channels: Record<string, R>; cursor?: bigint | undefined };

const replacer = (_k: string, v: unknown) =>
  typeof v === "bigint" ? { $bigint: v.toString() } : v;
const reviver = (_k: string, v: unknown) =>
  typeof v === "object" && v !== null && "$bigint" in v && typeof v.$bigint === "string"
    ? BigInt(v.$bigint)
    : v;

function sameDeployment(a: DeploymentKey | undefined, b: DeploymentKey): boolean {
  return (
    a !== undefined &&
    a.chainId === b.chainId &&
    a.genesisHash.toLowerCase() === b.genesisHash.toLowerCase() &&
    a.contract.toLowerCase() === b.contract.toLowerCase()
  );
}

export async function openVoucherStore<R>(params: {
  file: string;
  deployment: DeploymentKey;
  logger: Logger;
  compactEvery?: number | undefined;
}): Promise<VoucherStore<R>> {
  const { file, deployment, logger } = params;
  const logFile = `${file}.log`;
  const compactEvery = params.compactEvery ?? 5000;
  const snapshot = await openDeploymentState<Snapshot<R>>({
    file,
    deployment,
    initial: () => ({ channels: {} }),
    onReset: (message) => logger.warn(message),
  });
  const loaded = await snapshot.read();
  const records = new Map<string, R>(Object.entries(loaded.channels));
  let cursor = loaded.cursor;

  // Replay the log of this deployment (a torn last line from a crash is skipped).
  let text = "";
  try {
    text = await readFile(logFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const lines = text.split("\n").filter(Boolean);
  if (lines.length > 0) {
    let header: { deployment?: DeploymentKey } | undefined;
    try {
      header = JSON.parse(lines[0] as string);
    } catch {}
    if (header && sameDeployment(header.deployment, deployment)) {
      for (const line of lines.slice(1)) {
        try {
          const entry = JSON.parse(line, reviver) as { id: string; record?: R; cursor?: bigint };
          if (entry.record) records.set(entry.id, entry.record);
          if (entry.cursor !== undefined) cursor = entry.cursor;
        } catch {
          logger.warn({ file: logFile }, "x402: skipped a torn voucher log line");
        }
      }
    } else {
      const keptAs = `${logFile}.stale-${Date.now()}`;
      await rename(logFile, keptAs);
      logger.warn(
        { keptAs },
        "x402: the voucher log belonged to another deployment; kept it aside",
      );
    }
  }

  let handle: FileHandle | undefined;
  let written = 0;
  const compactNow = async () => {
    await snapshot.write({ channels: Object.fromEntries(records), cursor });
    await handle?.close();
    await rm(logFile, { force: true });
    handle = await open(logFile, "a");
    await handle.write(`${JSON.stringify({ deployment })}\n`);
    written = 0;
  };
  await compactNow();

  let pending: string[] = [];
  let chain: Promise<void> = Promise.resolve();
  let scheduled: Promise<void> | undefined;
  const flush = (compact = false): Promise<void> => {
    if (scheduled && !compact) return scheduled;
    const next = chain.then(async () => {
      if (scheduled === next) scheduled = undefined;
      const batch = pending;
      pending = [];
      if (batch.length > 0) {
        await handle?.write(batch.join(""));
        written += batch.length;
      }
      if (compact || written >= compactEvery) await compactNow();
    });
    if (!compact) scheduled = next;
    chain = next.catch((err) => logger.error({ err }, "x402: writing the voucher log failed"));
    return next;
  };

  return {
    records,
    cursor: () => cursor,
    setCursor: (block) => {
      cursor = block;
    },
    save: (id) => {
      pending.push(`${JSON.stringify({ id, record: records.get(id), cursor }, replacer)}\n`);
      return flush();
    },
    compact: () => flush(true),
    close: async () => {
      await flush(true);
      await handle?.close();
      handle = undefined;
    },
  };
}

/**
 * Reads a voucher store without opening it for writing (no compaction), e.g. for `noos channel
 * claim` while the provider runs: the snapshot plus the log lines of the same deployment.
 */
export async function readVoucherFiles<R>(
  file: string,
): Promise<{ deployment: DeploymentKey | undefined; records: Map<string, R> }> {
  const doc = JSON.parse(await readFile(file, "utf8"), reviver) as {
    deployment?: DeploymentKey;
    state?: Snapshot<R>;
  };
  const records = new Map<string, R>(Object.entries(doc.state?.channels ?? {}));
  let text = "";
  try {
    text = await readFile(`${file}.log`, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const [first, ...rest] = text.split("\n").filter(Boolean);
  let header: { deployment?: DeploymentKey } | undefined;
  try {
    header = first ? JSON.parse(first) : undefined;
  } catch {}
  if (doc.deployment && header && sameDeployment(header.deployment, doc.deployment)) {
    for (const line of rest) {
      try {
        const entry = JSON.parse(line, reviver) as { id: string; record?: R };
        if (entry.record) records.set(entry.id, entry.record);
      } catch {}
    }
  }
  return { deployment: doc.deployment, records };
}
