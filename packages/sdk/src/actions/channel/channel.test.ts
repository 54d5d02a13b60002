// PaymentChannels through the SDK against a real anvil: TS channel ids and vouchers match the
// contract's EIP-712, permit deposits, batched claims, settle, withdraw and refund; and the gas of
// each step (the "1,000 paid calls" figure is one claim of the last cumulative voucher + settle).
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { type Address, type Hex, pad, parseEther, toHex, zeroAddress } from "viem";
import { readContract } from "viem/actions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { channelActions } from "../../decorators/channel.js";
import { ContractRevertError } from "../../errors.js";
import { paymentChannelsAbi } from "../../generated/abis.js";
import {
  type ChannelConfig,
  computeChannelId,
  signVoucher,
  verifyVoucher,
  voucherDigest,
} from "../../x402/voucher.js";
import { claimAndSettleChannelsAndWait } from "./claimAndSettleChannels.js";
import { claimChannelsAndWait } from "./claimChannels.js";
import { depositChannelAndWait } from "./depositChannel.js";
import { depositChannelWithPermitAndWait } from "./depositChannelWithPermit.js";
import { finalizeChannelWithdrawAndWait } from "./finalizeChannelWithdraw.js";
import { getChannel } from "./getChannel.js";
import { initiateChannelWithdrawAndWait } from "./initiateChannelWithdraw.js";
import { refundChannelAndWait } from "./refundChannel.js";
import { settleChannelsAndWait } from "./settleChannels.js";

let net: TestDeployment;
let contract: Address;
beforeAll(async () => {
  net = await startTestDeployment();
  const address = net.deployment.contracts.paymentChannels;
  if (!address) throw new Error("the devnet deployed no PaymentChannels");
  contract = address;
}, 120_000);
afterAll(async () => net?.stop());
withSnapshot(() => net.testClient, { beforeEach, afterEach });

const payerIdx = 3;
const receiverIdx = 4;
function config(salt: number): ChannelConfig {
  return {
    payer: net.accounts[payerIdx]?.address as Address,
    payerAuthorizer: zeroAddress,
    receiver: net.accounts[receiverIdx]?.address as Address,
    receiverAuthorizer: net.accounts[receiverIdx]?.address as Address,
    token: net.deployment.contracts.token,
    withdrawDelay: 900,
    salt: pad(toHex(salt), { size: 32 }) as Hex,
  };
}
const domain = () => ({ chainId: net.anvil.chainId, verifyingContract: contract });
const payerAccount = () =>
  net.accounts[payerIdx]?.account as NonNullable<(typeof net.accounts)[number]>["account"];

