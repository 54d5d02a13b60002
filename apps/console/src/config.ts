// What `noos console` tells the browser at /config.json: the chain, the contracts, the dev accounts.
import type { Address } from "viem";

export type ConsoleConfig = {
  chainId: number;
  rpcUrl: string;
  /** The indexer's base URL (same origin: the console's server proxies it). */
  indexerUrl: string;
  startBlock: number;
  contracts: Record<string, Address>;
  /** Unlocked dev accounts of the devnet (none on a real network). */
  devAccounts: Address[];
};

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("/config.json");
  if (!res.ok) throw new Error(`GET /config.json answered ${res.status} ${res.statusText}`);
  return (await res.json()) as ConsoleConfig;
}

let current: ConsoleConfig | undefined;
export function setConfig(config: ConsoleConfig) {
  current = config;
}
export function config(): ConsoleConfig {
  if (!current) throw new Error("config not loaded");
  return current;
}
export function contract(name: string): Address {
  const address = config().contracts[name];
  if (!address) throw new Error(`this deployment has no ${name} contract`);
  return address;
}
