import type { Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type CreateOrderParameters, toOrderParams } from "./createOrder.js";

/** Most orders in one replica group (ComputeMarket.MAX_REPLICAS). */
export const MAX_REPLICAS = 8;

/** `permit` does not apply: the group has no permit form (fund the account or approve first). */
export type CreateOrderGroupParameters = CreateOrderParameters & {
  /** How many identical batch orders to open (2..8); each escrows `deposit`. */
  replicas: number;
};
export type CreateOrderGroupReturnType = Hash;
export type CreateOrderGroupErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Opens `replicas` identical batch orders as one replica group (redundant verification): each
 * provider wins at most one of them, and results are committed before any is revealed. Escrows
 * `replicas x deposit` from the caller's market balance first, the rest from its allowance
 * (fund the account with `fundAccount`, or approve the market, first).
 */
export async function createOrderGroup(
  client: NoosWalletClient,
  params: CreateOrderGroupParameters,
): Promise<CreateOrderGroupReturnType> {
  if (!Number.isInteger(params.replicas) || params.replicas < 2 || params.replicas > MAX_REPLICAS)
    throw new InvalidParameterError({
      field: "replicas",
      received: params.replicas,
      expected: `an integer from 2 to ${MAX_REPLICAS}`,
    });
  if (!params.jobTimeout)
    throw new InvalidParameterError({
      field: "jobTimeout",
      received: params.jobTimeout ?? 0,
      expected: "a batch-job timeout > 0 (replica groups are batch jobs)",
    });
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "createOrderGroup",
    args: [toOrderParams(params), BigInt(params.replicas)],
  });
}

export type CreateOrderGroupAndWaitReturnType = WaitResult & {
  groupId: bigint;
  /** Ids of the group's orders (`groupId .. groupId + replicas - 1`). */
  orderIds: bigint[];
  event: EventArgs<typeof computeMarketAbi, "OrderGroupCreated">;
};

/** `createOrderGroup`, then waits and returns the group id and its order ids. */
export async function createOrderGroupAndWait(
  client: NoosWalletClient,
  params: CreateOrderGroupParameters,
): Promise<CreateOrderGroupAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await createOrderGroup(client, params),
    computeMarketAbi,
  );
  const event = eventArgs(result, computeMarketAbi, "OrderGroupCreated");
  const orderIds = Array.from(
    { length: Number(event.replicas) },
    (_, i) => event.firstOrderId + BigInt(i),
  );
  return { ...result, groupId: event.groupId, orderIds, event };
}
