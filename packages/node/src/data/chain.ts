// What the provider reads from chain about a data asset: the NFT behind a DID, its metadata (who
// decrypts, the DDO's CID and hash, compute-only / metrics-only), orders and the algorithm
// allow-list. Narrow on purpose: the data server and the C2D checks take this interface, so the
// checks are the same whatever reads the chain.

import { BaseError, type Ddo, parseDdo, parseDid } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import {
  type Address,
  bytesToString,
  type Client,
  type Hex,
  parseAbi,
  sha256,
  zeroAddress,
} from "viem";
import { readContract } from "viem/actions";

export type DataAssetMetadata = {
  state: number;
  decryptorUrl: string;
  decryptorAddress: Address;
  metadataCid: string;
  metadataHash: Hex;
  computeOnly: boolean;
  metricsOnly: boolean;
};

export interface DataChain {
  /** The NFT and metadata of a DID; undefined when no NFT has that DID. */
  asset(did: string): Promise<{ nft: Address; metadata: DataAssetMetadata } | undefined>;
  hasValidOrder(datatoken: Address, consumer: Address, serviceIndex: number): Promise<boolean>;
  isAlgorithmAllowed(nft: Address, algorithm: Hex): Promise<boolean>;
  /** The metadata of the NFT a datatoken belongs to (for quotes: the service's order timeout). */
  metadataOfDatatoken(datatoken: Address): Promise<DataAssetMetadata>;
}

// Human-readable fragments of IDataNFTFactory / IDataNFT / IDatatoken (only the views used here),
// so the provider needs no codegen step to read them.
const abi = parseAbi([
  "function nftOf(bytes32 did) view returns (address)",
  "struct Metadata { uint8 state; string decryptorUrl; address decryptorAddress; string metadataCid; bytes32 metadataHash; bool computeOnly; bool metricsOnly; uint64 createdAt; uint64 updatedAt; }",
  "function getMetadata() view returns (Metadata)",
  "function isAlgorithmAllowed(bytes32 algorithm) view returns (bool)",
  "function hasValidOrder(address consumer, uint32 serviceIndex) view returns (bool)",
  "function nft() view returns (address)",
]);

/** Reads data assets through the DataNFTFactory at `factory`. */
export function createDataChain(client: Client, factory: Address): DataChain {
  return {
    async asset(did) {
      const nft = await readContract(client, {
        address: factory,
        abi,
        functionName: "nftOf",
        args: [parseDid(did)],
      });
      if (nft === zeroAddress) return undefined;
      const m = await readContract(client, { address: nft, abi, functionName: "getMetadata" });
      return { nft, metadata: m };
    },
    hasValidOrder: (datatoken, consumer, serviceIndex) =>
      readContract(client, {
        address: datatoken,
        abi,
        functionName: "hasValidOrder",
        args: [consumer, serviceIndex],
      }),
    async metadataOfDatatoken(datatoken) {
      const nft = await readContract(client, { address: datatoken, abi, functionName: "nft" });
      return readContract(client, { address: nft, abi, functionName: "getMetadata" });
    },
    isAlgorithmAllowed: (nft, algorithm) =>
      readContract(client, {
        address: nft,
        abi,
        functionName: "isAlgorithmAllowed",
        args: [algorithm],
      }),
  };
}

export class DataAssetNotFoundError extends BaseError {
  constructor(did: string) {
    super(`No data asset with DID ${did} on this chain.`, { name: "DataAssetNotFoundError" });
  }
}

/** The DDO from the content store, checked against the hash on the NFT. */
export async function loadDdo(store: ContentStore, metadata: DataAssetMetadata): Promise<Ddo> {
  const bytes = await store.get(metadata.metadataCid);
  if (sha256(bytes) !== metadata.metadataHash.toLowerCase()) {
    throw new BaseError(
      `The DDO at ${metadata.metadataCid} hashes to ${sha256(bytes)}, not to the NFT's metadataHash ${metadata.metadataHash}.`,
    );
  }
  return parseDdo(JSON.parse(bytesToString(bytes)));
}
