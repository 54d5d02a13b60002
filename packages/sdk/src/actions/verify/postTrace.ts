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

export type PostTraceParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
  startComponents: readonly Hex[];
  opRoots: readonly Hex[];
  endComponents: readonly Hex[];
};
export type PostTraceReturnType = Hash;
export type PostTraceErrorType = ContractRevertError | BaseError;

/** Level B, asserter: opens the disputed transition lo -> lo + 1 (start components, every op's output root, end components); the contract binds them to the agreed state at lo and the asserter's state at hi. */
export function postTrace(
  client: NoosWalletClient,
  params: PostTraceParameters,
): Promise<PostTraceReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "postTrace",
    args: [params.gameId, params.startComponents, params.opRoots, params.endComponents],
  });
}

export type PostTraceAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "TracePosted">;
};

/** `postTrace`, then waits for the receipt and returns the decoded `TracePosted` event. */
export async function postTraceAndWait(
  client: NoosWalletClient,
  params: PostTraceParameters,
): Promise<PostTraceAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await postTrace(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "TracePosted") };
}
