import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { paymentChannelsAbi } from "../../generated/abis.js";

export type GetChannelParameters = {
  /** PaymentChannels address. */
  address: Address;
  channelId: Hex;
};
export type ChannelState = {
  channelId: Hex;
  /** Unclaimed escrow, wei. */
  balance: bigint;
  /** Cumulative claimed by the receiver, wei. */
  totalClaimed: bigint;
  /** Pending timed withdrawal (initiatedAt 0: none); final at initiatedAt + withdrawDelay. */
  withdrawal: { amount: bigint; initiatedAt: number };
};
export type GetChannelReturnType = ChannelState;

/** A channel's balance, total claimed and pending withdrawal (all zero for an unknown id). */
export async function getChannel(
  client: NoosReadClient,
  params: GetChannelParameters,
): Promise<GetChannelReturnType> {
  try {
    const [channel, withdrawal] = await Promise.all([
      readContract(client, {
        address: params.address,
        abi: paymentChannelsAbi,
        functionName: "getChannel",
        args: [params.channelId],
      }),
      readContract(client, {
        address: params.address,
        abi: paymentChannelsAbi,
        functionName: "getWithdrawal",
        args: [params.channelId],
      }),
    ]);
    return {
      channelId: params.channelId,
      balance: channel.balance,
      totalClaimed: channel.totalClaimed,
      withdrawal: { amount: withdrawal.amount, initiatedAt: withdrawal.initiatedAt },
    };
  } catch (err) {
    throw decodeContractError(err, paymentChannelsAbi);
  }
}
