import type { Address, Hash } from "viem";
import { getBlock } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import {
  type CoprocessorInput,
  type CoprocessorVerification,
  toInputStruct,
  verificationIndex,
} from "./types.js";

export type RequestInferenceParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  /** ModelRegistry model id. */
  modelId: bigint;
  input: CoprocessorInput;
  /** Default "none". */
  verification?: CoprocessorVerification;
  /** Nodes that must deliver: 1 for none and zk (default), 2..7 for redundant (default 2). */
  redundancy?: number;
  /** Payment token (listed in ProtocolParams), escrowed at the coordinator by the caller. */
  token: Address;
  /** Most paid per delivery (node fee + protocol fee), in wei. */
  feeCap: bigint;
  /** Gas for the caller's callback; 0 (default) for an account that polls instead. */
  callbackGasLimit?: number;
  /** Delivery deadline, unix seconds. Default: the latest block's time + `timeout`. */
  deadline?: bigint;
  /** Seconds until the deadline when `deadline` is not given. Default 600. */
  timeout?: number;
};
export type RequestInferenceReturnType = Hash;
export type RequestInferenceErrorType = InvalidParameterError | ContractRevertError | BaseError;

/** Shapes one-shot request parameters as the contract's `RequestParams`. */
export async function toRequestParams(
  client: NoosWalletClient,
  params: RequestInferenceParameters,
) {
  const verification = params.verification ?? "none";
  const redundancy = params.redundancy ?? (verification === "redundant" ? 2 : 1);
  if (!Number.isInteger(redundancy) || redundancy < 1 || redundancy > 7) {
    throw new InvalidParameterError({
      field: "redundancy",
      expected: "1..7",
      received: redundancy,
    });
  }
  let deadline = params.deadline;
  if (deadline === undefined) {
    const block = await getBlock(client);
    deadline = block.timestamp + BigInt(params.timeout ?? 600);
  }
  return {
    modelId: params.modelId,
    input: toInputStruct(params.input),
    verification: verificationIndex(verification),
    redundancy,
    paymentToken: params.token,
    feeCap: params.feeCap,
    callbackGasLimit: params.callbackGasLimit ?? 0,
    deadline,
    activeAt: 0n,
    period: 0,
    frequency: 1,
  };
}

/**
 * Requests one inference, paid from the caller's escrow at the coordinator (fund it with
 * `depositCoprocessorEscrow`): locks `feeCap * redundancy` until delivery or refund.
 */
export async function requestInference(
  client: NoosWalletClient,
  params: RequestInferenceParameters,
): Promise<RequestInferenceReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "request",
    args: [await toRequestParams(client, params)],
  });
}

export type RequestInferenceAndWaitReturnType = WaitResult & {
  requestId: bigint;
  event: EventArgs<typeof coprocessorCoordinatorAbi, "RequestCreated">;
};

/** `requestInference`, then waits and returns the request id with its `RequestCreated` event. */
export async function requestInferenceAndWait(
  client: NoosWalletClient,
  params: RequestInferenceParameters,
): Promise<RequestInferenceAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await requestInference(client, params),
    coprocessorCoordinatorAbi,
  );
  const event = eventArgs(result, coprocessorCoordinatorAbi, "RequestCreated");
  return { ...result, requestId: event.requestId, event };
}
