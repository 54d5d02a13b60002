import type { Address, Hash } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { signPermit } from "../token/signPermit.js";

export type DepositEscrowParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
  /** In wei of the order's payment token. */
  amount: bigint;
  /**
   * Pay with an EIP-2612 permit signed here (no approve transaction): `true`, or the permit's
   * deadline in unix seconds (default one hour after the chain's latest block). Left out: approve the market first.
   */
  permit?: boolean | { deadline: bigint } | undefined;
};
export type DepositEscrowReturnType = Hash;
export type DepositEscrowErrorType = ContractRevertError | BaseError;

/**
 * Adds `amount` to the escrow of an open order or active lease: with `permit`, through a permit
 * signed here (`depositWithPermit`; the order's token is read first); otherwise from the caller's
 * allowance (approve the market first).
 */
export async function depositEscrow(
  client: NoosWalletClient,
  params: DepositEscrowParameters,
): Promise<DepositEscrowReturnType> {
  if (!params.permit) {
    return simulateAndWrite(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "deposit",
      args: [params.orderId, params.amount],
    });
  }
  const order = await readContract(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "getOrder",
    args: [params.orderId],
  });
  const { deadline, v, r, s } = await signPermit(client, {
    token: order.token,
    spender: params.address,
    value: params.amount,
    deadline: params.permit === true ? undefined : params.permit.deadline,
  });
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "depositWithPermit",
    args: [params.orderId, params.amount, deadline, v, r, s],
  });
}

export type DepositEscrowAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof computeMarketAbi, "EscrowDeposited">;
};

/** `depositEscrow`, then waits for the receipt and returns the decoded `EscrowDeposited` event. */
export async function depositEscrowAndWait(
  client: NoosWalletClient,
  params: DepositEscrowParameters,
): Promise<DepositEscrowAndWaitReturnType> {
  const result = await waitForEvents(client, await depositEscrow(client, params), computeMarketAbi);
  return { ...result, event: eventArgs(result, computeMarketAbi, "EscrowDeposited") };
}
