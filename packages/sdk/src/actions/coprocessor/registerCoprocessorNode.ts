import type { Address, Hash } from "viem";
import { readContract } from "viem/actions";
import { COPROCESSOR_ROLE } from "../../addresses.js";
import type { NoosWalletClient } from "../../client.js";
import { type BaseError, type ContractRevertError, InvalidParameterError } from "../../errors.js";
import { coprocessorCoordinatorAbi, noosTokenAbi, stakingAbi } from "../../generated/abis.js";
import { simulateAndWrite, waitForEvents } from "../../internal/write.js";

export type RegisterCoprocessorNodeParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  /** Staking address. */
  staking: Address;
  /** NOOS token address (approved to Staking for the missing stake). */
  token: Address;
  /** Models served, with the fee per delivery in a payment token. */
  models: readonly { modelId: bigint; token: Address; fee: bigint }[];
  /** Total COPROCESSOR stake wanted. Default: the coordinator's minimum. */
  stake?: bigint;
};
export type RegisterCoprocessorNodeReturnType = { hashes: Hash[]; staked: bigint };
export type RegisterCoprocessorNodeErrorType =
  | InvalidParameterError
  | ContractRevertError
  | BaseError;

/**
 * Registers the caller as a coprocessor node: tops its COPROCESSOR stake up to `stake` (approve +
 * stake, only what is missing), then sets its fee for each model. Waits for each transaction.
 */
export async function registerCoprocessorNode(
  client: NoosWalletClient,
  params: RegisterCoprocessorNodeParameters,
): Promise<RegisterCoprocessorNodeReturnType> {
  if (params.models.length === 0) {
    throw new InvalidParameterError({
      field: "models",
      expected: "at least one model",
      received: [],
    });
  }
  const account = client.account.address;
  const want =
    params.stake ??
    (await readContract(client, {
      address: params.address,
      abi: coprocessorCoordinatorAbi,
      functionName: "minNodeStake",
    }));
  const have = await readContract(client, {
    address: params.staking,
    abi: stakingAbi,
    functionName: "stakeOf",
    args: [account, COPROCESSOR_ROLE],
  });
  const hashes: Hash[] = [];
  const send = async (
    hash: Hash,
    abi: typeof stakingAbi | typeof noosTokenAbi | typeof coprocessorCoordinatorAbi,
  ) => {
    await waitForEvents(client, hash, abi);
    hashes.push(hash);
  };
  if (have < want) {
    const missing = want - have;
    await send(
      await simulateAndWrite(client, {
        address: params.token,
        abi: noosTokenAbi,
        functionName: "approve",
        args: [params.staking, missing],
      }),
      noosTokenAbi,
    );
    await send(
      await simulateAndWrite(client, {
        address: params.staking,
        abi: stakingAbi,
        functionName: "stake",
        args: [COPROCESSOR_ROLE, missing],
      }),
      stakingAbi,
    );
  }
  for (const m of params.models) {
    await send(
      await simulateAndWrite(client, {
        address: params.address,
        abi: coprocessorCoordinatorAbi,
        functionName: "setNodeFee",
        args: [m.modelId, m.token, true, m.fee],
      }),
      coprocessorCoordinatorAbi,
    );
  }
  return { hashes, staked: have < want ? want : have };
}
