import type { Address } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { dataNFTFactoryAbi } from "../../generated/abis.js";
import { type DataAsset, getDataAsset } from "./getDataAsset.js";
import type { DataAddresses } from "./types.js";

export type ListDataAssetsParameters = DataAddresses & {
  /** Only assets owned by this account. */
  owner?: Address | undefined;
  /** Most recent first; at most this many (default 100). */
  limit?: number | undefined;
};
export type ListDataAssetsReturnType = DataAsset[];

/** Data assets of the factory, newest first (read from the factory's list: no indexer needed). */
export async function listDataAssets(
  client: NoosReadClient,
  params: ListDataAssetsParameters,
): Promise<ListDataAssetsReturnType> {
  let count: bigint;
  try {
    count = await readContract(client, {
      address: params.dataNftFactory,
      abi: dataNFTFactoryAbi,
      functionName: "nftCount",
    });
  } catch (err) {
    throw decodeContractError(err, dataNFTFactoryAbi);
  }
  const limit = params.limit ?? 100;
  const out: DataAsset[] = [];
  for (let i = count - 1n; i >= 0n && out.length < limit; i--) {
    const nft = await readContract(client, {
      address: params.dataNftFactory,
      abi: dataNFTFactoryAbi,
      functionName: "nftAt",
      args: [i],
    });
    const asset = await getDataAsset(client, { ...params, nft }).catch(() => undefined); // an NFT without a datatoken is not an asset
    if (!asset) continue;
    if (params.owner && asset.owner.toLowerCase() !== params.owner.toLowerCase()) continue;
    out.push(asset);
  }
  return out;
}
