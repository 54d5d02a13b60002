import type { Address, Hash } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import type { ProviderFee } from "../../data/providerFee.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { datatokenAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { ensureAllowance, NO_FEE, type OrderFee } from "./types.js";

export type StartDataOrderParameters = {
  /** Datatoken address. */
  address: Address;
  /** Who gets access; default the caller (the payer). */
  consumer?: Address | undefined;
  /** Service index in the DDO (0: the first). */
  serviceIndex?: number | undefined;
  /** The provider's signed quote (signProviderFee). */
  providerFee: ProviderFee;
  consumeMarketFee?: OrderFee | undefined;
  /** Approve the publish-market, consume-market and provider fee tokens if needed (default true). */
  approve?: boolean | undefined;
};
export type StartDataOrderReturnType = Hash;
export type StartDataOrderErrorType = ContractRevertError | BaseError;

/**
 * Spends 1 datatoken for access: pays the publish-market fee, the consume-market fee and the
 * provider's quoted fee; the access lasts `validity` seconds from this transaction's inclusion.
 */
export async function startDataOrder(
  client: NoosWalletClient,
  params: StartDataOrderParameters,
): Promise<StartDataOrderReturnType> {
  const consumeFee = params.consumeMarketFee ?? NO_FEE;
  if (params.approve ?? true) {
    const pub = await readContract(client, {
      address: params.address,
      abi: datatokenAbi,
      functionName: "publishMarketFee",
    });
    // Sum per token: several fees may be in the same token.
    const needs = new Map<Address, bigint>();
    const add = (token: Address, amount: bigint, to: Address) => {
      if (to === "0x0000000000000000000000000000000000000000") return;
      needs.set(token, (needs.get(token) ?? 0n) + amount);
    };
    add(pub.token, pub.amount, pub.feeAddress);
    add(consumeFee.token, consumeFee.amount, consumeFee.feeAddress);
    add(
      params.providerFee.providerFeeToken,
      params.providerFee.providerFeeAmount,
      params.providerFee.providerFeeAddress,
    );
    for (const [token, amount] of needs)
      await ensureAllowance(client, token, params.address, amount);
  }
  return simulateAndWrite(client, {
    address: params.address,
    abi: datatokenAbi,
    functionName: "startOrder",
    args: [
      params.consumer ?? client.account.address,
      params.serviceIndex ?? 0,
      params.providerFee,
      consumeFee,
    ],
  });
}

export type StartDataOrderAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof datatokenAbi, "OrderStarted">;
  orderId: bigint;
  validUntil: bigint;
};

/** `startDataOrder`, then waits and returns the order id and its expiry. */
export async function startDataOrderAndWait(
  client: NoosWalletClient,
  params: StartDataOrderParameters,
): Promise<StartDataOrderAndWaitReturnType> {
  const result = await waitForEvents(client, await startDataOrder(client, params), datatokenAbi);
  const event = eventArgs(result, datatokenAbi, "OrderStarted");
  return { ...result, event, orderId: event.orderId, validUntil: event.validUntil };
}
