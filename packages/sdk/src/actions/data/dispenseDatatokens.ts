import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { dispenserAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type DispenseDatatokensParameters = {
  /** Dispenser address. */
  address: Address;
  datatoken: Address;
  /** Wei; default 1 DT. */
  amount?: bigint | undefined;
  /** Default the caller. */
  destination?: Address | undefined;
};
export type DispenseDatatokensReturnType = Hash;
export type DispenseDatatokensErrorType = ContractRevertError | BaseError;

/** Takes free datatokens from the dispenser (within its maxTokens / maxBalance). */
export function dispenseDatatokens(
  client: NoosWalletClient,
  params: DispenseDatatokensParameters,
): Promise<DispenseDatatokensReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: dispenserAbi,
    functionName: "dispense",
    args: [
      params.datatoken,
      params.amount ?? 10n ** 18n,
      params.destination ?? client.account.address,
    ],
  });
}

export type DispenseDatatokensAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof dispenserAbi, "TokensDispensed">;
};

/** `dispenseDatatokens`, then waits and returns the `TokensDispensed` event. */
export async function dispenseDatatokensAndWait(
  client: NoosWalletClient,
  params: DispenseDatatokensParameters,
): Promise<DispenseDatatokensAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await dispenseDatatokens(client, params),
    dispenserAbi,
  );
  return { ...result, event: eventArgs(result, dispenserAbi, "TokensDispensed") };
}
