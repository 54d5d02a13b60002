import { type Address, type Hash, type Hex, isHex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { checkNetuid, checkWeights } from "./types.js";

export type RevealWeightsParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  /** Exactly what was committed. */
  uids: readonly number[];
  values: readonly number[];
  salt: Hex;
  /** Default 0. */
  versionKey?: bigint;
};
export type RevealWeightsReturnType = Hash;
export type RevealWeightsErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Reveals committed weights and sets them. Accepted only at epoch index commitEpoch +
 * revealPeriodEpochs (`SubnetRevealTooEarly` / `SubnetCommitExpired` otherwise).
 */
export async function revealWeights(
  client: NoosWalletClient,
  params: RevealWeightsParameters,
): Promise<RevealWeightsReturnType> {
  checkNetuid(params.netuid);
  checkWeights(params.uids, params.values);
  if (!isHex(params.salt) || params.salt.length !== 66) {
    throw new InvalidParameterError({
      field: "salt",
      expected: "32 bytes as 0x-hex",
      received: params.salt,
    });
  }
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "revealWeights",
    args: [
      params.netuid,
      [...params.uids],
      [...params.values],
      params.salt,
      params.versionKey ?? 0n,
    ],
  });
}

export type RevealWeightsAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof subnetRegistryAbi, "WeightsRevealed">;
};

/** `revealWeights`, then waits for the `WeightsRevealed` event. */
export async function revealWeightsAndWait(
  client: NoosWalletClient,
  params: RevealWeightsParameters,
): Promise<RevealWeightsAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await revealWeights(client, params),
    subnetRegistryAbi,
  );
  return { ...result, event: eventArgs(result, subnetRegistryAbi, "WeightsRevealed") };
}
