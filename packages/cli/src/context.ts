// Where a command connects: flags first, then environment variables, then a deployment file
// (`--network` / NOOS_NETWORK, written by `noos network deploy`), then the running devnet.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { readDevnet } from "@noosphere/devnet";
import {
  BaseError,
  createNoosClient,
  createNoosReadClient,
  InvalidParameterError,
  type NoosphereAddresses,
  noosphereActions,
} from "@noosphere/sdk";
import { type Address, type Hex, isAddress, isHex, parseEther } from "viem";

export type GlobalOptions = {
  dir: string;
  /** A deployment file from `noos network deploy` (env NOOS_NETWORK); used instead of the devnet. */
  network?: string;
  rpcUrl?: string;
  privateKey?: string;
  account?: string;
  json?: boolean;
};

export type Connection = {
  rpcUrl: string;
  chainId: number;
  contracts: NoosphereAddresses;
  startBlock: number;
  /** Dev account keys when connected to a devnet (none on a network from a deployment file). */
  devnetKeys: Hex[];
  /** The deployment file, when connected through `--network` / NOOS_NETWORK. */
  networkFile?: string | undefined;
};

/**
 * The contents of a deployment file written by `noos network deploy`: the same `rpcUrl`,
 * `chainId`, `contracts` and `startBlock` as the devnet's devnet.json, plus who deployed it.
 */
export type NetworkFile = {
  rpcUrl: string;
  chainId: number;
  contracts: NoosphereAddresses;
  startBlock: number;
  /** Holds the admin roles and, unless another treasury was named, the initial NOOS supply. */
  deployer: Address;
  /** ISO 8601. */
  deployedAt: string;
};

/** The `contracts` keys every deployment file has (the devnet's too). */
export const CONTRACT_NAMES = [
  "token",
  "params",
  "staking",
  "registry",
  "market",
  "modelRegistry",
  "proofRegistry",
  "subnetRegistry",
  "coprocessor",
] as const satisfies readonly (keyof NoosphereAddresses)[];

/** Reads and checks a deployment file; the error names the file and each bad field. */
export async function readNetworkFile(file: string): Promise<NetworkFile> {
  const resolved = path.resolve(file);
  let text: string;
  try {
    text = await readFile(resolved, "utf8");
  } catch (err) {
    throw new InvalidParameterError({
      field: "--network",
      expected: "a deployment file written by `noos network deploy`",
      received: `${file} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`,
    });
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new BaseError(`${resolved} is not valid JSON.`, {
      name: "InvalidNetworkFileError",
      cause: err,
    });
  }
  const problems: string[] = [];
  if (typeof json.rpcUrl !== "string" || !URL.canParse(json.rpcUrl))
    problems.push("rpcUrl: expected a URL");
  if (typeof json.chainId !== "number" || !Number.isSafeInteger(json.chainId) || json.chainId <= 0)
    problems.push("chainId: expected a positive integer");
  if (
    typeof json.startBlock !== "number" ||
    !Number.isSafeInteger(json.startBlock) ||
    json.startBlock < 0
  )
    problems.push("startBlock: expected a non-negative integer");
  if (
    json.deployer !== undefined &&
    (typeof json.deployer !== "string" || !isAddress(json.deployer))
  )
    problems.push("deployer: expected an address");
  const contracts = (json.contracts ?? {}) as Record<string, unknown>;
  const missing = CONTRACT_NAMES.filter((name) => {
    const a = contracts[name];
    return typeof a !== "string" || !isAddress(a);
  });
  if (missing.length > 0) problems.push(`contracts: expected an address for ${missing.join(", ")}`);
  if (problems.length > 0) {
    throw new BaseError(`${resolved} is not a valid deployment file.`, {
      name: "InvalidNetworkFileError",
      metaMessages: problems,
    });
  }
  return json as NetworkFile;
}

/** `--network`, else NOOS_NETWORK: the deployment file to use instead of the devnet. */
export function networkFileOption(options: GlobalOptions): string | undefined {
  return options.network ?? (process.env.NOOS_NETWORK || undefined);
}

/**
 * Contracts from the deployment file (`--network` / NOOS_NETWORK) if one is named, else from the
 * devnet's file; `--rpc-url` (or NOOS_RPC_URL) overrides either's endpoint.
 */
export async function connect(options: GlobalOptions): Promise<Connection> {
  const networkFile = networkFileOption(options);
  if (networkFile !== undefined) {
    const network = await readNetworkFile(networkFile);
    return {
      rpcUrl: options.rpcUrl ?? process.env.NOOS_RPC_URL ?? network.rpcUrl,
      chainId: network.chainId,
      contracts: network.contracts,
      startBlock: network.startBlock,
      devnetKeys: [],
      networkFile: path.resolve(networkFile),
    };
  }
  const devnet = await readDevnet(options.dir);
  const rpcUrl = options.rpcUrl ?? process.env.NOOS_RPC_URL ?? devnet.rpcUrl;
  return {
    rpcUrl,
    chainId: devnet.chainId,
    contracts: devnet.contracts as NoosphereAddresses,
    startBlock: devnet.startBlock,
    devnetKeys: devnet.accounts.map((a) => a.privateKey),
  };
}

