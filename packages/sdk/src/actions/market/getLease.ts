import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
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
  try {
    const [lease, [accrued, escrowLeft]] = await Promise.all([
      readContract(client, { ...base, functionName: "getLease", args: [params.leaseId] }),
      readContract(client, { ...base, functionName: "pendingSettlement", args: [params.leaseId] }),
    ]);
    return {
      ...lease,
      id: params.leaseId,
      stateName: leaseStateName(lease.state),
      pending: { accrued, escrowLeft },
    };
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
}
