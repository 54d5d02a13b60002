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
import { signPermit } from "../token/signPermit.js";

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
  /** Escrow, in wei. A batch job needs at least maxPricePerSecond x jobTimeout. */
  deposit: bigint;
  /** Seconds during which providers may bid. Default 60. */
  bidWindow?: number;
  /** Most bids accepted. Default 20. */
  maxBids?: number;
  /** 0 for a service lease; else the batch-job deadline in seconds after the lease starts. Default 0. */
  jobTimeout?: number;
  /**
   * Escrow with an EIP-2612 permit signed here (no approve transaction; the token must have
   * permits, as NOOS does): `true`, or the permit's deadline in unix seconds (default one hour
   * after the chain's latest block). Left out: the market takes the deposit from an allowance (approve it first).
   */
  permit?: boolean | { deadline: bigint } | undefined;
};
export type CreateOrderReturnType = Hash;
export type CreateOrderErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Opens an order and escrows `deposit` from the caller: with `permit`, through a permit signed
 * here (`createOrderWithPermit`); otherwise from its allowance (approve the market first).
 */
export async function createOrder(
  client: NoosWalletClient,
  params: CreateOrderParameters,
): Promise<CreateOrderReturnType> {
  const order = toOrderParams(params);
  if (!params.permit) {
    return simulateAndWrite(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "createOrder",
      args: [order],
    });
  }
  const { deadline, v, r, s } = await signPermit(client, {
    token: params.token,
    spender: params.address,
    value: params.deposit,
    deadline: params.permit === true ? undefined : params.permit.deadline,
  });
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
  const maxBids = params.maxBids ?? 20;
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
  checkUint("maxBids", maxBids, 2 ** 16);
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
    maxBids,
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
