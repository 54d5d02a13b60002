import {
  type Address,
  encodeAbiParameters,
  type Hash,
  type Hex,
  keccak256,
  zeroAddress,
  zeroHash,
} from "viem";
import type { NoosWalletClient } from "../../client.js";
import { type DataDid, didFromHash } from "../../data/did.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { dataNFTFactoryAbi } from "../../generated/abis.js";
import {
  eventArgs,
  simulateAndWrite,
  type WaitResult,
  waitForEvents,
} from "../../internal/write.js";

export type PublishDataAssetParameters = {
  /** DataNFTFactory address. */
  address: Address;
  name: string;
  /** ERC-721 symbol; default "NOOS-DATA". */
  symbol?: string | undefined;
  /** Token 1's URI (e.g. the DDO's ipfs:// URI). */
  tokenURI?: string | undefined;
  /** Default true (Ocean's default). */
  transferable?: boolean | undefined;
  /** Owner of the NFT; default the caller. */
  owner?: Address | undefined;
  /** Serving provider: its Ethereum address (its key decrypts the files) and base URL. */
  provider: { address: Address; url: string };
  /** The DDO's CID in the content store and sha256 of its bytes. */
  metadataCid: string;
  metadataHash: Hex;
  computeOnly?: boolean | undefined;
  metricsOnly?: boolean | undefined;
  /** Algorithm hashes allowed to run on the data (compute-to-data). */
  allowedAlgorithms?: readonly Hex[] | undefined;
  /** Pricing: a fixed rate (base-token wei per datatoken) or free (dispenser). */
  pricing:
    | {
        kind: "fixed";
        baseToken: Address;
        /** Base-token units per datatoken, 18-decimal fixed point (2 NOOS = 2e18). */
        rate: bigint;
        /** Publish-market swap fee, 1e18 = 100% (0 or 1e14..5e17). */
        marketFee?: bigint | undefined;
        marketFeeCollector?: Address | undefined;
      }
    | { kind: "free"; maxTokens?: bigint | undefined; maxBalance?: bigint | undefined }
    | { kind: "none" };
  /** Publish-market fee charged per order (absolute). */
  publishMarketFee?: { feeAddress: Address; token: Address; amount: bigint } | undefined;
  /** Datatoken cap (0: unlimited). */
  cap?: bigint | undefined;
};
export type PublishDataAssetReturnType = Hash;
export type PublishDataAssetErrorType = ContractRevertError | BaseError;

const ONE = 10n ** 18n;
const KIND = { none: 0, fixed: 1, free: 2 } as const;

/** The factory call's arguments (also used by the gas benchmark). */
export function publishDataAssetArgs(client: NoosWalletClient, p: PublishDataAssetParameters) {
  const owner = p.owner ?? client.account.address;
  const pricing = p.pricing;
  const fee = p.publishMarketFee;
  return [
    {
      name: p.name,
      symbol: p.symbol ?? "NOOS-DATA",
      tokenURI: p.tokenURI ?? "",
      transferable: p.transferable ?? true,
      owner,
    },
    {
      name: `${p.name} access`,
      symbol: `${p.symbol ?? "NOOS-DATA"}-DT`,
      cap: p.cap ?? 0n,
      minter: owner,
      paymentCollector: zeroAddress,
      publishMarketFeeAddress: fee?.feeAddress ?? zeroAddress,
      publishMarketFeeToken: fee?.token ?? zeroAddress,
      publishMarketFeeAmount: fee?.amount ?? 0n,
    },
    {
      state: 0,
      decryptorUrl: p.provider.url,
      decryptorAddress: p.provider.address,
      metadataCid: p.metadataCid,
      metadataHash: p.metadataHash,
      computeOnly: p.computeOnly ?? false,
      metricsOnly: p.metricsOnly ?? false,
    },
    [...(p.allowedAlgorithms ?? [])],
    {
      kind: KIND[pricing.kind],
      baseToken: pricing.kind === "fixed" ? pricing.baseToken : zeroAddress,
      rate: pricing.kind === "fixed" ? pricing.rate : 0n,
      marketFee: pricing.kind === "fixed" ? (pricing.marketFee ?? 0n) : 0n,
      marketFeeCollector:
        pricing.kind === "fixed" ? (pricing.marketFeeCollector ?? zeroAddress) : zeroAddress,
      maxTokens: pricing.kind === "free" ? (pricing.maxTokens ?? ONE) : 0n,
      maxBalance: pricing.kind === "free" ? (pricing.maxBalance ?? ONE) : 0n,
    },
  ] as const;
}

/**
 * Publishes a data asset in one transaction (Ocean's createNftWith...): the data NFT, its
 * datatoken, the metadata pointer (DDO CID + sha256), the serving provider, the allow-list and the
 * pricing (a fixed-rate exchange or a dispenser, each minting datatokens on demand).
 */
export function publishDataAsset(
  client: NoosWalletClient,
  params: PublishDataAssetParameters,
): Promise<PublishDataAssetReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: dataNFTFactoryAbi,
    functionName: "createDataAsset",
    args: publishDataAssetArgs(client, params),
  });
}

export type PublishDataAssetAndWaitReturnType = WaitResult & {
  did: DataDid;
  didHash: Hex;
  nft: Address;
  datatoken: Address;
  /** Zero unless priced at a fixed rate. */
  exchangeId: Hex;
};

/** `publishDataAsset`, then waits and returns the DID, NFT, datatoken and exchange id. */
export async function publishDataAssetAndWait(
  client: NoosWalletClient,
  params: PublishDataAssetParameters,
): Promise<PublishDataAssetAndWaitReturnType> {
  const result = await waitForEvents(
    client,
    await publishDataAsset(client, params),
    dataNFTFactoryAbi,
  );
  const nftEvent = eventArgs(result, dataNFTFactoryAbi, "DataNFTCreated");
  const dtEvent = eventArgs(result, dataNFTFactoryAbi, "DatatokenCreated");
  const exchangeId =
    params.pricing.kind === "fixed"
      ? exchangeIdOf(params.pricing.baseToken, dtEvent.datatoken)
      : zeroHash;
  return {
    ...result,
    did: didFromHash(nftEvent.did),
    didHash: nftEvent.did,
    nft: nftEvent.nft,
    datatoken: dtEvent.datatoken,
    exchangeId,
  };
}

/** The fixed-rate exchange id: keccak256(abi.encode(baseToken, datatoken)). */
export function exchangeIdOf(baseToken: Address, datatoken: Address): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "address" }], [baseToken, datatoken]),
  );
}
