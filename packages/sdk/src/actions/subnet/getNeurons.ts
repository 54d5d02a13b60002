import type { Address } from "viem";
import type { NoosReadClient } from "../../client.js";
import type { InvalidParameterError } from "../../errors.js";
import { getNeuron, type Neuron } from "./getNeuron.js";
import { getSubnet } from "./getSubnet.js";

export type GetNeuronsParameters = {
  /** SubnetRegistry address. */
  address: Address;
  netuid: number;
};
export type GetNeuronsReturnType = Neuron[];
export type GetNeuronsErrorType = InvalidParameterError | Error;

/** Every uid of a subnet, in uid order (n + 1 rounds of reads). */
export async function getNeurons(
  client: NoosReadClient,
  params: GetNeuronsParameters,
): Promise<GetNeuronsReturnType> {
  const { n } = await getSubnet(client, params);
  return Promise.all(
    Array.from({ length: n }, (_, uid) =>
      getNeuron(client, { address: params.address, netuid: params.netuid, uid }),
    ),
  );
}
