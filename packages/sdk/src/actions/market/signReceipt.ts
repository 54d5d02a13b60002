import type { Address, Hex } from "viem";
import { getChainId, signTypedData } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";

export type SignReceiptParameters = {
  /** ComputeMarket address (part of the EIP-712 domain). */
  address: Address;
  leaseId: bigint;
  resultHash: Hex;
  resultCid: string;
};
export type SignReceiptReturnType = Hex;

/**
 * The provider's EIP-712 receipt for a batch result: binds (lease, result hash, CID) to the
 * provider's key, so anyone can relay `submitResult` and anyone can check who produced it.
 */
export async function signReceipt(
  client: NoosWalletClient,
  params: SignReceiptParameters,
): Promise<SignReceiptReturnType> {
  return signTypedData(client, {
    account: client.account,
    domain: {
      name: "NoosphereComputeMarket",
      version: "1",
      chainId: await getChainId(client),
      verifyingContract: params.address,
    },
    types: {
      Receipt: [
        { name: "leaseId", type: "uint256" },
        { name: "resultHash", type: "bytes32" },
        { name: "resultCid", type: "string" },
      ],
    },
    primaryType: "Receipt",
    message: {
      leaseId: params.leaseId,
      resultHash: params.resultHash,
      resultCid: params.resultCid,
    },
  });
}
