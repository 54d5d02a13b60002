import { type Address, type Hex, parseSignature } from "viem";
import { getBlock, readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import type { BaseError, ContractRevertError } from "../../errors.js";
import { noosTokenAbi } from "../../generated/abis.js";

export type SignPermitParameters = {
  /** Token with EIP-2612 permits and an ERC-5267 `eip712Domain` (NOOS has both). */
  token: Address;
  /** Who may take the tokens (e.g. the ComputeMarket). */
  spender: Address;
  /** In wei: exactly what the spender's call takes. */
  value: bigint;
  /** Unix seconds. Default: one hour after the chain's latest block (its clock, not this machine's). */
  deadline?: bigint | undefined;
};
/** The permit's deadline and signature, as the contracts' `(deadline, v, r, s)` arguments take them. */
export type SignPermitReturnType = { deadline: bigint; v: number; r: Hex; s: Hex };
export type SignPermitErrorType = ContractRevertError | BaseError;

/**
 * Signs an EIP-2612 permit of the caller's tokens for `spender` (no transaction): the token's
 * EIP-712 domain and the caller's nonce are read from the token. A token without permits fails
 * here (the read reverts): use `approve` for it.
 */
export async function signPermit(
  client: NoosWalletClient,
  params: SignPermitParameters,
): Promise<SignPermitReturnType> {
  const owner = client.account.address;
  const [domain, nonce, deadline] = await Promise.all([
    readContract(client, {
      address: params.token,
      abi: noosTokenAbi,
      functionName: "eip712Domain",
    }),
    readContract(client, {
      address: params.token,
      abi: noosTokenAbi,
      functionName: "nonces",
      args: [owner],
    }),
    params.deadline ?? getBlock(client).then((block) => block.timestamp + 3600n),
  ]);
  const signature = await client.signTypedData({
    account: client.account,
    domain: {
      name: domain[1],
      version: domain[2],
      chainId: domain[3],
      verifyingContract: domain[4],
    },
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    primaryType: "Permit",
    message: { owner, spender: params.spender, value: params.value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
}
