import type { Address, Hash } from "viem";
import { readContract } from "viem/actions";
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

export type CreateSubnetParameters = {
  /** SubnetRegistry address. */
  address: Address;
  /**
   * Most NOOS wei the caller accepts to lock. Default: the current `lockCost()` (it doubles with
   * each new subnet and decays back to `config.subnetLockCost` over `config.lockReductionInterval`
   * blocks, so another creation in between makes this call revert with `SubnetLockAboveMax`).
   */
  maxLock?: bigint;
};
export type CreateSubnetReturnType = Hash;
export type CreateSubnetErrorType = ContractRevertError | BaseError;

/**
 * Creates a subnet owned by the caller, locking the current lock cost (approve the registry
 * first), with the default hyperparameters (yuma.md §5). The lock comes back on dissolution only
 * after `config.subnetMinLifetime` blocks, minus the owner cut the owner was credited.
 */
export async function createSubnet(
  client: NoosWalletClient,
  params: CreateSubnetParameters,
): Promise<CreateSubnetReturnType> {
  const maxLock =
    params.maxLock ??
    (await readContract(client, {
      address: params.address,
      abi: subnetRegistryAbi,
      functionName: "lockCost",
    }));
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "createSubnet",
    args: [maxLock],
  });
}

export type CreateSubnetAndWaitReturnType = WaitResult & {
  netuid: number;
  event: EventArgs<typeof subnetRegistryAbi, "SubnetCreated">;
};

/** `createSubnet`, then waits and returns the new netuid with its `SubnetCreated` event. */
export async function createSubnetAndWait(
  client: NoosWalletClient,
  params: CreateSubnetParameters,
): Promise<CreateSubnetAndWaitReturnType> {
  const result = await waitForEvents(client, await createSubnet(client, params), subnetRegistryAbi);
  const event = eventArgs(result, subnetRegistryAbi, "SubnetCreated");
  return { ...result, netuid: event.netuid, event };
}
