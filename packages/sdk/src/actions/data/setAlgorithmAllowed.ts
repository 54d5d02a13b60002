import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { dataNFTAbi } from "../../generated/abis.js";
import { simulateAndWrite, type WaitResult, waitForEvents } from "../../internal/write.js";

export type SetAlgorithmAllowedParameters = {
  /** DataNFT address. */
  address: Address;
  algorithms: readonly Hex[];
  allowed: boolean;
};
export type SetAlgorithmAllowedReturnType = Hash;
export type SetAlgorithmAllowedErrorType = ContractRevertError | BaseError;

/** Adds algorithm hashes to (or removes them from) the asset's compute allow-list. Metadata updaters only. */
export function setAlgorithmAllowed(
  client: NoosWalletClient,
  params: SetAlgorithmAllowedParameters,
): Promise<SetAlgorithmAllowedReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: dataNFTAbi,
    functionName: "setAlgorithmsAllowed",
    args: [[...params.algorithms], params.allowed],
  });
}

/** `setAlgorithmAllowed`, then waits for the receipt. */
export async function setAlgorithmAllowedAndWait(
  client: NoosWalletClient,
  params: SetAlgorithmAllowedParameters,
): Promise<WaitResult> {
  return waitForEvents(client, await setAlgorithmAllowed(client, params), dataNFTAbi);
}
