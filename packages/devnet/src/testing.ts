// Helpers for tests that run against a real anvil. No test-runner import here: the hooks are
// passed in, so this module is safe to load outside vitest.
import { BaseError } from "@noosphere/sdk";
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import {
  type Anvil,
  type DevAccount,
  devAccounts,
  type StartAnvilParameters,
  startAnvil,
} from "./anvil.js";

/** What snapshot/revert need; any viem test client in anvil (or hardhat) mode has it. */
export type SnapshotClient = {
  snapshot: () => Promise<Hex>;
  revert: (args: { id: Hex }) => Promise<void>;
};

/** Takes an EVM snapshot; returns its id. */
export async function snapshot(client: SnapshotClient): Promise<Hex> {
  return client.snapshot();
}

/** Reverts to a snapshot. Anvil consumes the id: take a new snapshot to revert again. */
export async function revert(client: SnapshotClient, id: Hex): Promise<void> {
  await client.revert({ id });
}

export type SnapshotHooks = {
  beforeEach: (fn: () => Promise<void>) => void;
  afterEach: (fn: () => Promise<void>) => void;
};

/**
 * Snapshot before each test and revert after it, so every test starts from the same chain state.
 * Pass vitest's hooks: `withSnapshot(() => chain.testClient, { beforeEach, afterEach })`.
 * `client` may be a getter because the chain usually starts in a `beforeAll`.
 */
export function withSnapshot(
  client: SnapshotClient | (() => SnapshotClient),
  hooks: SnapshotHooks,
): void {
  const get = typeof client === "function" ? client : () => client;
  let id: Hex | undefined;
  hooks.beforeEach(async () => {
    id = await snapshot(get());
  });
  hooks.afterEach(async () => {
    if (id === undefined) return;
    const current = id;
    id = undefined;
    await revert(get(), current);
  });
}

/** Moves the chain's clock past `t` (unix seconds) and mines a block; nothing when it is already past. */
export async function warpPast(
  chain: Pick<TestChain, "publicClient" | "testClient">,
  t: number,
): Promise<void> {
  const now = Number((await chain.publicClient.getBlock()).timestamp);
  if (now > t) return;
  await chain.testClient.increaseTime({ seconds: t - now + 1 });
  await chain.testClient.mine({ blocks: 1 });
}

export type TestChain = {
  anvil: Anvil;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** Anvil cheat methods: setBalance, mine, snapshot, impersonateAccount, ... */
  testClient: TestClient<"anvil", Transport, Chain>;
  /** Signs with dev account 0. */
  walletClient: WalletClient<Transport, Chain, Account>;
  accounts: readonly DevAccount[];
  stop: () => Promise<void>;
};

/**
 * Starts anvil on a free port with clients bound to it: one per test file, in `beforeAll`,
 * stopped in `afterAll`.
 */
export async function startTestChain(parameters: StartAnvilParameters = {}): Promise<TestChain> {
  const anvil = await startAnvil({ ...parameters, port: parameters.port ?? 0 });
  const chain = defineChain({
    id: anvil.chainId,
    name: "Noosphere devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl);
  // Anvil mines on each transaction: poll fast so receipts come back at once.
  const pollingInterval = 50;
  const accounts = devAccounts(parameters.mnemonic, parameters.accounts ?? 10);
  const first = accounts[0];
  if (!first) throw new BaseError("startTestChain needs at least one dev account.");
  return {
    anvil,
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval }),
    testClient: createTestClient({ mode: "anvil", chain, transport, pollingInterval }),
    walletClient: createWalletClient({ chain, transport, account: first.account, pollingInterval }),
    accounts,
    stop: anvil.stop,
  };
}
