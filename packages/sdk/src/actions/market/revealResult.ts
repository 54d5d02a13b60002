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

export type RevealResultParameters = {
  /** ComputeMarket address. */
  address: Address;
  leaseId: bigint;
  resultCid: string;
  resultHash: Hex;
  /** The salt of the commitment. */
  salt: Hex;
  /** Provider's EIP-712 receipt (see signReceipt); needed when someone else reveals. */
  receipt?: Hex | undefined;
};
export type RevealResultReturnType = Hash;
export type RevealResultErrorType = ContractRevertError | BaseError;

/**
 * Reveals a committed result once every order of the group has committed or ended (the group's
 * `revealEndsAt` is set; see getGroup) and before `revealEndsAt`. Starts the dispute window, as
 * submitResult does.
 */
export function revealResult(
  client: NoosWalletClient,
  params: RevealResultParameters,
): Promise<RevealResultReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "revealResult",
    args: [
      params.leaseId,
      params.resultCid,
      params.resultHash,
      params.salt,
      params.receipt ?? "0x",
    ],
  });
}

export type RevealResultAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "ResultSubmitted">;
};

/** `revealResult`, then waits and returns the decoded `ResultSubmitted` event. */
export async function revealResultAndWait(
  client: NoosWalletClient,
  params: RevealResultParameters,
): Promise<RevealResultAndWaitReturnType> {
  const result = await waitForEvents(client, await revealResult(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "ResultSubmitted") };
}
