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

export type PickElementParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
  op: bigint;
  /** Below the referee's numElements(spec, lo, op). */
  element: bigint;
};
export type PickElementReturnType = Hash;
export type PickElementErrorType = ContractRevertError | BaseError;

/** Level C, challenger: names one output element of one op of the disputed transition. */
export function pickElement(
  client: NoosWalletClient,
  params: PickElementParameters,
): Promise<PickElementReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: optimisticVerifierAbi,
    functionName: "pickElement",
    args: [params.gameId, params.op, params.element],
  });
}

export type PickElementAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof optimisticVerifierAbi, "ElementPicked">;
};

/** `pickElement`, then waits for the receipt and returns the decoded `ElementPicked` event. */
export async function pickElementAndWait(
  client: NoosWalletClient,
  params: PickElementParameters,
): Promise<PickElementAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await pickElement(client, params),
    optimisticVerifierAbi,
  );
  return { ...result, event: eventArgs(result, optimisticVerifierAbi, "ElementPicked") };
}
