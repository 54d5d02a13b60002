import type { Address, Hash } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { type MarketPayment, permitFor } from "./payment.js";

export type DepositEscrowParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
  /** In wei of the order's payment token. */
  amount: bigint;
  /**
   * How it is paid. Left out: the market balance first, then the allowance, and when the two
   * fall short an EIP-2612 permit for the whole amount, signed here (`depositWithPermit`).
   * `true` or `{ deadline }` (unix seconds): always the permit. `false`: never.
   */
  permit?: MarketPayment;
};
export type DepositEscrowReturnType = Hash;
export type DepositEscrowErrorType = ContractRevertError | BaseError;

/**
 * Adds `amount` to the escrow of an open order or active service lease: from the caller's market
 * balance first, the rest from its allowance (`deposit`); when balance and allowance fall short,
 * the whole amount through a permit signed here (`depositWithPermit`; the order's token is read
 * first).
 */
export async function depositEscrow(
  client: NoosWalletClient,
  params: DepositEscrowParameters,
): Promise<DepositEscrowReturnType> {
  let permit: Awaited<ReturnType<typeof permitFor>>;
  if (params.permit !== false) {
    let token: Address;
    try {
      ({ token } = await readContract(client, {
        address: params.address,
        abi: computeMarketAbi,
        functionName: "getOrder",
        args: [params.orderId],
      }));
    } catch (err) {
      throw decodeContractError(err, computeMarketAbi);
    }
    permit = await permitFor(client, {
      market: params.address,
      token,
      amount: params.amount,
      permit: params.permit,
    });
  }
  if (!permit) {
    return simulateAndWrite(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "deposit",
      args: [params.orderId, params.amount],
    });
  }
  const { deadline, v, r, s } = permit;
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
