import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { proofRegistryAbi } from "../../generated/abis.js";
import { type Groth16ProofInput, toGroth16Calldata } from "./calldata.js";
import { toPublicSignals } from "./types.js";

export type VerifyProofViewParameters = {
  /** ProofRegistry address. */
  address: Address;
  modelId: bigint;
  /** snarkjs proof JSON ({pi_a, pi_b, pi_c}) or the 8 calldata words. */
  proof: Groth16ProofInput;
  publicSignals: readonly (bigint | string | number)[];
};
export type VerifyProofViewReturnType = boolean;

/**
 * Whether ProofRegistry would accept the proof for the model (ignoring whether it is already
 * recorded): a free `eth_call`, no transaction. False for an unknown or deprecated model, a
 * wrong layout, a param-hash mismatch or an invalid proof.
 */
export async function verifyProofView(
  client: NoosReadClient,
  params: VerifyProofViewParameters,
): Promise<VerifyProofViewReturnType> {
  const proof = toGroth16Calldata(params.proof);
  const signals = toPublicSignals(params.publicSignals);
  try {
    return await readContract(client, {
      address: params.address,
      abi: proofRegistryAbi,
      functionName: "verify",
      args: [params.modelId, proof, signals],
    });
  } catch (err) {
    throw decodeContractError(err, proofRegistryAbi);
  }
}
