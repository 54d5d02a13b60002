import {
  type Account,
  type Chain,
  type Client,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  nonceManager,
  type PublicActions,
  publicActions,
  type Transport,
  type WalletActions,
  type WalletRpcSchema,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

/** A client that can read and send transactions: what every write action needs. */
export type NoosWalletClient = Client<
  Transport,
  Chain,
  Account,
  WalletRpcSchema,
  PublicActions<Transport, Chain, Account> & WalletActions<Chain, Account>
>;

/** A client that only reads. */
export type NoosReadClient = Client<Transport, Chain | undefined>;

export type CreateNoosClientParameters = {
  rpcUrl: string;
  chainId?: number | undefined;
  /** 0x-prefixed private key; without it the client can only read. */
  privateKey?: `0x${string}` | undefined;
  /**
   * Hand out nonces locally, for a process that sends several transactions at once (a daemon's
   * bids, results and withdrawals) and would otherwise reuse a nonce. Leave it off where the
   * chain can go back (tests that revert snapshots): the local count would run ahead.
   */
  concurrent?: boolean | undefined;
  /** Polling interval for receipts and events, ms. anvil mines at once, so poll fast. */
  pollingInterval?: number | undefined;
};

/** The chain for an id: viem's `foundry` chain for anvil's 31337, a generic EVM chain otherwise. */
export function chainFor(chainId: number, rpcUrl: string): Chain {
  if (chainId === foundry.id) {
    return { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } };
  }
  return defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/** A wallet client (with public actions) for a private key on an RPC endpoint. */
export function createNoosClient(
  params: CreateNoosClientParameters & { privateKey: `0x${string}` },
): NoosWalletClient {
  const chain = chainFor(params.chainId ?? foundry.id, params.rpcUrl);
  return createWalletClient({
    account: privateKeyToAccount(
      params.privateKey,
      params.concurrent ? { nonceManager } : undefined,
    ),
    chain,
    transport: http(params.rpcUrl),
    pollingInterval: params.pollingInterval ?? 250,
  }).extend(publicActions);
}

/** A read-only client. */
export function createNoosReadClient(params: CreateNoosClientParameters) {
  return createPublicClient({
    chain: chainFor(params.chainId ?? foundry.id, params.rpcUrl),
    transport: http(params.rpcUrl),
    pollingInterval: params.pollingInterval ?? 250,
  });
}
