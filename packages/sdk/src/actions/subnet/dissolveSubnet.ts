import type { Address, Hash } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import {
  type EventArgs,
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";
import { checkNetuid } from "./types.js";

export type DissolveSubnetParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
};
export type DissolveSubnetReturnType = Hash;
export type DissolveSubnetErrorType = InvalidParameterError | ContractRevertError | BaseError;

/**
 * Dissolves the caller's subnet. Within `config.subnetMinLifetime` blocks of its creation the lock
 * is burned; after, the owner gets the lock minus the owner cut it was credited (the event's
 * `returned` and `burned`). Credited emission stays claimable.
 */
export async function dissolveSubnet(
  client: NoosWalletClient,
  params: DissolveSubnetParameters,
): Promise<DissolveSubnetReturnType> {
  checkNetuid(params.netuid);
  return simulateAndWrite(client, {
    address: params.address,
    abi: subnetRegistryAbi,
    functionName: "dissolveSubnet",
    args: [params.netuid],
  });
}

export type DissolveSubnetAndWaitReturnType = WaitResult & {
  event: EventArgs<typeof subnetRegistryAbi, "SubnetDissolved">;
};

/** `dissolveSubnet`, then waits for the `SubnetDissolved` event. */
export async function dissolveSubnetAndWait(
  client: NoosWalletClient,
  params: DissolveSubnetParameters,
): Promise<DissolveSubnetAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await dissolveSubnet(client, params),
    subnetRegistryAbi,
  );
  return { ...result, event: eventArgs(result, subnetRegistryAbi, "SubnetDissolved") };
}
