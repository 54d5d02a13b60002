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

export type ChooseIntervalParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
  /** The states of the last `StatesBisected` event of the game. */
  states: readonly Hex[];
  /** 0..states.length: the interval [points[index], points[index + 1]] of [lo, ...splitPoints, hi]. */
  index: bigint;
};
export type ChooseIntervalReturnType = Hash;
export type ChooseIntervalErrorType = ContractRevertError | BaseError;

/** Level A, challenger: passes back the asserter's last states and picks sub-interval `index` (the first whose right end it disputes). */
export function chooseInterval(
  client: NoosWalletClient,
  params: ChooseIntervalParameters,
): Promise<ChooseIntervalReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "chooseInterval",
    args: [params.gameId, params.states, params.index],
  });
}

export type ChooseIntervalAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "IntervalChosen">;
};

/** `chooseInterval`, then waits for the receipt and returns the decoded `IntervalChosen` event. */
export async function chooseIntervalAndWait(
  client: NoosWalletClient,
  params: ChooseIntervalParameters,
): Promise<ChooseIntervalAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await chooseInterval(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "IntervalChosen") };
}
