// Payment-channel actions bound to a PaymentChannels deployment:
// `client.extend(channelActions({ paymentChannels }))`. Kept out of noosphereActions because
// older deployments have no PaymentChannels (NoosphereAddresses.paymentChannels is optional).
import type { Address } from "viem";
import {
  type ClaimAndSettleChannelsParameters,
  claimAndSettleChannels,
  claimAndSettleChannelsAndWait,
} from "../actions/channel/claimAndSettleChannels.js";
import {
  type ClaimChannelsParameters,
  claimChannels,
  claimChannelsAndWait,
} from "../actions/channel/claimChannels.js";
import {
  type DepositChannelParameters,
  depositChannel,
  depositChannelAndWait,
} from "../actions/channel/depositChannel.js";
import {
  type DepositChannelWithPermitParameters,
  depositChannelWithPermit,
  depositChannelWithPermitAndWait,
} from "../actions/channel/depositChannelWithPermit.js";
import {
  type FinalizeChannelWithdrawParameters,
  finalizeChannelWithdraw,
  finalizeChannelWithdrawAndWait,
} from "../actions/channel/finalizeChannelWithdraw.js";
import { type GetChannelParameters, getChannel } from "../actions/channel/getChannel.js";
import {
  type InitiateChannelWithdrawParameters,
  initiateChannelWithdraw,
  initiateChannelWithdrawAndWait,
} from "../actions/channel/initiateChannelWithdraw.js";
import {
  type RefundChannelParameters,
  refundChannel,
  refundChannelAndWait,
} from "../actions/channel/refundChannel.js";
import {
  type SettleChannelsParameters,
  settleChannels,
  settleChannelsAndWait,
} from "../actions/channel/settleChannels.js";
import type { NoosWalletClient } from "../client.js";

type Bound<P> = Omit<P, "address">;

export function channelActions(addresses: { paymentChannels: Address }) {
  const address = addresses.paymentChannels;
  return (client: NoosWalletClient) => ({
    getChannel: (p: Bound<GetChannelParameters>) => getChannel(client, { ...p, address }),
    depositChannel: (p: Bound<DepositChannelParameters>) =>
      depositChannel(client, { ...p, address }),
    depositChannelAndWait: (p: Bound<DepositChannelParameters>) =>
      depositChannelAndWait(client, { ...p, address }),
    depositChannelWithPermit: (p: Bound<DepositChannelWithPermitParameters>) =>
      depositChannelWithPermit(client, { ...p, address }),
    depositChannelWithPermitAndWait: (p: Bound<DepositChannelWithPermitParameters>) =>
      depositChannelWithPermitAndWait(client, { ...p, address }),
    claimChannels: (p: Bound<ClaimChannelsParameters>) => claimChannels(client, { ...p, address }),
    claimChannelsAndWait: (p: Bound<ClaimChannelsParameters>) =>
      claimChannelsAndWait(client, { ...p, address }),
    claimAndSettleChannels: (p: Bound<ClaimAndSettleChannelsParameters>) =>
      claimAndSettleChannels(client, { ...p, address }),
    claimAndSettleChannelsAndWait: (p: Bound<ClaimAndSettleChannelsParameters>) =>
      claimAndSettleChannelsAndWait(client, { ...p, address }),
    settleChannels: (p: Bound<SettleChannelsParameters>) =>
      settleChannels(client, { ...p, address }),
    settleChannelsAndWait: (p: Bound<SettleChannelsParameters>) =>
      settleChannelsAndWait(client, { ...p, address }),
    initiateChannelWithdraw: (p: Bound<InitiateChannelWithdrawParameters>) =>
      initiateChannelWithdraw(client, { ...p, address }),
    initiateChannelWithdrawAndWait: (p: Bound<InitiateChannelWithdrawParameters>) =>
      initiateChannelWithdrawAndWait(client, { ...p, address }),
    finalizeChannelWithdraw: (p: Bound<FinalizeChannelWithdrawParameters>) =>
      finalizeChannelWithdraw(client, { ...p, address }),
    finalizeChannelWithdrawAndWait: (p: Bound<FinalizeChannelWithdrawParameters>) =>
      finalizeChannelWithdrawAndWait(client, { ...p, address }),
    refundChannel: (p: Bound<RefundChannelParameters>) => refundChannel(client, { ...p, address }),
    refundChannelAndWait: (p: Bound<RefundChannelParameters>) =>
      refundChannelAndWait(client, { ...p, address }),
  });
}
