import type { Address, Hash, Hex } from "viem";
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
import { type CoprocessorOutput, type CoprocessorRequest, toOutputStruct } from "./types.js";

export type DeliverInferenceParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  /** The committed request (`getInferenceRequest(...).request` or the `RequestCreated` event). */
  request: CoprocessorRequest;
  /** Default 1 (one-shot requests). */
  interval?: number;
  /** Inline values, or a CID plus hash. For zk: exactly the proven outputs. */
  output: Partial<CoprocessorOutput>;
  /** Zk: `encodeCoprocessorProof(proof, publicSignals)`; ignored otherwise. Default 0x. */
  proof?: Hex;
};
export type DeliverInferenceReturnType = Hash;
export type DeliverInferenceErrorType = ContractRevertError | BaseError;

/** Delivers an output as the calling node (staked, serving the model): paid at settlement, then the requester's callback runs. */
export function deliverInference(
  client: NoosWalletClient,
  params: DeliverInferenceParameters,
): Promise<DeliverInferenceReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "deliver",
    args: [
      params.request,
      params.interval ?? 1,
      toOutputStruct(params.output),
      params.proof ?? "0x",
    ],
  });
}

export type DeliverInferenceAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof coprocessorCoordinatorAbi, "OutputDelivered">;
};

/** `deliverInference`, then waits for the receipt and returns the decoded `OutputDelivered` event. */
export async function deliverInferenceAndWait(
  client: NoosWalletClient,
  params: DeliverInferenceParameters,
): Promise<DeliverInferenceAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await deliverInference(client, params),
    coprocessorCoordinatorAbi,
  );
  return { ...result, event: eventArgs(result, coprocessorCoordinatorAbi, "OutputDelivered") };
}
