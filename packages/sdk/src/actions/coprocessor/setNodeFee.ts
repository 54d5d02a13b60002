import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type SetNodeFeeParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  modelId: bigint;
  token: Address;
  /** Fee per delivery, in wei; the protocol fee comes on top. */
  fee: bigint;
  /** False stops serving the model in `token`. Default true. */
  serves?: boolean;
};
export type SetNodeFeeReturnType = Hash;
export type SetNodeFeeErrorType = ContractRevertError | BaseError;

/** Sets the calling node's fee for a model in a token (the node must hold the minimum COPROCESSOR stake). */
export function setNodeFee(
  client: NoosWalletClient,
  params: SetNodeFeeParameters,
): Promise<SetNodeFeeReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "setNodeFee",
    args: [
      params.modelId,
      params.token,
      params.serves ?? true,
      params.serves === false ? 0n : params.fee,
    ],
  });
}

export type SetNodeFeeAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "NodeFeeSet">;
};

/** `setNodeFee`, then waits for the receipt and returns the decoded `NodeFeeSet` event. */
export async function setNodeFeeAndWait(
  client: NoosWalletClient,
  params: SetNodeFeeParameters,
): Promise<SetNodeFeeAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await setNodeFee(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "NodeFeeSet") };
}
