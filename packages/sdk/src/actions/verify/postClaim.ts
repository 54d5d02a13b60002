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

export type PostClaimParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  /** The market lease, or 0n for a standalone claim. */
  leaseId: bigint;
  /** A spec registered with the referee (`registerSpec`). */
  specHash: Hex;
  /** The asserted final state hash (state n). */
  finalState: Hex;
  /** Seconds during which the claim can be challenged (>= the verifier's minWindow). */
  challengeWindow: bigint;
  /** The lease's result hash (any nonzero commitment for a standalone claim). */
  resultHash: Hex;
  /** In wei (>= minBond). */
  bond: bigint;
};
export type PostClaimReturnType = Hash;
export type PostClaimErrorType = ContractRevertError | BaseError;

/** Posts a bonded claim that spec `specHash` ends in `finalState` (approve the verifier for `bond` first). For a market lease the caller must be its provider, after `submitResult`: the lease's payment is frozen until the claim is final or rejected. */
export function postClaim(
  client: NoosWalletClient,
  params: PostClaimParameters,
): Promise<PostClaimReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "postClaim",
    args: [
      params.leaseId,
      params.specHash,
      params.finalState,
      params.challengeWindow,
      params.resultHash,
      params.bond,
    ],
  });
}

export type PostClaimAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "ClaimPosted">;
};

/** `postClaim`, then waits for the receipt and returns the decoded `ClaimPosted` event. */
export async function postClaimAndWait(
  client: NoosWalletClient,
  params: PostClaimParameters,
): Promise<PostClaimAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await postClaim(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "ClaimPosted") };
}
