import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError, type InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import { checkNetuid, type SubnetInfo } from "./types.js";

export type GetSubnetParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
};
export type Subnet = SubnetInfo & {
  /** First block at which `runEpoch` may start the next epoch. */
  nextEpochBlock: bigint;
};
export type GetSubnetReturnType = Subnet;
export type GetSubnetErrorType = InvalidParameterError | Error;

/** A subnet with its hyperparameters, epoch state and the block its next epoch is due. */
export async function getSubnet(
  client: NoosReadClient,
  params: GetSubnetParameters,
): Promise<GetSubnetReturnType> {
  checkNetuid(params.netuid);
  try {
    const info = await readContract(client, {
      address: params.address,
      abi: subnetRegistryAbi,
      functionName: "getSubnet",
      args: [params.netuid],
    });
    return { ...info, nextEpochBlock: info.lastEpochBlock + info.hyperparams.tempo };
  } catch (err) {
    throw decodeContractError(err, subnetRegistryAbi);
  }
}
