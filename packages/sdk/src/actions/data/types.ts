import { type Address, erc20Abi, type Hex, zeroAddress } from "viem";
import { readContract, waitForTransactionReceipt } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import { simulateAndWrite } from "../../internal/write.js";

/** Addresses of the data-asset contracts (NoosphereAddresses' optional data fields). */
export type DataAddresses = {
  dataNftFactory: Address;
  fixedRateExchange: Address;
  dispenser: Address;
};

/** An absolute fee paid with an order (IDatatoken.Fee); any zero field skips it. */
export type OrderFee = { feeAddress: Address; token: Address; amount: bigint };

export const NO_FEE: OrderFee = { feeAddress: zeroAddress, token: zeroAddress, amount: 0n };

/** Metadata states (Ocean): orders are refused in end-of-life, deprecated, revoked and ordering-disabled. */
export const METADATA_STATES = [
  "active",
  "end-of-life",
  "deprecated",
  "revoked",
  "ordering-disabled",
  "unlisted",
] as const;
export type MetadataState = (typeof METADATA_STATES)[number];

/** Approves `spender` for `amount` of `token` unless the allowance already covers it; waits for it. */
export async function ensureAllowance(
  client: NoosWalletClient,
  token: Address,
  spender: Address,
  amount: bigint,
): Promise<Hex | undefined> {
  if (amount === 0n || token === zeroAddress) return undefined;
  const allowance = await readContract(client, {
    address: token,
    abi: erc20Abi,
    functionName: "allowance",
    args: [client.account.address, spender],
  });
  if (allowance >= amount) return undefined;
  const hash = await simulateAndWrite(client, {
    address: token,
    abi: erc20Abi,
    functionName: "approve",
    args: [spender, amount],
  });
  await waitForTransactionReceipt(client, { hash });
  return hash;
}
