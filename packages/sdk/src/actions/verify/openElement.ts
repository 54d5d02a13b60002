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

export type OpenElementParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
  startComponents: readonly Hex[];
  opRoots: readonly Hex[];
  /** The referee's opening bytes (`openElement` of @noosphere/ml's fixed executor). */
  opening: Hex;
};
export type OpenElementReturnType = Hash;
export type OpenElementErrorType = ContractRevertError | BaseError;

/** Level C, asserter: passes back its trace and opens the named element; the referee recomputes it and the game is resolved. */
export function openElement(
  client: NoosWalletClient,
  params: OpenElementParameters,
): Promise<OpenElementReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "openElement",
    args: [params.gameId, params.startComponents, params.opRoots, params.opening],
  });
}

export type OpenElementAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "GameResolved">;
};

/** `openElement`, then waits for the receipt and returns the decoded `GameResolved` event. */
export async function openElementAndWait(
  client: NoosWalletClient,
  params: OpenElementParameters,
): Promise<OpenElementAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await openElement(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "GameResolved") };
}
