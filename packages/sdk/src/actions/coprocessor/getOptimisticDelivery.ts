import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { coprocessorCoordinatorAbi } from "../../generated/abis.js";

export type GetOptimisticDeliveryParameters = {
  /** CoprocessorCoordinator address. */
  address: Address;
  requestId: bigint;
  /** Default 1. */
  interval?: number;
};
export type GetOptimisticDeliveryReturnType = {
  /** The claim backing the delivery (0n: not delivered optimistically yet). */
  claimId: bigint;
  /** The resultHash a claim for this interval must carry. */
  ticket: Hex;
  /** Where claims are posted (zero address: optimistic mode not configured), and what they need. */
  verifier: Address;
  minWindow: bigint;
  minBond: bigint;
};

/** The optimistic side of an interval: its claim, its ticket and the coordinator's requirements. */
export async function getOptimisticDelivery(
  client: NoosReadClient,
  params: GetOptimisticDeliveryParameters,
): Promise<GetOptimisticDeliveryReturnType> {
  const interval = params.interval ?? 1;
  const c = { address: params.address, abi: coprocessorCoordinatorAbi } as const;
  const [claimId, ticket, config] = await Promise.all([
    readContract(client, { ...c, functionName: "claimOf", args: [params.requestId, interval] }),
    readContract(client, { ...c, functionName: "ticketOf", args: [params.requestId, interval] }),
    readContract(client, { ...c, functionName: "optimisticConfig" }),
  ]);
  return {
    claimId,
    ticket,
    verifier: config.verifier,
    minWindow: BigInt(config.minWindow),
    minBond: config.minBond,
  };
}
