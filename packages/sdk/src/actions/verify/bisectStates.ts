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

export type BisectStatesParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
  /** Exactly `getSplitPoints(game.lo, game.hi).length` state hashes, in order. */
  states: readonly Hex[];
};
export type BisectStatesReturnType = Hash;
export type BisectStatesErrorType = ContractRevertError | BaseError;

/** Level A, asserter: posts the state hashes at `getSplitPoints(lo, hi)` of the game's current interval. */
export function bisectStates(
  client: NoosWalletClient,
  params: BisectStatesParameters,
): Promise<BisectStatesReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "bisect",
    args: [params.gameId, params.states],
  });
}

export type BisectStatesAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "StatesBisected">;
};

/** `bisectStates`, then waits for the receipt and returns the decoded `StatesBisected` event. */
export async function bisectStatesAndWait(
  client: NoosWalletClient,
  params: BisectStatesParameters,
): Promise<BisectStatesAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await bisectStates(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "StatesBisected") };
}
