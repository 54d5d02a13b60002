import type { Address, ContractFunctionReturnType } from "viem";
import { getContractEvents, readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import { type LeaseStateName, leaseStateName } from "./types.js";

export type GetLeaseParameters = {
  /** ComputeMarket address. */
  address: Address;
  /** A lease id equals its order id. */
  leaseId: bigint;
};
export type Lease = ContractFunctionReturnType<typeof computeMarketAbi, "view", "getLease"> & {
  id: bigint;
  stateName: LeaseStateName;
  /** The result's CID (from the lease's `ResultSubmitted` event, block `resultBlock`); "" before a result. */
  resultCid: string;
  /** What settling now would accrue, and the escrow that would be left. */
  pending: { accrued: bigint; escrowLeft: bigint };
};
export type GetLeaseReturnType = Lease;

/** A lease with what it would accrue if settled now. */
export async function getLease(
  client: NoosReadClient,
  params: GetLeaseParameters,
): Promise<GetLeaseReturnType> {
  const base = { address: params.address, abi: computeMarketAbi } as const;
  let lease: ContractFunctionReturnType<typeof computeMarketAbi, "view", "getLease">;
  let accrued: bigint;
  let escrowLeft: bigint;
  try {
    [lease, [accrued, escrowLeft]] = await Promise.all([
      readContract(client, { ...base, functionName: "getLease", args: [params.leaseId] }),
      readContract(client, { ...base, functionName: "pendingSettlement", args: [params.leaseId] }),
    ]);
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
  const resultCid =
    lease.resultBlock === 0n
      ? ""
      : await resultCidOf(client, params.address, params.leaseId, lease.resultBlock);
  return {
    ...lease,
    id: params.leaseId,
    stateName: leaseStateName(lease.state),
    resultCid,
    pending: { accrued, escrowLeft },
  };
}

/** The result CID of `leaseId`, from its `ResultSubmitted` event in block `block`. */
export async function resultCidOf(
  client: NoosReadClient,
  address: Address,
  leaseId: bigint,
  block: bigint,
): Promise<string> {
  const logs = await getContractEvents(client, {
    address,
    abi: computeMarketAbi,
    eventName: "ResultSubmitted",
    args: { leaseId },
    fromBlock: block,
    toBlock: block,
    strict: true,
  });
  const args = logs.at(-1)?.args;
  if (!args) throw new Error(`ResultSubmitted of lease ${leaseId} not found in block ${block}`);
  return args.resultCid;
}
