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

export type ResolveUnclaimedParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  leaseId: bigint;
};
export type ResolveUnclaimedReturnType = Hash;
export type ResolveUnclaimedErrorType = ContractRevertError | BaseError;

/** Anyone: a lease its tenant disputed whose provider posted no claim in time is resolved for the tenant. */
export function resolveUnclaimed(
  client: NoosWalletClient,
  params: ResolveUnclaimedParameters,
): Promise<ResolveUnclaimedReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "resolveUnclaimed",
    args: [params.leaseId],
  });
}

export type ResolveUnclaimedAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "UnclaimedResolved">;
};

/** `resolveUnclaimed`, then waits for the receipt and returns the decoded `UnclaimedResolved` event. */
export async function resolveUnclaimedAndWait(
  client: NoosWalletClient,
  params: ResolveUnclaimedParameters,
): Promise<ResolveUnclaimedAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await resolveUnclaimed(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "UnclaimedResolved") };
}
