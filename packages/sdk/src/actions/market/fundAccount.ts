import type { Address, Hash } from "viem";
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
import { type MarketPayment, permitFor } from "./payment.js";

export type FundAccountParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** Payment token (listed in ProtocolParams). */
  token: Address;
  /** In wei. */
  amount: bigint;
  /**
   * Left out: from the allowance when it covers `amount` (`fund`), else an EIP-2612 permit for
   * `amount` signed here (`fundWithPermit`, no approve transaction). `true` or `{ deadline }`
   * (unix seconds): always the permit. `false`: never (approve the market first).
   */
  permit?: MarketPayment;
};
export type FundAccountReturnType = Hash;
export type FundAccountErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Adds `amount` of `token` from the caller's wallet to its market balance, which later orders
 * and top-ups draw on first (`createOrder`, `depositEscrow`, `createOrderGroup`).
 */
export async function fundAccount(
  client: NoosWalletClient,
  params: FundAccountParameters,
): Promise<FundAccountReturnType> {
  if (params.amount <= 0n) {
    throw new InvalidParameterError({ field: "amount", expected: "> 0", received: params.amount });
  }
  const permit = await permitFor(client, {
    market: params.address,
    token: params.token,
    amount: params.amount,
    permit: params.permit,
    fromBalance: false,
  });
  if (!permit) {
    return simulateAndWrite(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "fund",
      args: [params.token, params.amount],
    });
  }
  const { deadline, v, r, s } = permit;
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "fundWithPermit",
    args: [params.token, params.amount, deadline, v, r, s],
  });
}

export type FundAccountAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "AccountFunded">;
};

/** `fundAccount`, then waits for the receipt and returns the decoded `AccountFunded` event. */
export async function fundAccountAndWait(
  client: NoosWalletClient,
  params: FundAccountParameters,
): Promise<FundAccountAndWaitReturnType> {
  const result = await waitForEvents(client, await fundAccount(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "AccountFunded") };
}
