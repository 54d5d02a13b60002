import { type Address, erc20Abi } from "viem";
import { readContract } from "viem/actions";
import type { NoosWalletClient } from "../../client.js";
import { BaseError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
import { type SignPermitReturnType, signPermit } from "../token/signPermit.js";

/**
 * How a market payment (an order's deposit, a top-up, funds for the account) is made:
 * - left out: the market balance first, then the allowance; a permit for the WHOLE amount is
 *   signed only when the two together fall short (no approve transaction is ever needed);
 * - `true`, or `{ deadline }` (unix seconds; default one hour after the chain's latest block):
 *   always a permit for the whole amount (the `...WithPermit` call; the balance is not used);
 * - `false`: never a permit (balance, then allowance: approve the market first).
 */
export type MarketPayment = boolean | { deadline: bigint } | undefined;

export type PermitForParameters = {
  /** ComputeMarket address (the permit's spender). */
  market: Address;
  token: Address;
  /** What the call takes, in wei. */
  amount: bigint;
  permit: MarketPayment;
  /** Whether the call takes from the market balance first (fund does not). Default true. */
  fromBalance?: boolean | undefined;
};

/**
 * The permit a market payment needs, or undefined when the caller's market balance plus its
 * allowance already cover `amount` (or `permit` is false). See `MarketPayment`.
 */
export async function permitFor(
  client: NoosWalletClient,
  params: PermitForParameters,
): Promise<SignPermitReturnType | undefined> {
  if (params.permit === false) return undefined;
  const deadline = typeof params.permit === "object" ? params.permit.deadline : undefined;
  if (params.permit === undefined) {
    const owner = client.account.address;
    const [balance, allowance] = await Promise.all([
      params.fromBalance === false
        ? 0n
        : readContract(client, {
            address: params.market,
            abi: computeMarketAbi,
            functionName: "balanceOf",
            args: [owner, params.token],
          }),
      readContract(client, {
        address: params.token,
        abi: erc20Abi,
        functionName: "allowance",
        args: [owner, params.market],
      }),
    ]);
    if (balance + allowance >= params.amount) return undefined;
    try {
      return await signPermit(client, {
        token: params.token,
        spender: params.market,
        value: params.amount,
        deadline,
      });
    } catch (err) {
      throw new BaseError(
        `Market balance (${balance}) and allowance (${allowance}) do not cover ${params.amount} wei, and no permit could be signed for token ${params.token}.`,
        {
          cause: err,
          name: "MarketPaymentError",
          metaMessages: ["Approve the market for the token, or fund the market account first."],
        },
      );
    }
  }
  return signPermit(client, {
    token: params.token,
    spender: params.market,
    value: params.amount,
    deadline,
  });
}
