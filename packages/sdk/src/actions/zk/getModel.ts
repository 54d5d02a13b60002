import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { modelRegistryAbi } from "../../generated/abis.js";
import { fromContractLayout, type ModelLayout } from "./types.js";

export type GetModelParameters = {
  /** ModelRegistry address. */
  address: Address;
  modelId: bigint;
};
export type ZkModel = {
  modelId: bigint;
  owner: Address;
  registeredAt: bigint;
  /** Deprecated models take no more proofs (final). */
  deprecated: boolean;
  verifier: Address;
  /** EXTCODEHASH of the verifier at registration. */
  verifierCodeHash: Hex;
  /** 1 for the first registration, +1 per new weight version. */
  version: number;
  layout: ModelLayout;
  onnxHash: Hex;
  settingsHash: Hex;
  /** Poseidon commitment to the weights; 0n when params are fixed. */
  paramCommitment: bigint;
  /** Id of version 1 of this model. */
  baseModelId: bigint;
  /** Id of the newest version of this model. */
  latestVersion: bigint;
  metadataURI: string;
};
export type GetModelReturnType = ZkModel | null;

/** A zkML model by id, or null if there is none. */
export async function getModel(
  client: NoosReadClient,
  params: GetModelParameters,
): Promise<GetModelReturnType> {
  const base = { address: params.address, abi: modelRegistryAbi } as const;
  try {
    const exists = await readContract(client, {
      ...base,
      functionName: "exists",
      args: [params.modelId],
    });
    if (!exists) return null;
    const [m, latestVersion] = await Promise.all([
      readContract(client, { ...base, functionName: "getModel", args: [params.modelId] }),
      readContract(client, { ...base, functionName: "latestVersion", args: [params.modelId] }),
    ]);
    return {
      modelId: params.modelId,
      owner: m.owner,
      registeredAt: BigInt(m.registeredAt),
      deprecated: m.deprecated,
      verifier: m.verifier,
      verifierCodeHash: m.verifierCodeHash,
      version: Number(m.version),
      layout: fromContractLayout(m.layout),
      onnxHash: m.onnxHash,
      settingsHash: m.settingsHash,
      paramCommitment: m.paramCommitment,
      baseModelId: m.baseModelId,
      latestVersion,
      metadataURI: m.metadataURI,
    };
  } catch (err) {
    throw decodeContractError(err, modelRegistryAbi);
  }
}
