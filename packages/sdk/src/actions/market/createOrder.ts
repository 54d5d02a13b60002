import type { Address, Hash, Hex } from "viem";
import { isAddress, isHex } from "viem";
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
import { type Attribute, toAttributes } from "../registry/types.js";
import { type MarketPayment, permitFor } from "./payment.js";

export type CreateOrderParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** Content id of the job manifest. */
  manifestCid: string;
  /** Hash of the manifest bytes (bound on chain; providers check it). */
  manifestHash: Hex;
  /** What the job needs; providers check their capacity off chain. */
  resources?: {
    cpuMillis?: number;
    memoryBytes?: bigint;
    storageBytes?: bigint;
    gpus?: number;
  };
  /** Attributes a provider must have (key `*` wildcards allowed), and trusted auditors. */
  placement?: {
    attributes?: readonly Attribute[] | Record<string, string>;
    allOf?: readonly Address[];
    anyOf?: readonly Address[];
  };
  /** Payment token (must be listed in ProtocolParams). */
  token: Address;
  /** Highest price accepted, in wei per second. */
  maxPricePerSecond: bigint;
  /**
   * Escrow, in wei. A batch job needs at least maxPricePerSecond x jobTimeout. Taken from the
   * caller's market balance first, the rest from its allowance (see `permit`).
   */
  deposit: bigint;
  /** Seconds during which providers may bid. Default 60. */
  bidWindow?: number;
  /** 0 for a service lease; else the batch-job deadline in seconds after the lease starts. Default 0. */
  jobTimeout?: number;
  /**
   * How the deposit is paid. Left out: the market balance first, then the allowance, and when
   * the two fall short an EIP-2612 permit for the whole deposit, signed here
   * (`createOrderWithPermit`, no approve transaction; the token must have permits, as NOOS
   * does). `true` or `{ deadline }` (unix seconds): always the permit. `false`: never.
   */
  permit?: MarketPayment;
};
export type CreateOrderReturnType = Hash;
export type CreateOrderErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Opens an order and escrows `deposit` from the caller: from its market balance first, the rest
 * from its allowance (`createOrder`); when balance and allowance fall short, the whole deposit
 * through a permit signed here (`createOrderWithPermit`). A returning tenant whose refunds sit in
 * its balance opens an order with no token transfer at all.
 */
export async function createOrder(
  client: NoosWalletClient,
  params: CreateOrderParameters,
): Promise<CreateOrderReturnType> {
  const order = toOrderParams(params);
  const permit = await permitFor(client, {
    market: params.address,
    token: params.token,
    amount: params.deposit,
    permit: params.permit,
  });
  if (!permit) {
    return simulateAndWrite(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "createOrder",
      args: [order],
    });
  }
  const { deadline, v, r, s } = permit;
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "createOrderWithPermit",
    args: [order, deadline, v, r, s],
  });
}

export type CreateOrderAndWaitReturnType = WaitResult & {
  orderId: bigint;
  event: EventArgs<typeof computeMarketAbi, "OrderCreated">;
};

/** `createOrder`, then waits and returns the new order id with its `OrderCreated` event. */
export async function createOrderAndWait(
  client: NoosWalletClient,
  params: CreateOrderParameters,
): Promise<CreateOrderAndWaitReturnType> {
  const result = await waitForEvents(client, await createOrder(client, params), computeMarketAbi);
  const event = eventArgs(result, computeMarketAbi, "OrderCreated");
  return { ...result, orderId: event.orderId, event };
}

/** Validates the parameters (errors name the field) and shapes them as the contract's struct. */
export function toOrderParams(params: CreateOrderParameters) {
  const bidWindow = params.bidWindow ?? 60;
  const jobTimeout = params.jobTimeout ?? 0;
  if (!params.manifestCid) {
    throw new InvalidParameterError({
      field: "manifestCid",
      expected: "a content id",
      received: params.manifestCid,
    });
  }
  if (!isHex(params.manifestHash) || params.manifestHash.length !== 66) {
    throw new InvalidParameterError({
      field: "manifestHash",
      expected: "a 32-byte hex hash",
      received: params.manifestHash,
    });
  }
  if (!isAddress(params.token)) {
    throw new InvalidParameterError({
      field: "token",
      expected: "an address",
      received: params.token,
    });
  }
  if (params.maxPricePerSecond <= 0n) {
    throw new InvalidParameterError({
      field: "maxPricePerSecond",
      expected: "> 0",
      received: params.maxPricePerSecond,
    });
  }
  if (params.deposit <= 0n) {
    throw new InvalidParameterError({
      field: "deposit",
      expected: "> 0",
      received: params.deposit,
    });
  }
  checkUint("bidWindow", bidWindow, 2 ** 32);
  checkUint("jobTimeout", jobTimeout, 2 ** 32);
  if (jobTimeout > 0 && params.deposit < params.maxPricePerSecond * BigInt(jobTimeout)) {
    throw new InvalidParameterError({
      field: "deposit",
      expected: `>= maxPricePerSecond x jobTimeout = ${params.maxPricePerSecond * BigInt(jobTimeout)}`,
      received: params.deposit,
    });
  }
  const r = params.resources ?? {};
  return {
    manifestCid: params.manifestCid,
    manifestHash: params.manifestHash,
    resources: {
      cpuMillis: r.cpuMillis ?? 0,
      memoryBytes: r.memoryBytes ?? 0n,
      storageBytes: r.storageBytes ?? 0n,
      gpus: r.gpus ?? 0,
    },
    placement: {
      attributes: toAttributes(params.placement?.attributes ?? []),
      allOf: [...(params.placement?.allOf ?? [])],
      anyOf: [...(params.placement?.anyOf ?? [])],
    },
    token: params.token,
    maxPricePerSecond: params.maxPricePerSecond,
    deposit: params.deposit,
    bidWindow,
    jobTimeout,
  } as const;
}

function checkUint(field: string, value: number, limit: number) {
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new InvalidParameterError({
      field,
      expected: `an integer in [0, ${limit})`,
      received: value,
    });
  }
}
