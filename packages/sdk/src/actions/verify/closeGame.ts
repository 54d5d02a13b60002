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

export type CloseGameParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
};
export type CloseGameReturnType = Hash;
export type CloseGameErrorType = ContractRevertError | BaseError;

/** Anyone: ends a game whose claim another game already rejected; its challenger's bond is refunded. */
export function closeGame(
  client: NoosWalletClient,
  params: CloseGameParameters,
): Promise<CloseGameReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "closeGame",
    args: [params.gameId],
  });
}

export type CloseGameAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "GameResolved">;
};

/** `closeGame`, then waits for the receipt and returns the decoded `GameResolved` event. */
export async function closeGameAndWait(
  client: NoosWalletClient,
  params: CloseGameParameters,
): Promise<CloseGameAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await closeGame(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "GameResolved") };
}
