import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import { type BidStateName, bidStateName } from "./types.js";

export type GetBidsParameters = {
  /** ComputeMarket address. */
  address: Address;
  orderId: bigint;
};
export type Bid = ContractFunctionReturnType<typeof computeMarketAbi, "view", "getBid"> & {
  orderId: bigint;
  index: bigint;
  stateName: BidStateName;
};
export type GetBidsReturnType = Bid[];

/** Every bid placed on an order, in bid order. */
export async function getBids(
  client: NoosReadClient,
  params: GetBidsParameters,
): Promise<GetBidsReturnType> {
  try {
    const bids = await readContract(client, {
      address: params.address,
      abi: computeMarketAbi,
      functionName: "getBids",
      args: [params.orderId],
    });
    return bids.map((bid, i) => ({
      ...bid,
      orderId: params.orderId,
      index: BigInt(i),
      stateName: bidStateName(bid.state),
    }));
  } catch (err) {
    throw decodeContractError(err, computeMarketAbi);
  }
}
