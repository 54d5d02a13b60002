import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError, InvalidParameterError } from "../../errors.js";
import { subnetRegistryAbi } from "../../generated/abis.js";
import { checkNetuid } from "./types.js";

export type GetNeuronParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
  uid: number;
};
export type Neuron = ContractFunctionReturnType<typeof subnetRegistryAbi, "view", "getNeuron"> & {
  netuid: number;
  validatorPermit: boolean;
  /** Block of the last weights or commit, as the epoch sees it. */
  lastUpdate: bigint;
  /** Terms stored by the last epoch: u16 proportions, combined emission (alpha units), active. */
  terms: {
    consensus: number;
    incentive: number;
    dividends: number;
    validatorTrust: number;
    stakeWeight: number;
    emission: bigint;
    active: boolean;
  };
};
export type GetNeuronReturnType = Neuron;
export type GetNeuronErrorType = InvalidParameterError | Error;

/** A uid of a subnet: hotkey, endpoint, stake, permit and the terms of the last epoch. */
export async function getNeuron(
  client: NoosReadClient,
  params: GetNeuronParameters,
): Promise<GetNeuronReturnType> {
  checkNetuid(params.netuid);
  if (!Number.isInteger(params.uid) || params.uid < 0 || params.uid > 0xffff) {
    throw new InvalidParameterError({
      field: "uid",
      expected: "an integer in [0, 65535]",
      received: params.uid,
    });
  }
  const base = { address: params.address, abi: subnetRegistryAbi } as const;
  const args = [params.netuid, params.uid] as const;
  try {
    const [info, validatorPermit, lastUpdate, terms] = await Promise.all([
      readContract(client, { ...base, functionName: "getNeuron", args }),
      readContract(client, { ...base, functionName: "validatorPermit", args }),
      readContract(client, { ...base, functionName: "lastUpdate", args }),
      readContract(client, { ...base, functionName: "neuronTerms", args }),
    ]);
    const [consensus, incentive, dividends, validatorTrust, stakeWeight, emission, active] = terms;
    return {
      ...info,
      netuid: params.netuid,
      validatorPermit,
      lastUpdate,
      terms: { consensus, incentive, dividends, validatorTrust, stakeWeight, emission, active },
    };
  } catch (err) {
    throw decodeContractError(err, subnetRegistryAbi);
  }
}
