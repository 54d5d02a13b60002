// Account: balances (wallet and market), stakes, unbonding and emission to claim for the connected
// wallet (read from the chain), with the actions that send the transactions: withdraw the market
// balance (a provider's pay, a tenant's refunds), release the lease stake the market holds.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type Address, formatEther, type Hex, keccak256, parseEther, toHex } from "viem";
import { useAccount } from "wagmi";
import {
  computeMarketAbi,
  noosTokenAbi,
  stakingAbi,
  subnetRegistryAbi,
} from "../../../../packages/sdk/src/generated/abis";
import { type Page, useGql } from "../api";
import { Card, ErrorBox, Loaded, PageHeader } from "../components";
import { config, contract } from "../config";
import { noos, time } from "../format";
import { getPublicClient, SendStatus, useSend } from "../wallet";

const PROVIDER_ROLE = keccak256(toHex("PROVIDER"));

type StakeRow = {
  account: string;
  role: string;
  roleName: string;
  staked: string;
  unbonding: string;
};
type UnbondingRow = {
  id: string;
  role: string;
  amount: string;
  releaseAt: string;
  withdrawn: boolean;
};
type MarketAccountRow = {
  token: string;
  balance: string;
  funded: string;
  credited: string;
  spent: string;
  withdrawn: string;
};
type ActivityRow = {
  id: string;
  contract: string;
  event: string;
  ref: string | null;
  blockNumber: string;
  timestamp: string;
  txHash: string;
};

function roleName(role: string) {
  return role.toLowerCase() === PROVIDER_ROLE ? "provider" : `${role.slice(0, 10)}…`;
}

function useChainAccount(address: Address | undefined, roles: Hex[]) {
  return useQuery({
    queryKey: ["chain-account", address, roles],
    enabled: address !== undefined,
    refetchInterval: 2000,
    retry: 1,
    queryFn: async () => {
      const client = getPublicClient(config());
      const who = address as Address;
      const token = contract("token");
      const [block, eth, balance, marketBalance, providerStake, claimable] = await Promise.all([
        client.getBlockNumber(),
        client.getBalance({ address: who }),
        client.readContract({
          address: token,
          abi: noosTokenAbi,
          functionName: "balanceOf",
          args: [who],
        }),
        client.readContract({
          address: contract("market"),
          abi: computeMarketAbi,
          functionName: "balanceOf",
          args: [who, token],
        }),
        client.readContract({
          address: contract("market"),
          abi: computeMarketAbi,
          functionName: "providerStake",
          args: [who],
        }),
        client
          .readContract({
            address: contract("subnetRegistry"),
            abi: subnetRegistryAbi,
            functionName: "claimable",
            args: [who],
          })
          .catch(() => 0n),
      ]);
      const stakes = await Promise.all(
        roles.map(async (role) => {
          const [staked, unbonding, locked] = await Promise.all([
            client.readContract({
              address: contract("staking"),
              abi: stakingAbi,
              functionName: "stakeOf",
              args: [who, role],
            }),
            client.readContract({
              address: contract("staking"),
              abi: stakingAbi,
              functionName: "unbondingOf",
              args: [who, role],
            }),
            client.readContract({
              address: contract("staking"),
              abi: stakingAbi,
              functionName: "lockedOf",
              args: [who, role],
            }),
          ]);
          return {
            role,
            staked: staked as bigint,
            unbonding: unbonding as bigint,
            locked: locked as bigint,
          };
        }),
      );
      return {
        block,
        eth,
        balance: balance as bigint,
        marketBalance: marketBalance as bigint,
        /** The market's lease stake lock in Staking, and the open leases that need it. */
        marketLocked: (providerStake as readonly [bigint, bigint])[1],
        openLeases: (providerStake as readonly [bigint, bigint])[0],
        claimable: claimable as bigint,
        stakes,
      };
    },
  });
}

