import type {
  Abi,
  Address,
  ContractEventName,
  Hash,
  Log,
  ParseEventLogsReturnType,
  TransactionReceipt,
} from "viem";
import { parseEventLogs } from "viem";
import {
  estimateContractGas,
  simulateContract,
  waitForTransactionReceipt,
  writeContract,
} from "viem/actions";
import type { NoosWalletClient } from "../client.js";
import { BaseError, decodeContractError } from "../errors.js";
import { allErrorsAbi } from "../generated/abis.js";

export type WriteRequest = {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
};

/**
 * Fixed gas added to every estimate: covers state that changes between the estimate and inclusion
 * (a lazy stake lock in Staking, a first credit to a balance slot).
 */
const GAS_HEADROOM = 150_000n;

/**
 * Simulates, then sends. Simulating first turns a revert into a named error
 * (e.g. `MarketBidAbovePrice`) before any gas is spent.
 */
export async function simulateAndWrite(
  client: NoosWalletClient,
  request: WriteRequest,
): Promise<Hash> {
  try {
    // Simulate on the pending block: the one the transaction lands in. Time-gated calls
    // (closeAuction, expireLease, acceptResult) then see the current time even on a chain
    // that only mines on demand, such as the devnet.
    const { request: prepared } = await simulateContract(client, {
      ...request,
      account: client.account,
      blockTag: "pending",
    } as Parameters<typeof simulateContract>[1]);
    const estimate = await estimateContractGas(client, {
      ...request,
      account: client.account,
      blockTag: "pending",
    } as Parameters<typeof estimateContractGas>[1]);
    // Headroom: state can change between the estimate and inclusion (a lower bid arrives before
    // acceptBid, whose bidder then needs its stake locked), and a transaction that runs out of
    // gas still costs its fee.
    const gas = (estimate * 13n) / 10n + GAS_HEADROOM;
    return await writeContract(client, { ...prepared, gas } as Parameters<typeof writeContract>[1]);
  } catch (err) {
    throw decodeContractError(err, allErrorsAbi);
  }
}

/** A decoded log: its event name and args (the ABI decides their shape). */
export type DecodedEvent = Log & { eventName: string; args: unknown };

export type WaitResult = {
  hash: Hash;
  receipt: TransactionReceipt;
  /** Every event of the transaction that `abi` declares, decoded. */
  events: DecodedEvent[];
};

/** Waits for the receipt, fails if the transaction reverted, and decodes the events. */
export async function waitForEvents(
  client: NoosWalletClient,
  hash: Hash,
  abi: Abi,
): Promise<WaitResult> {
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") {
    throw new BaseError(`Transaction ${hash} reverted.`, { name: "TransactionRevertedError" });
  }
  const events = parseEventLogs({ abi, logs: receipt.logs as Log[] }) as unknown as DecodedEvent[];
  return { hash, receipt, events };
}

/** Decoded args of event `name` of `abi`. */
export type EventArgs<
  abi extends Abi,
  name extends ContractEventName<abi>,
> = ParseEventLogsReturnType<abi, name, true>[number]["args"];

/** The args of the first `name` event of the transaction, or undefined. */
export function findEventArgs<abi extends Abi, name extends ContractEventName<abi>>(
  result: WaitResult,
  _abi: abi,
  name: name,
): EventArgs<abi, name> | undefined {
  const event = result.events.find((e) => e.eventName === name);
  return event?.args as EventArgs<abi, name> | undefined;
}

/** The args of the first `name` event of the transaction (throws if there is none). */
export function eventArgs<abi extends Abi, name extends ContractEventName<abi>>(
  result: WaitResult,
  abi: abi,
  name: name,
): EventArgs<abi, name> {
  const args = findEventArgs(result, abi, name);
  if (!args) throw new BaseError(`Transaction ${result.hash} emitted no ${name} event.`);
  return args;
}
