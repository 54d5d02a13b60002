import type { Address, Hash, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { fixedRateExchangeAbi } from "../../generated/abis.js";
import { simulateAndWrite, type WaitResult, waitForEvents } from "../../internal/write.js";

export type CollectDataRevenueParameters = {
  /** FixedRateExchange address. */
  address: Address;
  exchangeId: Hex;
  /** Wei; default everything the exchange holds for the publisher. */
  amount?: bigint | undefined;
};
export type CollectDataRevenueReturnType = Hash;
export type CollectDataRevenueErrorType = ContractRevertError | BaseError;

/** Sends the exchange's base-token balance (datatoken sales) to the datatoken's payment collector. Anyone may call. */
export async function collectDataRevenue(
  client: NoosWalletClient,
  params: CollectDataRevenueParameters,
): Promise<CollectDataRevenueReturnType> {
  const amount =
    params.amount ??
    (
      await readContract(client, {
        address: params.address,
        abi: fixedRateExchangeAbi,
        functionName: "getExchange",
        args: [params.exchangeId],
      })
    ).btBalance;
  return simulateAndWrite(client, {
    address: params.address,
    abi: fixedRateExchangeAbi,
    functionName: "collectBT",
    args: [params.exchangeId, amount],
  });
}

/** `collectDataRevenue`, then waits for the receipt. */
export async function collectDataRevenueAndWait(
  client: NoosWalletClient,
  params: CollectDataRevenueParameters,
): Promise<WaitResult> {
  return waitForEvents(client, await collectDataRevenue(client, params), fixedRateExchangeAbi);
}
