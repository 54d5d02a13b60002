import type { Address, Hash, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { fixedRateExchangeAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { ensureAllowance } from "./types.js";

export type BuyDatatokensParameters = {
  /** FixedRateExchange address. */
  address: Address;
  exchangeId: Hex;
  /** Datatokens to buy, wei (1 DT = 1e18: one order). Default 1 DT. */
  amount?: bigint | undefined;
  /** Most base token to pay, wei; default the current quote (no slippage at a fixed rate). */
  maxBaseTokenAmount?: bigint | undefined;
  consumeMarket?: { address: Address; fee: bigint } | undefined;
  /** Approve the base token for the exchange first if needed (default true). */
  approve?: boolean | undefined;
};
export type BuyDatatokensReturnType = Hash;
export type BuyDatatokensErrorType = ContractRevertError | BaseError;

const ONE = 10n ** 18n;

/** Buys datatokens at the exchange's fixed rate, paying rate + protocol, publish-market and consume-market fees. */
export async function buyDatatokens(
  client: NoosWalletClient,
  params: BuyDatatokensParameters,
): Promise<BuyDatatokensReturnType> {
  const amount = params.amount ?? ONE;
  const cm = params.consumeMarket;
  const quote = await readContract(client, {
    address: params.address,
    abi: fixedRateExchangeAbi,
    functionName: "calcBaseInGivenOutDT",
    args: [params.exchangeId, amount, cm?.fee ?? 0n],
  });
  const max = params.maxBaseTokenAmount ?? quote.baseTokenAmount;
  if (params.approve ?? true) {
    const ex = await readContract(client, {
      address: params.address,
      abi: fixedRateExchangeAbi,
      functionName: "getExchange",
      args: [params.exchangeId],
    });
    await ensureAllowance(client, ex.baseToken, params.address, max);
  }
  return simulateAndWrite(client, {
    address: params.address,
    abi: fixedRateExchangeAbi,
    functionName: "buyDT",
    args: [
      params.exchangeId,
      amount,
      max,
      cm?.address ?? "0x0000000000000000000000000000000000000000",
      cm?.fee ?? 0n,
    ],
  });
}

export type BuyDatatokensAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof fixedRateExchangeAbi, "Swapped">;
};

/** `buyDatatokens`, then waits and returns the `Swapped` event (amounts and fees). */
export async function buyDatatokensAndWait(
  client: NoosWalletClient,
  params: BuyDatatokensParameters,
): Promise<BuyDatatokensAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await buyDatatokens(client, params),
    fixedRateExchangeAbi,
  );
  return { ...result, event: eventArgs(result, fixedRateExchangeAbi, "Swapped") };
}
