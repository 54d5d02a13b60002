import type { Address, Hex } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { BaseError, decodeContractError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import {
  type CoprocessorOutput,
  type CoprocessorRequest,
  type CoprocessorStatus,
  type CoprocessorVerification,
  statusName,
  verificationName,
} from "./types.js";

export type GetInferenceRequestParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  requestId: bigint;
  /** Interval to report (1 for a one-shot request). Default 1. */
  interval?: number;
  /** First block to search for the request's events. Default 0. */
  fromBlock?: bigint;
};

export type InferenceRequest = {
  requestId: bigint;
  /** The committed request: pass it to `deliverInference`, `refundInferenceRequest`, `cancelSubscription`. */
  request: CoprocessorRequest;
  verification: CoprocessorVerification;
  input: { values: readonly bigint[]; hash: Hex; cid: string };
  interval: number;
  status: CoprocessorStatus;
  deliveries: number;
  callbackFailed: boolean;
  locked: bigint;
  /** The agreed output hash once delivered. */
  outputHash: Hex;
  /** The delivered output (from `OutputDelivered`), once delivered. */
  output?: CoprocessorOutput;
  /** Who delivered the interval's outputs. */
  nodes: Address[];
  /** Unix seconds after which the interval is refundable if undelivered. */
  deadline: bigint;
};

/** A request (or subscription) and the state of one of its intervals, from its events and storage. */
export async function getInferenceRequest(
  client: NoosReadClient,
  params: GetInferenceRequestParameters,
): Promise<InferenceRequest> {
  const interval = params.interval ?? 1;
  const fromBlock = params.fromBlock ?? 0n;
  try {
    const created = await getContractEvents(client, {
      address: params.address,
      abi: coprocessorCoordinatorAbi,
      eventName: "RequestCreated",
      args: { requestId: params.requestId },
      fromBlock,
      strict: true,
    });
    const first = created[0];
    if (!first) throw new BaseError(`Coprocessor request ${params.requestId} not found.`);
    const { request, input } = first.args;
    const state = await readContract(client, {
      address: params.address,
      abi: coprocessorCoordinatorAbi,
      functionName: "getInterval",
      args: [params.requestId, interval],
    });
    const delivered = await getContractEvents(client, {
      address: params.address,
      abi: coprocessorCoordinatorAbi,
      eventName: "OutputDelivered",
      args: { requestId: params.requestId, interval },
      fromBlock: first.blockNumber,
      strict: true,
    });
    const status = statusName(state.status);
    const agreed = delivered.find((e) => e.args.outputHash === state.outputHash);
    return {
      requestId: params.requestId,
      request,
      verification: verificationName(request.verification),
      input,
      interval,
      status,
      deliveries: state.deliveries,
      callbackFailed: state.callbackFailed,
      locked: state.locked,
      outputHash: state.outputHash,
      ...(status === "delivered" && agreed ? { output: agreed.args.output } : {}),
      nodes: delivered.map((e) => e.args.node),
      deadline:
        request.activeAt + BigInt(interval - 1) * BigInt(request.period) + BigInt(request.timeout),
    };
  } catch (err) {
    if (err instanceof BaseError) throw err;
    throw decodeContractError(err, coprocessorCoordinatorAbi);
  }
}
