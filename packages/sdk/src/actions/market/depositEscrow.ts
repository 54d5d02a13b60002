import type { Address, Hash } from "viem";
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

export type DepositEscrowParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
  /** In wei of the order's payment token. */
  amount: bigint;
};
export type DepositEscrowReturnType = Hash;
export type DepositEscrowErrorType = ContractRevertError | BaseError;

/** Adds `amount` to the escrow of an open order or active lease (approve the market first). */
export function depositEscrow(
  client: NoosWalletClient,
  params: DepositEscrowParameters,
): Promise<DepositEscrowReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: computeMarketAbi,
    functionName: "deposit",
    args: [params.orderId, params.amount],
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
