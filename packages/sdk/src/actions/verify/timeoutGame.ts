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

export type TimeoutGameParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
};
export type TimeoutGameReturnType = Hash;
export type TimeoutGameErrorType = ContractRevertError | BaseError;

/** Anyone, after the current move's deadline: the side that had to move loses the game. */
export function timeoutGame(
  client: NoosWalletClient,
  params: TimeoutGameParameters,
): Promise<TimeoutGameReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "timeout",
    args: [params.gameId],
  });
}

export type TimeoutGameAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "GameResolved">;
};

/** `timeoutGame`, then waits for the receipt and returns the decoded `GameResolved` event. */
export async function timeoutGameAndWait(
  client: NoosWalletClient,
  params: TimeoutGameParameters,
): Promise<TimeoutGameAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await timeoutGame(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "GameResolved") };
}
