// Where the indexer finds the chain and the contracts: a deployment JSON (NOOS_DEPLOYMENT, or the
// devnet's devnet.json in the devnet folder that `noos` itself would use), with NOOS_RPC_URL and
// NOOS_CHAIN_ID overriding what the file says. Kept free of Ponder so tests and the bench reuse it.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { findDevnetDir } from "@noosphere/devnet/dir";
import type { Deployment } from "@noosphere/sdk";
import { isAddress } from "viem";

export type IndexerSettings = {
  deployment: Deployment;
  /** Where the deployment came from (a file path). */
  source: string;
  /** The PGlite folder (ignored when DATABASE_URL is set): NOOS_INDEXER_DB, else one per deployment. */
  pgliteDir: string;
  databaseUrl: string | undefined;
  pollingIntervalMs: number;
};

export class IndexerConfigError extends Error {
  override name = "IndexerConfigError";
}

export function loadIndexerSettings(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): IndexerSettings {
  const devnetDir = path.resolve(cwd, findDevnetDir(cwd, env));
  const source = env.NOOS_DEPLOYMENT
    ? path.resolve(cwd, env.NOOS_DEPLOYMENT)
    : path.join(devnetDir, "devnet.json");
  if (!existsSync(source)) {
    throw new IndexerConfigError(
      `no deployment: ${source} does not exist. Start a devnet (\`noos devnet --detach\`), or set NOOS_DEPLOYMENT to a deployment JSON ({chainId, rpcUrl, contracts, startBlock}) or NOOS_DIR to the devnet folder.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(source, "utf8"));
  } catch (err) {
    throw new IndexerConfigError(`deployment ${source} is not JSON: ${(err as Error).message}`);
  }
  const deployment = parseDeployment(raw, source);
  if (env.NOOS_RPC_URL) deployment.rpcUrl = env.NOOS_RPC_URL;
  if (env.NOOS_CHAIN_ID) deployment.chainId = Number(env.NOOS_CHAIN_ID);
  const pollingIntervalMs = env.NOOS_INDEXER_POLLING_MS ? Number(env.NOOS_INDEXER_POLLING_MS) : 500;
  // One database per deployment (a new devnet in the same folder gets a new one: an old database
  // would otherwise resume from checkpoints of a chain that no longer exists).
  const startedAt = (raw as { startedAt?: unknown }).startedAt;
  const identity = createHash("sha256")
    .update(
      JSON.stringify([deployment.chainId, deployment.startBlock, deployment.contracts, startedAt]),
    )
    .digest("hex")
    .slice(0, 12);
  return {
    deployment,
    source,
    pgliteDir: path.resolve(
      cwd,
      env.NOOS_INDEXER_DB ?? path.join(devnetDir, "indexer", `${deployment.chainId}-${identity}`),
    ),
    databaseUrl: env.DATABASE_URL || undefined,
    pollingIntervalMs,
  };
}

export function parseDeployment(raw: unknown, source = "deployment"): Deployment {
  const d = raw as Partial<Deployment> | null;
  if (!d || typeof d !== "object") throw new IndexerConfigError(`${source}: expected an object`);
  if (typeof d.rpcUrl !== "string")
    throw new IndexerConfigError(`${source}: rpcUrl: expected a URL string`);
  if (typeof d.chainId !== "number")
    throw new IndexerConfigError(`${source}: chainId: expected a number`);
  if (typeof d.startBlock !== "number")
    throw new IndexerConfigError(`${source}: startBlock: expected a block number`);
  const c = d.contracts;
  if (!c || typeof c !== "object")
    throw new IndexerConfigError(`${source}: contracts: expected the contract addresses`);
  for (const key of [
    "token",
    "staking",
    "registry",
    "market",
    "modelRegistry",
    "proofRegistry",
    "subnetRegistry",
    "coprocessor",
  ] as const) {
    if (!isAddress(String(c[key])))
      throw new IndexerConfigError(`${source}: contracts.${key}: expected an address`);
  }
  return {
    rpcUrl: d.rpcUrl,
    chainId: d.chainId,
    startBlock: d.startBlock,
    contracts: { ...c },
  };
}
