import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type CommitResultParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
  /** See `resultCommitment`; keep the salt to reveal later. */
  commitment: Hex;
};
export type CommitResultReturnType = Hash;
export type CommitResultErrorType = ContractRevertError | BaseError;

/** The provider of a grouped batch lease commits to its result before the deadline. */
export function commitResult(
  client: NoosWalletClient,
  params: CommitResultParameters,
): Promise<CommitResultReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "commitResult",
    args: [params.leaseId, params.commitment],
  });
}

export type CommitResultAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "ResultCommitted">;
};

/** `commitResult`, then waits and returns the decoded `ResultCommitted` event. */
export async function commitResultAndWait(
  client: NoosWalletClient,
  params: CommitResultParameters,
): Promise<CommitResultAndWaitReturnType> {
  const result = await waitForEvents(client, await commitResult(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "ResultCommitted") };
}
