// The wallet: an injected one (a browser extension) or, on the devnet, its unlocked dev accounts
// through wagmi's mock connector (transactions go to the devnet's RPC as eth_sendTransaction).
// `useSend` runs a contract write the way every action button does: simulate (so a revert shows
// its decoded custom error), send, wait for the receipt, and say what happened.
import { useState } from "react";
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  defineChain,
  http,
} from "viem";
import {
  type CreateConnectorFn,
  createConfig,
  useAccount,
  useConnect,
  useConnectors,
  useDisconnect,
  useWalletClient,
} from "wagmi";
import { injected, mock } from "wagmi/connectors";
import { allErrorsAbi } from "../../../packages/sdk/src/generated/abis";
import type { ConsoleConfig } from "./config";

export function makeChain(cfg: ConsoleConfig) {
  return defineChain({
    id: cfg.chainId,
    name: cfg.chainId === 31337 ? "Noosphere devnet" : `chain ${cfg.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [cfg.rpcUrl] } },
  });
}

export function makeWagmiConfig(cfg: ConsoleConfig) {
  const chain = makeChain(cfg);
  const connectors: CreateConnectorFn[] = [injected()];
  if (cfg.devAccounts.length > 0) {
    // One mock connector per dev account would crowd the menu: one connector, all accounts.
    connectors.push(
      mock({ accounts: cfg.devAccounts as [Address, ...Address[]], features: { reconnect: true } }),
    );
  }
  return createConfig({
    chains: [chain],
    connectors,
    transports: { [chain.id]: http(cfg.rpcUrl) },
    multiInjectedProviderDiscovery: false,
  });
}

let publicClient: ReturnType<typeof createPublicClient> | undefined;
export function getPublicClient(cfg: ConsoleConfig) {
  publicClient ??= createPublicClient({ chain: makeChain(cfg), transport: http(cfg.rpcUrl) });
  return publicClient;
}

export function WalletButton() {
  const { address, connector, status } = useAccount();
  const { connect, error } = useConnect();
  const connectors = useConnectors();
  const { disconnect } = useDisconnect();
  if (address)
    return (
      <div className="wallet" data-testid="wallet">
        <span className="mono" title={address}>
          {address.slice(0, 8)}…{address.slice(-4)}
        </span>{" "}
        <small>({connector?.name})</small>{" "}
        <button type="button" onClick={() => disconnect()}>
          disconnect
        </button>
      </div>
    );
  return (
    <div className="wallet" data-testid="wallet">
      {connectors.map((c) => (
        <button
          type="button"
          key={c.uid}
          data-testid={`connect-${c.type}`}
          disabled={status === "connecting"}
          onClick={() => connect({ connector: c })}
        >
          {c.type === "mock" ? "Dev account (devnet)" : `Connect ${c.name}`}
        </button>
      ))}
      {error ? (
        <span className="error-inline" role="alert">
          {error.message.split("\n")[0]}
        </span>
      ) : null}
    </div>
  );
}

/** The revert reason of a failed call, decoded against every Noosphere error. */
export function explain(err: unknown): string {
  if (err instanceof BaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) {
      const args = revert.data.args?.map((a) => String(a)).join(", ") ?? "";
      return `${revert.data.errorName}(${args})`;
    }
    return err.shortMessage;
  }
  return err instanceof Error ? err.message : String(err);
}

export type SendState =
  | { status: "idle" }
  | { status: "sending"; label: string }
  | { status: "mined"; label: string; hash: string; block: bigint }
  | { status: "failed"; label: string; error: string };

export type WriteRequest = {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
};

export function useSend(cfg: ConsoleConfig) {
  const { data: wallet } = useWalletClient();
  const [state, setState] = useState<SendState>({ status: "idle" });
  const send = async (label: string, ...requests: WriteRequest[]) => {
    if (!wallet) {
      setState({ status: "failed", label, error: "connect a wallet first" });
      return undefined;
    }
    setState({ status: "sending", label });
    const client = getPublicClient(cfg);
    try {
      let last: { hash: string; block: bigint; logs: unknown[] } | undefined;
      for (const req of requests) {
        const abi = [...req.abi, ...allErrorsAbi] as Abi;
        const { request } = await client.simulateContract({
          account: wallet.account,
          address: req.address,
          abi,
          functionName: req.functionName,
          args: req.args,
        });
        const hash = await wallet.writeContract(
          request as Parameters<typeof wallet.writeContract>[0],
        );
        const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 250 });
        if (receipt.status !== "success")
          throw new Error(`${req.functionName} reverted (tx ${hash})`);
        last = { hash, block: receipt.blockNumber, logs: receipt.logs };
      }
      if (last) setState({ status: "mined", label, hash: last.hash, block: last.block });
      return last;
    } catch (err) {
      setState({ status: "failed", label, error: explain(err) });
      return undefined;
    }
  };
  return { send, state, account: wallet?.account.address };
}

export function SendStatus({ state }: { state: SendState }) {
  if (state.status === "idle") return null;
  if (state.status === "sending")
    return (
      <div className="tx pending" data-testid="tx-status">
        {state.label}: sending…
      </div>
    );
  if (state.status === "failed")
    return (
      <div className="error" role="alert" data-testid="tx-status">
        {state.label} failed: {state.error}
      </div>
    );
  return (
    <div className="tx ok" data-testid="tx-status">
      {state.label}: mined in block {state.block.toString()} (tx{" "}
      <span className="mono">{state.hash.slice(0, 10)}…</span>)
    </div>
  );
}
