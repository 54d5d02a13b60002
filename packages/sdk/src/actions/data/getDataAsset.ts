import { type Address, type Hex, zeroAddress } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { type DataDid, didFromHash, parseDid } from "../../data/did.js";
import { BaseError, decodeContractError } from "../../errors.js";
import {
  dataNFTAbi,
  dataNFTFactoryAbi,
  datatokenAbi,
  dispenserAbi,
  fixedRateExchangeAbi,
} from "../../generated/abis.js";
import { exchangeIdOf } from "./publishDataAsset.js";
import { type DataAddresses, METADATA_STATES, type MetadataState } from "./types.js";

export type GetDataAssetParameters = DataAddresses & {
  /** `did:noos:<hex>`, or give `nft` instead. */
  did?: string | undefined;
  nft?: Address | undefined;
  /** Base token whose fixed-rate exchange to report (default: the factory's NOOS). */
  baseToken?: Address | undefined;
};

export type DataAsset = {
  did: DataDid;
  nft: Address;
  owner: Address;
  name: string;
  symbol: string;
  state: MetadataState;
  /** The serving provider (only its key can decrypt the files). */
  provider: { address: Address; url: string };
  metadataCid: string;
  metadataHash: Hex;
  computeOnly: boolean;
  metricsOnly: boolean;
  createdAt: number;
  updatedAt: number;
  allowedAlgorithms: Hex[];
  datatoken: Address;
  datatokenSupply: bigint;
  /** Fixed-rate pricing in the base token, if any (active or not). */
  exchange?: {
    id: Hex;
    baseToken: Address;
    /** Base-token units per datatoken, 18-decimal fixed point. */
    rate: bigint;
    active: boolean;
    marketFee: bigint;
    /** Publisher revenue not yet collected (goes to the datatoken's payment collector). */
    btBalance: bigint;
  };
  /** Free pricing, if any. */
  dispenser?: { active: boolean; maxTokens: bigint; maxBalance: bigint };
};
export type GetDataAssetReturnType = DataAsset;

export class DataAssetNotFoundError extends BaseError {
  constructor(what: string) {
    super(`No data asset ${what} on this chain's DataNFTFactory.`, {
      name: "DataAssetNotFoundError",
    });
  }
}

/** A data asset by DID (the factory maps it to the NFT; no indexer needed): metadata, pricing, allow-list. */
export async function getDataAsset(
  client: NoosReadClient,
  params: GetDataAssetParameters,
): Promise<GetDataAssetReturnType> {
  try {
    const factory = params.dataNftFactory;
    let nft = params.nft;
    if (!nft) {
      if (!params.did) throw new BaseError("getDataAsset needs a did or an nft address.");
      nft = await readContract(client, {
        address: factory,
        abi: dataNFTFactoryAbi,
        functionName: "nftOf",
        args: [parseDid(params.did)],
      });
      if (nft === zeroAddress) throw new DataAssetNotFoundError(params.did);
    }
    const read = <F extends string>(functionName: F) =>
      readContract(client, {
        address: nft,
        abi: dataNFTAbi,
        functionName,
      } as never) as Promise<unknown>;
    const [didHash, owner, name, symbol, meta, allowed, datatokens, noos] = (await Promise.all([
      read("did"),
      read("owner"),
      read("name"),
      read("symbol"),
      read("getMetadata"),
      read("getAllowedAlgorithms"),
      read("getDatatokens"),
      readContract(client, { address: factory, abi: dataNFTFactoryAbi, functionName: "noos" }),
    ])) as [Hex, Address, string, string, MetadataTuple, Hex[], Address[], Address];
    if (didHash === (`0x${"0".repeat(64)}` as Hex) || datatokens.length === 0) {
      throw new DataAssetNotFoundError(params.did ?? nft);
    }
    const datatoken = datatokens[0] as Address;
    const baseToken = params.baseToken ?? noos;
    const id = exchangeIdOf(baseToken, datatoken);
    const [supply, exchange, dispenser] = await Promise.all([
      readContract(client, { address: datatoken, abi: datatokenAbi, functionName: "totalSupply" }),
      readContract(client, {
        address: params.fixedRateExchange,
        abi: fixedRateExchangeAbi,
        functionName: "getExchange",
        args: [id],
      }),
      readContract(client, {
        address: params.dispenser,
        abi: dispenserAbi,
        functionName: "status",
        args: [datatoken],
      }),
    ]);
    const asset: DataAsset = {
      did: didFromHash(didHash),
      nft,
      owner,
      name,
      symbol,
      state: METADATA_STATES[meta.state] ?? "active",
      provider: { address: meta.decryptorAddress, url: meta.decryptorUrl },
      metadataCid: meta.metadataCid,
      metadataHash: meta.metadataHash,
      computeOnly: meta.computeOnly,
      metricsOnly: meta.metricsOnly,
      createdAt: Number(meta.createdAt),
      updatedAt: Number(meta.updatedAt),
      allowedAlgorithms: [...allowed],
      datatoken,
      datatokenSupply: supply,
    };
    if (exchange.datatoken !== zeroAddress) {
      asset.exchange = {
        id,
        baseToken: exchange.baseToken,
        rate: exchange.fixedRate,
        active: exchange.active,
        marketFee: exchange.marketFee,
        btBalance: exchange.btBalance,
      };
    }
    if (dispenser.exists) {
      asset.dispenser = {
        active: dispenser.active,
        maxTokens: dispenser.maxTokens,
        maxBalance: dispenser.maxBalance,
      };
    }
    return asset;
  } catch (err) {
    if (err instanceof BaseError) throw err;
    throw decodeContractError(err, dataNFTAbi);
  }
}

type MetadataTuple = {
  state: number;
  decryptorUrl: string;
  decryptorAddress: Address;
  metadataCid: string;
  metadataHash: Hex;
  computeOnly: boolean;
  metricsOnly: boolean;
  createdAt: bigint;
  updatedAt: bigint;
};
