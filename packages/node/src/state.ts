// A daemon's local state: one JSON document written atomically (temp file + rename), so a crash
// mid-write leaves the previous version intact. The chain is the source of truth; this file
// only remembers what the chain cannot tell us (last processed block, local job progress).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { BaseError } from "@noosphere/sdk";
import { type Address, getAddress, type Hex } from "viem";

export type StateFile<T> = {
  read: () => Promise<T>;
  write: (value: T) => Promise<void>;
  /** Read, change, write: serialized so concurrent updates never interleave. */
  update: (change: (value: T) => T | undefined) => Promise<T>;
};

export function createStateFile<T>(file: string, initial: () => T): StateFile<T> {
  let queue: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<T> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return initial();
      throw err;
    }
    try {
      return JSON.parse(text, (_k, v) => (isBigIntJson(v) ? BigInt(v.$bigint) : v)) as T;
    } catch (cause) {
      throw new BaseError(`State file ${file} is not valid JSON.`, {
        cause,
        name: "StateFileError",
      });
    }
  };
  const write = async (value: T) => {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const text = JSON.stringify(
      value,
      (_k, v) => (typeof v === "bigint" ? { $bigint: v.toString() } : v),
      2,
    );
    await writeFile(tmp, `${text}\n`);
    await rename(tmp, file);
  };
  const update = (change: (value: T) => T | undefined) => {
    const next = queue.then(async () => {
      const current = await read();
      const changed = change(current) ?? current;
      await write(changed);
      return changed;
    });
    queue = next.catch(() => {});
    return next;
  };
  return { read, write, update };
}

function isBigIntJson(v: unknown): v is { $bigint: string } {
  return typeof v === "object" && v !== null && "$bigint" in v && typeof v.$bigint === "string";
}

/** The deployment a daemon's state belongs to: a devnet restarted in the same folder is a new chain. */
export type DeploymentKey = { chainId: number; genesisHash: Hex; contract: Address };

/** Reads the chain id and genesis block hash of the chain `client` talks to. */
export async function deploymentKeyOf(
  client: {
    getChainId: () => Promise<number>;
    getBlock: (args: { blockNumber: bigint }) => Promise<{ hash: Hex | null }>;
  },
  contract: Address,
): Promise<DeploymentKey> {
  const [chainId, genesis] = await Promise.all([
    client.getChainId(),
    client.getBlock({ blockNumber: 0n }),
  ]);
  if (!genesis.hash)
    throw new BaseError("The chain has no genesis block hash.", { name: "StateFileError" });
  return { chainId, genesisHash: genesis.hash, contract: getAddress(contract) };
}

export type OpenDeploymentStateParameters<T> = {
  file: string;
  deployment: DeploymentKey;
  initial: () => T;
  /** Told once when state of another deployment was set aside. */
  onReset?:
    | ((message: string, details: { keptAs: string; previous?: DeploymentKey }) => void)
    | undefined;
};

type KeyedDocument<T> = { deployment?: DeploymentKey; state?: T };

/**
 * A state file that belongs to one deployment (chain id, genesis hash, contract address). When
 * the file holds another deployment's state (or state from before keying), it is kept aside as
 * `<name>.stale-<time>.json` and the daemon starts fresh: the two are never mixed.
 */
export async function openDeploymentState<T>(
  params: OpenDeploymentStateParameters<T>,
): Promise<StateFile<T>> {
  const { file, deployment } = params;
  const raw = createStateFile<KeyedDocument<T> | undefined>(file, () => undefined);
  const current = await raw.read();
  if (current !== undefined && !sameDeployment(current.deployment, deployment)) {
    const ext = path.extname(file);
    const keptAs = `${file.slice(0, file.length - ext.length)}.stale-${Date.now()}${ext || ".json"}`;
    await rename(file, keptAs);
    const previous = current.deployment;
    const was = previous
      ? `chain ${previous.chainId}, genesis ${previous.genesisHash.slice(0, 10)}, contract ${previous.contract}`
      : "a deployment it did not record";
    params.onReset?.(
      `${path.basename(file)} belonged to ${was}; kept it as ${path.basename(keptAs)} and started fresh for chain ${deployment.chainId}, genesis ${deployment.genesisHash.slice(0, 10)}, contract ${deployment.contract}`,
      previous ? { keptAs, previous } : { keptAs },
    );
  }
  const unwrap = (doc: KeyedDocument<T> | undefined): T => doc?.state ?? params.initial();
  return {
    read: async () => unwrap(await raw.read()),
    write: (value) => raw.write({ deployment, state: value }),
    update: async (change) =>
      unwrap(
        await raw.update((doc) => {
          const value = unwrap(doc);
          return { deployment, state: change(value) ?? value };
        }),
      ),
  };
}

function sameDeployment(a: DeploymentKey | undefined, b: DeploymentKey): boolean {
  return (
    a !== undefined &&
    a.chainId === b.chainId &&
    a.genesisHash.toLowerCase() === b.genesisHash.toLowerCase() &&
    a.contract.toLowerCase() === b.contract.toLowerCase()
  );
}
