import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";

export type GetVerifierConfigParameters = {
  /** OptimisticVerifier address. */
  address: Address;
};
export type GetVerifierConfigReturnType = ContractFunctionReturnType<
  typeof optimisticVerifierAbi,
  "view",
  "config"
> & { referee: Address; token: Address; market: Address };
export type GetVerifierConfigErrorType = Error;

/** The verifier's fixed parameters (minBond, minWindow, moveTimeout, claimResponseWindow, arity, burnBps) and peers. */
export async function getVerifierConfig(
  client: NoosReadClient,
  params: GetVerifierConfigParameters,
): Promise<GetVerifierConfigReturnType> {
  const base = { address: params.address, abi: optimisticVerifierAbi } as const;
  try {
    const [config, referee, token, market] = await Promise.all([
      readContract(client, { ...base, functionName: "config" }),
      readContract(client, { ...base, functionName: "referee" }),
      readContract(client, { ...base, functionName: "token" }),
      readContract(client, { ...base, functionName: "market" }),
    ]);
    return { ...config, referee, token, market };
  } catch (err) {
    throw decodeContractError(err, optimisticVerifierAbi);
  }
}
