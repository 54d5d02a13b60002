import type { Address, Hash } from "viem";
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

export type FinalizeClaimParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  claimId: bigint;
};
export type FinalizeClaimReturnType = Hash;
export type FinalizeClaimErrorType = ContractRevertError | BaseError;

/** Anyone, after the window with no game open: the claim is final, the asserter's bond returned and the lease's payment released. */
export function finalizeClaim(
  client: NoosWalletClient,
  params: FinalizeClaimParameters,
): Promise<FinalizeClaimReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "finalize",
    args: [params.claimId],
  });
}

export type FinalizeClaimAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "ClaimFinalized">;
};

/** `finalizeClaim`, then waits for the receipt and returns the decoded `ClaimFinalized` event. */
export async function finalizeClaimAndWait(
  client: NoosWalletClient,
  params: FinalizeClaimParameters,
): Promise<FinalizeClaimAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await finalizeClaim(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "ClaimFinalized") };
}
