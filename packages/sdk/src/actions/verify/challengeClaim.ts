import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type ChallengeClaimParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  claimId: bigint;
  /** The challenger's own final state (must differ from the claim's). */
  challengerFinal: Hex;
  /** In wei (>= minBond). */
  bond: bigint;
};
export type ChallengeClaimReturnType = Hash;
export type ChallengeClaimErrorType = ContractRevertError | BaseError;

/** Challenges an open claim before its window ends with a bond (approve first) and the final state the challenger computed; opens a game in which the asserter moves first. */
export function challengeClaim(
  client: NoosWalletClient,
  params: ChallengeClaimParameters,
): Promise<ChallengeClaimReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "challenge",
    args: [params.claimId, params.challengerFinal, params.bond],
  });
}

export type ChallengeClaimAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "ClaimChallenged">;
};

/** `challengeClaim`, then waits for the receipt and returns the decoded `ClaimChallenged` event. */
export async function challengeClaimAndWait(
  client: NoosWalletClient,
  params: ChallengeClaimParameters,
): Promise<ChallengeClaimAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await challengeClaim(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "ClaimChallenged") };
}
