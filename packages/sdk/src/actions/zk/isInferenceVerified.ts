import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";

export type IsInferenceVerifiedParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  inputHash: Hex;
  /** See `proofStatement` / `hashSignals` to compute it from the outputs. */
  outputHash: Hex;
};
export type IsInferenceVerifiedReturnType = boolean;

/** Whether (model, input hash) -> output hash was verified and recorded. */
export async function isInferenceVerified(
  client: NoosReadClient,
  params: IsInferenceVerifiedParameters,
): Promise<IsInferenceVerifiedReturnType> {
  try {
    return await readContract(client, {
      address: params.address,
      abi: proofRegistryAbi,
      functionName: "isVerified",
      args: [params.modelId, params.inputHash, params.outputHash],
    });
  } catch (err) {
    throw decodeContractError(err, proofRegistryAbi);
  }
}
