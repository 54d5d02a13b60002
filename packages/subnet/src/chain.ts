// What the miner, validator and keeper do on chain before their loops: hold a uid (registering
// if allowed), hold stake in the subnet's role, and tell a deliberate revert from a hiccup.
import {
  approveAndWait,
  BaseError,
  ContractRevertError,
  getStake,
  type NoosWalletClient,
  registerNeuronAndWait,
  stakeAndWait,
  subnetRegistryAbi,
  subnetStakeRole,
} from "@noosphere/sdk";
import type { Logger } from "pino";
import { type Address, getAddress } from "viem";
import { readContract } from "viem/actions";

/** The contracts a neuron uses. */
export type SubnetContracts = { subnetRegistry: Address; staking: Address; token: Address };

/** A revert the contract gave on purpose (`name` given: that error only). */
export function isRevert(err: unknown, name?: string): err is ContractRevertError {
  let e: unknown = err;
  while (e instanceof Error) {
    if (e instanceof ContractRevertError) return name === undefined || e.errorName === name;
    e = e.cause;
  }
  return false;
}

/** The hotkey's uid, registering it (burning at most `maxFee`) when allowed. */
export async function ensureNeuron(
  client: NoosWalletClient,
  contracts: SubnetContracts,
  p: { netuid: number; register: boolean; maxFee: bigint; log: Logger },
): Promise<number> {
  const hotkey = getAddress(client.account.address);
  const [registered, uid] = await readContract(client, {
    address: contracts.subnetRegistry,
    abi: subnetRegistryAbi,
    functionName: "uidOf",
    args: [p.netuid, hotkey],
  });
  if (registered) return uid;
  if (!p.register) {
    throw new BaseError(
      `Hotkey ${hotkey} holds no uid in subnet ${p.netuid}: register it (noos subnet register ${p.netuid}) or set register: true.`,
      { name: "SubnetNotRegisteredError" },
    );
  }
  await approveAndWait(client, {
    address: contracts.token,
    spender: contracts.subnetRegistry,
    amount: p.maxFee,
  });
  const registeredNow = await registerNeuronAndWait(client, {
    address: contracts.subnetRegistry,
    netuid: p.netuid,
    maxFee: p.maxFee,
  });
  p.log.info({ netuid: p.netuid, uid: registeredNow.uid }, "registered");
  return registeredNow.uid;
}

/** Tops the hotkey's stake in the subnet's role up to `amount` NOOS wei. */
export async function ensureSubnetStake(
  client: NoosWalletClient,
  contracts: SubnetContracts,
  p: { netuid: number; amount: bigint; log: Logger },
): Promise<bigint> {
  const role = subnetStakeRole(p.netuid);
  const { staked } = await getStake(client, {
    address: contracts.staking,
    account: client.account.address,
    role,
  });
  if (staked >= p.amount) return staked;
  const missing = p.amount - staked;
  await approveAndWait(client, {
    address: contracts.token,
    spender: contracts.staking,
    amount: missing,
  });
  await stakeAndWait(client, { address: contracts.staking, role, amount: missing });
  p.log.info({ netuid: p.netuid, staked: p.amount.toString() }, "staked in the subnet role");
  return p.amount;
}

/** A small seeded PRNG (mulberry32): reproducible challenges per validator and step. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
