import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { modelRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type TransferModelOwnershipParameters = {
  /** ModelRegistry address. */
  address: Address;
  /** Any version of the model: the whole family changes hands. */
  modelId: bigint;
  newOwner: Address;
};
export type TransferModelOwnershipReturnType = Hash;
export type TransferModelOwnershipErrorType = ContractRevertError | BaseError;

/**
 * Hands the model, every version of its family, to `newOwner` (family owner only). Any version's id
 * names the family; the event's `modelId` is the family's version-1 id.
 */
export function transferModelOwnership(
  client: NoosWalletClient,
  params: TransferModelOwnershipParameters,
): Promise<TransferModelOwnershipReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: modelRegistryAbi,
    functionName: "transferModelOwnership",
    args: [params.modelId, params.newOwner],
  });
}

export type TransferModelOwnershipAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof modelRegistryAbi, "ModelOwnershipTransferred">;
};

/** `transferModelOwnership`, then waits for the receipt and returns the decoded `ModelOwnershipTransferred` event. */
export async function transferModelOwnershipAndWait(
  client: NoosWalletClient,
  params: TransferModelOwnershipParameters,
): Promise<TransferModelOwnershipAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await transferModelOwnership(client, params),
    modelRegistryAbi,
  );
  return { ...result, event: eventArgs(result, modelRegistryAbi, "ModelOwnershipTransferred") };
}