export function Account() {
  const { address } = useAccount();
  const id = address?.toLowerCase() ?? "";
  const indexed = useGql<{
    stakes: Page<StakeRow>;
    unbondings: Page<UnbondingRow>;
    marketAccounts: Page<MarketAccountRow>;
    accountActivitys: Page<ActivityRow>;
  }>(
    ["account", id],
    `query($id: String!) {
      stakes(where: { account: $id }, limit: 100) { items { account role roleName staked unbonding } }
      unbondings(where: { account: $id }, limit: 100) { items { id role amount releaseAt withdrawn } }
      marketAccounts(where: { account: $id }, limit: 100) { items { token balance funded credited spent withdrawn } }
      accountActivitys(where: { account: $id }, orderBy: "blockNumber", orderDirection: "desc", limit: 50) { items { id contract event ref blockNumber timestamp txHash } }
    }`,
    { id },
    { enabled: address !== undefined },
  );
  const roles = [
    ...new Set([
      PROVIDER_ROLE,
      ...(indexed.data?.stakes.items.map((s) => s.role.toLowerCase() as Hex) ?? []),
    ]),
  ];
  const chain = useChainAccount(address, roles);
  const { send, state } = useSend(config());
  const [amount, setAmount] = useState("10");
  const [role, setRole] = useState<string>(PROVIDER_ROLE);
  if (!address)
    return (
      <>
        <PageHeader title="Account" />
        <p className="warn">
          Connect a wallet (top right) to see your balances, stakes and market balance.
        </p>
      </>
    );
  const token = contract("token");
  const staking = contract("staking");
  let parsed: bigint | undefined;
  try {
    parsed = parseEther(amount);
  } catch {
    parsed = undefined;
  }
  return (
    <>
      <PageHeader title="Account" />
      <p className="mono">{address}</p>
      {chain.error ? <ErrorBox error={chain.error} what="balances from the chain" /> : null}
      {chain.data ? (
        <>
          <small>read from the chain at block {chain.data.block.toString()}</small>
          <div className="cards">
            <Card label="NOOS balance" value={noos(chain.data.balance, 4)} testId="balance" />
            <Card label="ETH (gas)" value={`${Number(formatEther(chain.data.eth)).toFixed(3)}`} />
            <Card
              label="market balance (pay, refunds)"
              value={noos(chain.data.marketBalance, 6)}
              testId="market-balance"
            />
            <Card label="emission to claim" value={noos(chain.data.claimable, 6)} />
          </div>
          <div>
            <button
              type="button"
              data-testid="withdraw-balance"
              disabled={chain.data.marketBalance === 0n || state.status === "sending"}
              onClick={() =>
                send("withdraw the market balance", {
                  address: contract("market"),
                  abi: computeMarketAbi,
                  functionName: "withdraw",
                  args: [token],
                })
              }
            >
              Withdraw market balance
            </button>{" "}
            <button
              type="button"
              data-testid="release-stake"
              disabled={chain.data.marketLocked === 0n || state.status === "sending"}
              title="unlock the lease stake the market holds beyond your open leases"
              onClick={() =>
                send("release lease stake", {
                  address: contract("market"),
                  abi: computeMarketAbi,
                  functionName: "releaseStake",
                  args: [],
                })
              }
            >
              Release lease stake ({noos(chain.data.marketLocked)} held,{" "}
              {chain.data.openLeases.toString()} open leases)
            </button>{" "}
            <button
              type="button"
              disabled={chain.data.claimable === 0n || state.status === "sending"}
              onClick={() =>
                send("claim emission", {
                  address: contract("subnetRegistry"),
                  abi: subnetRegistryAbi,
                  functionName: "claimEmission",
                  args: [],
                })
              }
            >
              Claim emission
            </button>
          </div>
          <h2>Stakes</h2>
          <table data-testid="stakes">
            <thead>
              <tr>
                <th>role</th>
                <th>staked</th>
                <th>locked</th>
                <th>unbonding</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {chain.data.stakes.map((s) => (
                <tr key={s.role}>
                  <td>{roleName(s.role)}</td>
                  <td>{noos(s.staked)}</td>
                  <td>{noos(s.locked)}</td>
                  <td>{noos(s.unbonding)}</td>
                  <td>
                    <button
                      type="button"
                      disabled={s.unbonding === 0n || state.status === "sending"}
                      onClick={() =>
                        send("withdraw unbonded stake", {
                          address: staking,
                          abi: stakingAbi,
                          functionName: "withdraw",
                          args: [s.role],
                        })
                      }
                    >
                      withdraw released
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div>
            <select aria-label="role" value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleName(r)}
                </option>
              ))}
            </select>{" "}
            <input aria-label="amount" value={amount} onChange={(e) => setAmount(e.target.value)} />{" "}
            NOOS{" "}
            <button
              type="button"
              disabled={parsed === undefined || state.status === "sending"}
              onClick={() =>
                parsed !== undefined &&
                send(
                  `stake ${amount} NOOS`,
                  {
                    address: token,
                    abi: noosTokenAbi,
                    functionName: "approve",
                    args: [staking, parsed],
                  },
                  {
                    address: staking,
                    abi: stakingAbi,
                    functionName: "stake",
                    args: [role, parsed],
                  },
                )
              }
            >
              Stake
            </button>{" "}
            <button
              type="button"
              disabled={parsed === undefined || state.status === "sending"}
              onClick={() => {
                if (parsed === undefined) return;
                const unstake = {
                  address: staking,
                  abi: stakingAbi,
                  functionName: "requestUnstake",
                  args: [role, parsed],
                };
                // The market keeps a provider's lease stake locked after its leases end: release
                // it first (as `noos stake remove` does).
                const release =
                  role === PROVIDER_ROLE && chain.data && chain.data.marketLocked > 0n
                    ? [
                        {
                          address: contract("market"),
                          abi: computeMarketAbi,
                          functionName: "releaseStake",
                          args: [],
                        },
                      ]
                    : [];
                void send(`request unstake of ${amount} NOOS`, ...release, unstake);
              }}
            >
              Request unstake
            </button>
            {parsed === undefined ? (
              <span className="error-inline"> amount: expected a decimal NOOS amount</span>
            ) : null}
          </div>
        </>
      ) : !chain.error ? (
        <div className="loading">reading the chain…</div>
      ) : null}
      <SendStatus state={state} />
      <h2>Market balance (indexed)</h2>
      <Loaded q={indexed} what="your market balance">
        {(d) => (
          <ul data-testid="market-account">
            {d.marketAccounts.items.map((m) => (
              <li key={m.token}>
                {noos(m.balance)}: funded {noos(m.funded)} · credited (pay, refunds){" "}
                {noos(m.credited)} · spent on orders {noos(m.spent)} · withdrawn {noos(m.withdrawn)}
              </li>
            ))}
            {d.marketAccounts.items.length === 0 ? <li>no market balance yet</li> : null}
          </ul>
        )}
      </Loaded>
      <h2>Unbonding (indexed)</h2>
      <Loaded q={indexed} what="your stakes">
        {(d) => (
          <ul>
            {d.unbondings.items
              .filter((u) => !u.withdrawn)
              .map((u) => (
                <li key={u.id}>
                  {roleName(u.role)}: {noos(u.amount)} released at {time(u.releaseAt)}
                  {Number(u.releaseAt) * 1000 <= Date.now() ? " (released: withdraw it above)" : ""}
                </li>
              ))}
            {d.unbondings.items.every((u) => u.withdrawn) ? <li>nothing unbonding</li> : null}
          </ul>
        )}
      </Loaded>
      <h2>Recent activity</h2>
      <Loaded q={indexed} what="your activity">
        {(d) => (
          <ul>
            {d.accountActivitys.items.map((a) => (
              <li key={a.id}>
                {time(a.timestamp)} · block {a.blockNumber} · {a.contract}.{a.event}
                {a.ref ? ` #${a.ref}` : ""} · <span className="mono">{a.txHash.slice(0, 10)}…</span>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </>
  );
}
