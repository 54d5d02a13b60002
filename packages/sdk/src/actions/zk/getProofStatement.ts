import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";
import { toPublicSignals } from "./types.js";

export type GetProofStatementParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  publicSignals: readonly (bigint | string | number)[];
};
export type GetProofStatementReturnType = {
  inputHash: Hex;
  outputHash: Hex;
  outputs: readonly bigint[];
};

/**
 * Splits public signals into (inputHash, outputHash, outputs) by the model's registered layout,
 * as ProofRegistry records them; throws the named layout error (e.g. `ProofRegistrySignalCount`).
 */
export async function getProofStatement(
  client: NoosReadClient,
  params: GetProofStatementParameters,
): Promise<GetProofStatementReturnType> {
  const signals = toPublicSignals(params.publicSignals);
  try {
    const [inputHash, outputHash, outputs] = await readContract(client, {
      address: params.address,
      abi: proofRegistryAbi,
      functionName: "statementOf",
      args: [params.modelId, signals],
    });
    return { inputHash, outputHash, outputs };
  } catch (err) {
    throw decodeContractError(err, proofRegistryAbi);
  }
}