describe("PaymentChannels SDK", () => {
  it("test_channelId_matchesContract", async () => {
    const c = config(7);
    const onChain = await readContract(net.publicClient, {
      address: contract,
      abi: paymentChannelsAbi,
      functionName: "getChannelId",
      args: [c],
    });
    expect(computeChannelId(c, domain())).toBe(onChain);
    const voucher = await signVoucher(payerAccount(), {
      channelId: onChain,
      maxClaimableAmount: 123n,
      domain: domain(),
    });
    expect(await verifyVoucher(voucher, c, domain())).toBe(true);
    const digest = await readContract(net.publicClient, {
      address: contract,
      abi: paymentChannelsAbi,
      functionName: "getVoucherDigest",
      args: [onChain, 123n],
    });
    expect(voucherDigest({ channelId: onChain, maxClaimableAmount: 123n }, domain())).toBe(digest);
    expect(await verifyVoucher({ ...voucher, maxClaimableAmount: 124n }, c, domain())).toBe(false);
    // Bound to the deployment with the decorator.
    const bound = net.client(payerIdx).extend(channelActions({ paymentChannels: contract }));
    await bound.depositChannelWithPermitAndWait({ config: c, amount: 5n });
    expect(await bound.getChannel({ channelId: onChain })).toMatchObject({
      balance: 5n,
      totalClaimed: 0n,
    });
  });

  it("test_lifecycle_depositClaimSettleWithdrawRefund_gas", async () => {
    const payer = net.client(payerIdx);
    const receiver = net.client(receiverIdx);
    const gas: Record<string, bigint> = {};
    const channels = [config(1), config(2), config(3), config(4), config(5)];
    for (const c of channels) {
      const r = await depositChannelWithPermitAndWait(payer, {
        address: contract,
        config: c,
        amount: parseEther("10"),
      });
      gas.depositWithPermit ??= r.receipt.gasUsed;
      expect(r.event?.newBalance).toBe(parseEther("10"));
    }
    // Plain deposits (approve first): a new channel, then a top-up.
    await payer.approveAndWait({ spender: contract, amount: parseEther("2") });
    const plain = await depositChannelAndWait(payer, {
      address: contract,
      config: config(9),
      amount: parseEther("1"),
    });
    gas.firstDeposit = plain.receipt.gasUsed;
    const topUp = await depositChannelAndWait(payer, {
      address: contract,
      config: config(9),
      amount: parseEther("1"),
    });
    gas.topUpDeposit = topUp.receipt.gasUsed;
    expect(topUp.event?.newBalance).toBe(parseEther("2"));
    // 1,000 calls at 0.001 NOOS each on channel 0: only the last cumulative voucher goes on chain.
    // The receiver's first claim ever writes its zeroed totals slot (+17k once); measure both.
    const first = channels[0] as ChannelConfig;
    const id0 = computeChannelId(first, domain());
    const voucherOf = (c: ChannelConfig, amount: bigint) =>
      signVoucher(payerAccount(), {
        channelId: computeChannelId(c, domain()),
        maxClaimableAmount: amount,
        domain: domain(),
      });
    const one = await claimChannelsAndWait(receiver, {
      address: contract,
      claims: [
        {
          config: first,
          voucher: await voucherOf(first, parseEther("0.5")),
          totalClaimed: parseEther("0.5"),
        },
      ],
    });
    gas.firstClaim1 = one.receipt.gasUsed;
    const settle = await settleChannelsAndWait(receiver, {
      address: contract,
      receiver: receiver.account.address,
      token: first.token,
    });
    gas.settle = settle.receipt.gasUsed;
    expect(settle.event?.amount).toBe(parseEther("0.5"));
    const again = await claimChannelsAndWait(receiver, {
      address: contract,
      claims: [
        {
          config: first,
          voucher: await voucherOf(first, parseEther("0.75")),
          totalClaimed: parseEther("0.75"),
        },
      ],
    });
    gas.claim1 = again.receipt.gasUsed;
    await settleChannelsAndWait(receiver, {
      address: contract,
      receiver: receiver.account.address,
      token: first.token,
    });
    const last = await voucherOf(first, parseEther("1"));
    const both = await claimAndSettleChannelsAndWait(receiver, {
      address: contract,
      claims: [{ config: first, voucher: last, totalClaimed: parseEther("1") }],
    });
    gas.claimAndSettle1 = both.receipt.gasUsed;
    expect(both.events.find((e) => e.eventName === "Settled")).toBeDefined();
    // The other four channels in one claim.
    const rows = await Promise.all(
      channels.slice(1).map(async (c) => ({
        config: c,
        voucher: await signVoucher(payerAccount(), {
          channelId: computeChannelId(c, domain()),
          maxClaimableAmount: parseEther("2"),
          domain: domain(),
        }),
        totalClaimed: parseEther("2"),
      })),
    );
    const four = await claimChannelsAndWait(receiver, { address: contract, claims: rows });
    gas.claim4 = four.receipt.gasUsed;
    expect(four.events.filter((e) => e.eventName === "Claimed")).toHaveLength(4);

    // A replayed voucher is a no-op; a forged amount reverts by name.
    const replay = await claimChannelsAndWait(receiver, {
      address: contract,
      claims: [{ config: first, voucher: last, totalClaimed: parseEther("1") }],
    });
    expect(replay.event).toBeUndefined();
    await expect(
      claimChannelsAndWait(receiver, {
        address: contract,
        claims: [
          {
            config: first,
            voucher: { ...last, maxClaimableAmount: parseEther("5") },
            totalClaimed: parseEther("5"),
          },
        ],
      }),
    ).rejects.toSatisfy(
      (e) => e instanceof ContractRevertError && e.name === "ChannelInvalidVoucherSignature",
    );

    // Payer exits channel 0 after the delay; receiver refunds channel 1.
    const w = await initiateChannelWithdrawAndWait(payer, {
      address: contract,
      config: first,
      amount: parseEther("9"),
    });
    expect(w.event?.amount).toBe(parseEther("9"));
    await expect(
      finalizeChannelWithdrawAndWait(payer, { address: contract, config: first }),
    ).rejects.toSatisfy(
      (e) => e instanceof ContractRevertError && e.name === "ChannelWithdrawTooEarly",
    );
    await net.testClient.increaseTime({ seconds: 900 });
    await net.testClient.mine({ blocks: 1 });
    const f = await finalizeChannelWithdrawAndWait(payer, { address: contract, config: first });
    expect(f.event?.amount).toBe(parseEther("9"));
    const refund = await refundChannelAndWait(receiver, {
      address: contract,
      config: channels[1] as ChannelConfig,
      amount: parseEther("100"),
    });
    expect(refund.event?.amount).toBe(parseEther("8"));
    const state = await getChannel(net.publicClient, { address: contract, channelId: id0 });
    expect(state).toMatchObject({
      balance: 0n,
      totalClaimed: parseEther("1"),
      withdrawal: { amount: 0n, initiatedAt: 0 },
    });
    console.log(
      `PaymentChannels gas: ${JSON.stringify(Object.fromEntries(Object.entries(gas).map(([k, v]) => [k, Number(v)])))}`,
    );
    expect(gas.claimAndSettle1).toBeLessThanOrEqual(100_000n);
  });
});