export async function readClient(options: GlobalOptions) {
  const connection = await connect(options);
  return { connection, client: createNoosReadClient(connection) };
}

/**
 * A signing client: `--private-key` / NOOS_PRIVATE_KEY, or devnet account `--account <n>`
 * (default 0, the deployer, which holds the treasury's NOOS).
 */
export async function walletClient(options: GlobalOptions) {
  const connection = await connect(options);
  const privateKey = resolveKey(options, connection);
  const client = createNoosClient({ ...connection, privateKey }).extend(
    noosphereActions(connection.contracts),
  );
  return { connection, client };
}

function resolveKey(options: GlobalOptions, connection: Connection): Hex {
  const explicit = options.privateKey ?? process.env.NOOS_PRIVATE_KEY;
  if (explicit !== undefined) {
    if (!isHex(explicit) || explicit.length !== 66) {
      throw new InvalidParameterError({
        field: "--private-key",
        expected: "a 0x-prefixed 32-byte hex key",
        received: "(hidden)",
      });
    }
    return explicit;
  }
  if (connection.networkFile !== undefined) {
    // No dev accounts on a real network: the signer is always named.
    throw new InvalidParameterError({
      field: "--private-key",
      expected: `a signing key (--private-key or env NOOS_PRIVATE_KEY) for the network in ${connection.networkFile}`,
      received: undefined,
    });
  }
  const index = Number(options.account ?? "0");
  const key = connection.devnetKeys[index];
  if (!Number.isInteger(index) || key === undefined) {
    throw new InvalidParameterError({
      field: "--account",
      expected: `a devnet account index 0..${connection.devnetKeys.length - 1}`,
      received: options.account,
    });
  }
  return key;
}

/** A NOOS amount such as "1.5" to wei; the error names the field. */
export function parseAmount(field: string, value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value)) {
    throw new InvalidParameterError({
      field,
      expected: "a positive decimal amount of NOOS, e.g. 100 or 0.5",
      received: value,
    });
  }
  const wei = parseEther(value);
  if (wei === 0n)
    throw new InvalidParameterError({ field, expected: "an amount > 0", received: value });
  return wei;
}

export function parseId(field: string, value: string): bigint {
  if (!/^\d+$/.test(value))
    throw new InvalidParameterError({ field, expected: "a positive integer id", received: value });
  return BigInt(value);
}

export function parseAddress(field: string, value: string): Address {
  if (!isAddress(value))
    throw new InvalidParameterError({ field, expected: "a 0x-prefixed address", received: value });
  return value;
}

/** The `[address]` argument of a lookup, or the selected account's address without one. */
export async function addressOrSelf(
  options: GlobalOptions,
  address: string | undefined,
): Promise<Address> {
  if (address) return parseAddress("address", address);
  return (await walletClient(options)).client.account.address;
}

/**
 * An endpoint and key for commands that work on any EVM chain (e.g. `zk deploy-evm`):
 * `--rpc-url` and `--private-key` (or their env vars) when both are given, else the devnet's
 * endpoint and account `--account <n>`.
 */
export async function endpointAndKey(
  options: GlobalOptions,
): Promise<{ rpcUrl: string; privateKey: Hex }> {
  const rpcUrl = options.rpcUrl ?? process.env.NOOS_RPC_URL;
  const explicitKey = options.privateKey ?? process.env.NOOS_PRIVATE_KEY;
  if (rpcUrl !== undefined && explicitKey !== undefined) {
    const connection: Connection = {
      rpcUrl,
      chainId: 0,
      contracts: {} as NoosphereAddresses,
      startBlock: 0,
      devnetKeys: [],
    };
    return { rpcUrl, privateKey: resolveKey(options, connection) };
  }
  const connection = await connect(options);
  return { rpcUrl: connection.rpcUrl, privateKey: resolveKey(options, connection) };
}

/** `--rpc-url` (or NOOS_RPC_URL), else the devnet's endpoint: for read-only calls on any chain. */
export async function endpoint(options: GlobalOptions): Promise<string> {
  return options.rpcUrl ?? process.env.NOOS_RPC_URL ?? (await connect(options)).rpcUrl;
}

/**
 * A daemon's signing key from its config file: `privateKey`, else the key in env `keyEnv`, else
 * the devnet's dev account `devnetAccount` (providers and coprocessor nodes alike).
 */
export function daemonKey(
  file: {
    privateKey?: string | undefined;
    keyEnv?: string | undefined;
    devnetAccount?: number | undefined;
  },
  devnetKeys: Hex[],
): Hex {
  if (file.privateKey) return file.privateKey as Hex;
  if (file.keyEnv) {
    const key = process.env[file.keyEnv];
    if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
      throw new InvalidParameterError({
        field: "keyEnv",
        expected: `${file.keyEnv} set to a 0x-prefixed 32-byte key`,
        received: key ? "(invalid)" : undefined,
      });
    }
    return key as Hex;
  }
  const key = devnetKeys[file.devnetAccount ?? -1];
  if (!key)
    throw new InvalidParameterError({
      field: "devnetAccount",
      expected: "an index 0..9 of the devnet's accounts",
      received: file.devnetAccount,
    });
  return key;
}
