import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";

export type GetCoprocessorEscrowParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  account: Address;
  token: Address;
};
export type GetCoprocessorEscrowReturnType = {
  /** Free to back new requests or to withdraw. */
  available: bigint;
  /** Backing open intervals. */
  locked: bigint;
  /** A node's unwithdrawn earnings. */
  earnings: bigint;
};

/** An account's coprocessor escrow (available, locked) and node earnings in `token`. */
export async function getCoprocessorEscrow(
  client: NoosReadClient,
  params: GetCoprocessorEscrowParameters,
): Promise<GetCoprocessorEscrowReturnType> {
  try {
    const [[available, locked], earnings] = await Promise.all([
      readContract(client, {
        address: params.address,
        abi: coprocessorCoordinatorAbi,
        functionName: "escrowOf",
        args: [params.account, params.token],
      }),
      readContract(client, {
        address: params.address,
        abi: coprocessorCoordinatorAbi,
        functionName: "earningsOf",
        args: [params.account, params.token],
      }),
    ]);
    return { available, locked, earnings };
  } catch (err) {
    throw decodeContractError(err, coprocessorCoordinatorAbi);
  }
}
