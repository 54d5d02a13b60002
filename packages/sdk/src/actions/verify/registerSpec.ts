import { type Address, type Hash, type Hex, keccak256 } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { mlpStepRefereeAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  findEventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type RegisterSpecParameters = {
  /** Step referee address (the deployment's `stepReferee`). */
  address: Address;
  /** The encoded program spec (`encodeSpec` of @noosphere/ml's fixed executor). */
  spec: Hex;
};
export type RegisterSpecReturnType = Hash;
export type RegisterSpecErrorType = ContractRevertError | BaseError;

/** Registers a program spec with the referee (idempotent); its hash is keccak256(spec). */
export function registerSpec(
  client: NoosWalletClient,
  params: RegisterSpecParameters,
): Promise<RegisterSpecReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: mlpStepRefereeAbi,
    functionName: "registerSpec",
    args: [params.spec],
  });
}

export type RegisterSpecAndWaitReturnType = WaitResult & {
  specHash: Hex;
  /** The `SpecRegistered` event; undefined when the spec was registered before. */
  event: EventArgs<typeof mlpStepRefereeAbi, "SpecRegistered"> | undefined;
};

/** `registerSpec`, then waits for the receipt; returns the spec hash and the `SpecRegistered` event (if new). */
export async function registerSpecAndWait(
  client: NoosWalletClient,
  params: RegisterSpecParameters,
): Promise<RegisterSpecAndWaitReturnType> {
  const result = await waitForEvents(client, await registerSpec(client, params), mlpStepRefereeAbi);
  return {
    ...result,
    specHash: keccak256(params.spec),
    event: findEventArgs(result, mlpStepRefereeAbi, "SpecRegistered"),
  };
}
