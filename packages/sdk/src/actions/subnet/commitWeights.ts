import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { computeWeightsCommitHash } from "./commitHash.js";

export type CommitWeightsParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  uids: readonly number[];
  values: readonly number[];
  /** 32 secret random bytes (`generateWeightsSalt()`); keep them to reveal. */
  salt: Hex;
  /** Default 0. */
  versionKey?: bigint;
};
export type CommitWeightsReturnType = { hash: Hash; commitHash: Hex };
export type CommitWeightsErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Commits the hash of the caller's weights (commit-reveal on). Only the hash goes on chain;
 * reveal the same uids, values, salt and version key with `revealWeights` once the subnet's
 * epoch index reaches the commit's epoch + `revealPeriodEpochs`.
 */
export async function commitWeights(
  client: NoosWalletClient,
  params: CommitWeightsParameters,
): Promise<CommitWeightsReturnType> {
  const commitHash = computeWeightsCommitHash({
    hotkey: client.account.address,
    netuid: params.netuid,
    uids: params.uids,
    values: params.values,
    salt: params.salt,
    ...(params.versionKey !== undefined ? { versionKey: params.versionKey } : {}),
  });
  const hash = await simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "commitWeights",
    args: [params.netuid, commitHash],
  });
  return { hash, commitHash };
}

export type CommitWeightsAndWaitReturnType = WaitResult & {
  commitHash: Hex;
  /** Epoch index at which the commit may be revealed. */
  revealEpoch: bigint;
  event: EventArgs<typeof subnetRegistryAbi, "WeightsCommitted">;
};

/** `commitWeights`, then waits for the `WeightsCommitted` event. */
export async function commitWeightsAndWait(
  client: NoosWalletClient,
  params: CommitWeightsParameters,
): Promise<CommitWeightsAndWaitReturnType> {
  const { hash, commitHash } = await commitWeights(client, params);
  const result = await waitForEvents(client, hash, subnetRegistryAbi);
  const event = eventArgs(result, subnetRegistryAbi, "WeightsCommitted");
  return { ...result, commitHash, revealEpoch: event.revealEpoch, event };
}
