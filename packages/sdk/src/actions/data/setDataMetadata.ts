import type { Address, Hash, Hex } from "viem";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { dataNFTAbi } from "../../generated/abis.js";
import { simulateAndWrite, type WaitResult, waitForEvents } from "../../internal/write.js";
import { METADATA_STATES, type MetadataState } from "./types.js";

export type SetDataMetadataParameters = {
  /** DataNFT address. */
  address: Address;
  state?: MetadataState | undefined;
  provider: { address: Address; url: string };
  metadataCid: string;
  metadataHash: Hex;
  computeOnly?: boolean | undefined;
  metricsOnly?: boolean | undefined;
};
export type SetDataMetadataReturnType = Hash;
export type SetDataMetadataErrorType = ContractRevertError | BaseError;

/** Replaces the asset's metadata pointer (DDO CID + sha256), provider and access policy. Metadata updaters only. */
export function setDataMetadata(
  client: NoosWalletClient,
  params: SetDataMetadataParameters,
): Promise<SetDataMetadataReturnType> {
  return simulateAndWrite(client, {
    address: params.address,
    abi: dataNFTAbi,
    functionName: "setMetadata",
    args: [
      {
        state: METADATA_STATES.indexOf(params.state ?? "active"),
        decryptorUrl: params.provider.url,
        decryptorAddress: params.provider.address,
        metadataCid: params.metadataCid,
        metadataHash: params.metadataHash,
        computeOnly: params.computeOnly ?? false,
        metricsOnly: params.metricsOnly ?? false,
      },
    ],
  });
}

/** `setDataMetadata`, then waits for the receipt. */
export async function setDataMetadataAndWait(
  client: NoosWalletClient,
  params: SetDataMetadataParameters,
): Promise<WaitResult> {
  return waitForEvents(client, await setDataMetadata(client, params), dataNFTAbi);
}
