import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { checkNetuid } from "./types.js";

export type RunSubnetEpochParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  /**
   * Work per transaction, in the engine's units (about one per uid column and phase); 0 = the
   * whole epoch in one transaction. Default 0: fine for small subnets; chunk larger ones. The call
   * that starts an epoch does at least min(whole epoch, n + 128) units whatever this says (about
   * 25M gas at 64 validators x 256 uids), so a 1-unit start cannot leave the subnet frozen.
   */
  maxColumns?: number;
};
export type RunSubnetEpochReturnType = Hash;
export type RunSubnetEpochErrorType = InvalidParameterError | ContractRevertError | BaseError;

function checkColumns(maxColumns: number): void {
  if (!Number.isInteger(maxColumns) || maxColumns < 0) {
    throw new InvalidParameterError({
      field: "maxColumns",
      expected: "an integer >= 0",
      received: maxColumns,
    });
  }
}

/**
 * Starts the subnet's epoch (once `tempo` blocks passed since the last; `SubnetTempoNotReached`
 * says how many are left) or continues the one in progress. Anyone may call it.
 */
export async function runSubnetEpoch(
  client: NoosWalletClient,
  params: RunSubnetEpochParameters,
): Promise<RunSubnetEpochReturnType> {
  checkNetuid(params.netuid);
  const maxColumns = params.maxColumns ?? 0;
  checkColumns(maxColumns);
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "runEpoch",
    args: [params.netuid, BigInt(maxColumns)],
  });
}

export type RunSubnetEpochAndWaitParameters = RunSubnetEpochParameters & {
  /** Gives up after this many transactions. Default 1000. */
  maxTransactions?: number;
};
export type RunSubnetEpochAndWaitReturnType = {
  /** Every transaction sent, in order. */
  receipts: WaitResult[];
  /** Present when this call started the epoch (not when it continued one in progress). */
  started: EventArgs<typeof subnetRegistryAbi, "EpochStarted"> | undefined;
  finished: EventArgs<typeof subnetRegistryAbi, "EpochFinished">;
};

/** Sends `runSubnetEpoch` until the epoch finishes; returns the receipts and the start/finish events. */
export async function runSubnetEpochAndWait(
  client: NoosWalletClient,
  params: RunSubnetEpochAndWaitParameters,
): Promise<RunSubnetEpochAndWaitReturnType> {
  const maxTransactions = params.maxTransactions ?? 1000;
  const receipts: WaitResult[] = [];
  let started: RunSubnetEpochAndWaitReturnType["started"];
  while (receipts.length < maxTransactions) {
    const result = await waitForEvents(
      client,
      await runSubnetEpoch(client, params),
      subnetRegistryAbi,
    );
    receipts.push(result);
    started ??= findEventArgs(result, subnetRegistryAbi, "EpochStarted");
    const finished = findEventArgs(result, subnetRegistryAbi, "EpochFinished");
    if (finished) return { receipts, started, finished };
  }
  throw new BaseError(
    `Epoch of subnet ${params.netuid} did not finish within ${maxTransactions} transactions.`,
    { details: "Raise maxColumns or maxTransactions." },
  );
}
