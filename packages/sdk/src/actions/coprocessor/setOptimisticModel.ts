import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import { simulateAndWrite } from "../../internal/write.js";

/** A model as a kind-2 mlp-infer program: dims and the R10 roots of its Q16.16 weights. */
export type OptimisticModelProgram = {
  nIn: number;
  nHidden: number;
  nOut: number;
  w1Root: Hex;
  b1Root: Hex;
  w2Root: Hex;
  b2Root: Hex;
};

export type SetOptimisticModelParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  modelId: bigint;
  program: OptimisticModelProgram;
  /** CID of the weights JSON ({ w1, b1, w2, b2 }: Q16.16 integers) nodes and watchers fetch. */
  weightsCid: string;
};
export type SetOptimisticModelReturnType = Hash;
export type SetOptimisticModelErrorType = ContractRevertError | BaseError;

/** Registers a model (its owner only) for `optimistic` coprocessor requests. */
export function setOptimisticModel(
  client: NoosWalletClient,
  params: SetOptimisticModelParameters,
): Promise<SetOptimisticModelReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: coprocessorCoordinatorAbi,
    functionName: "setOptimisticModel",
    args: [params.modelId, params.program, params.weightsCid],
  });
}
