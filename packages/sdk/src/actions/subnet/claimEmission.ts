import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type ClaimEmissionParameters = {
  /** SubnetRegistry address. */
  address: Address;
  /** Whose emission to mint (to that account). Default: the caller. */
  account?: Address;
};
export type ClaimEmissionReturnType = Hash;
export type ClaimEmissionErrorType = ContractRevertError | BaseError;

/** Mints an account's credited subnet emission to it (`SubnetNothingToClaim` if none). */
export async function claimEmission(
  client: NoosWalletClient,
  params: ClaimEmissionParameters,
): Promise<ClaimEmissionReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "claim",
    args: [params.account ?? client.account.address],
  });
}

export type ClaimEmissionAndWaitReturnType = WaitResult & {
  amount: bigint;
  event: EventArgs<typeof subnetRegistryAbi, "EmissionClaimed">;
};

/** `claimEmission`, then waits and returns the minted amount. */
export async function claimEmissionAndWait(
  client: NoosWalletClient,
  params: ClaimEmissionParameters,
): Promise<ClaimEmissionAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await claimEmission(client, params),
    subnetRegistryAbi,
  );
  const event = eventArgs(result, subnetRegistryAbi, "EmissionClaimed");
  return { ...result, amount: event.amount, event };
}
