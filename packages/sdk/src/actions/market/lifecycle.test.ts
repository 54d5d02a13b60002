// The market's lifecycles through the SDK, against a real anvil with the real contracts.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import {
  type Address,
  decodeFunctionData,
  getAddress,
  type Hash,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
} from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROVIDER_ROLE } from "../../addresses.js";
import { BaseError, ContractRevertError, InvalidParameterError } from "../../errors.js";
import {
  computeMarketAbi,
  tradingDemoTokenAbi,
  tradingDemoTokenBytecode,
} from "../../generated/abis.js";
import { resultCommitment } from "./resultCommitment.js";

let net: TestDeployment;
beforeAll(async () => {
  net = await startTestDeployment();
});
afterAll(async () => {
  await net?.stop();
});
withSnapshot(() => net.testClient, { beforeEach, afterEach });

/** Moves chain time forward and mines, so calls (which run on the latest block) see it. */
async function advance(seconds: number) {
  await net.testClient.increaseTime({ seconds });
  await net.testClient.mine({ blocks: 1 });
}

/** The market function a transaction called (createOrder or createOrderWithPermit, …). */
async function calledFunction(hash: Hash) {
  const tx = await net.publicClient.getTransaction({ hash });
  return decodeFunctionData({ abi: computeMarketAbi, data: tx.input }).functionName;
}

/** The named error a rejected promise carries (fails the test if it resolved). */
async function revertOf(promise: Promise<unknown>): Promise<ContractRevertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContractRevertError);
  return error as ContractRevertError;
}

const accruedFees = (token: Address) =>
  net.publicClient.readContract({
    address: net.deployment.contracts.market,
    abi: computeMarketAbi,
    functionName: "accruedFees",
    args: [token],
  });

const manifest = {
  manifestCid: "bafy-demo-manifest",
  manifestHash: keccak256(toHex("manifest v1")),
};
const MIN_PROVIDER_STAKE = parseEther("100"); // ProtocolParams' default
const TAKE_RATE_BPS = 200n; // ProtocolParams' default

/** A staked, registered provider: no approve of the market (bids take no deposit). */
async function registerProvider(index: number, attributes: Record<string, string>) {
  const provider = net.client(index);
  const { staking } = net.deployment.contracts;
  await provider.approveAndWait({ spender: staking, amount: parseEther("1000") });
  await provider.stakeAndWait({ role: PROVIDER_ROLE, amount: parseEther("1000") });
  await provider.registerProviderAndWait({
    hostUri: `http://127.0.0.1:${9000 + index}`,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
  });
  return provider;
}

describe("market lifecycle", () => {
  it("batch: funded account -> order from balance -> lower bid wins -> result -> balances -> withdraw -> releaseStake", async () => {
    const { market } = net.deployment.contracts;
    const token = getAddress(net.deployment.contracts.token); // events carry checksummed addresses
    const tenant = net.client(1);
    const me = tenant.account.address;
    const dear = await registerProvider(4, { region: "eu" });
    const cheap = await registerProvider(5, { region: "eu" });
    const walletStart = await tenant.getTokenBalance({ account: me });

    // Fund the account without an approve: the allowance is 0, so the SDK signs a permit.
    expect(await tenant.getAllowance({ owner: me, spender: market })).toBe(0n);
    const funded = await tenant.fundAccountAndWait({ token, amount: parseEther("10") });
    expect(await calledFunction(funded.hash)).toBe("fundWithPermit");
    expect(funded.event).toMatchObject({ account: me, token, amount: parseEther("10") });
    expect(await tenant.getMarketBalance({ account: me, token })).toBe(parseEther("10"));

    // The order is paid from the balance: createOrder (no permit), no token transfer.
    const deposit = parseEther("5");
    const created = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit,
      jobTimeout: 600,
      placement: { attributes: { region: "eu" } },
    });
    const { orderId } = created;
    expect(await calledFunction(created.hash)).toBe("createOrder");
    expect(await tenant.getMarketBalance({ account: me, token })).toBe(parseEther("5"));
    expect(await tenant.getTokenBalance({ account: me })).toBe(walletStart - parseEther("10"));
    // Stored: what the market checks later; getOrder reads the manifest and placement back from
    // the OrderCreated event.
    const open = await tenant.getOrder({ orderId });
    expect(open.stateName).toBe("Open");
    expect(open.manifestCid).toBe(manifest.manifestCid);
    expect(open.placement.attributes).toEqual([{ key: "region", value: "eu" }]);
    expect(open.escrow).toBe(deposit);
    expect(open.bestBidder).toBe(zeroAddress);

    // A running reverse auction: each bid strictly below the best, which it replaces.
    const first = await dear.createBidAndWait({ orderId, pricePerSecond: parseEther("0.0009") });
    expect(first.event).toEqual({
      orderId,
      provider: dear.account.address,
      pricePerSecond: parseEther("0.0009"),
      outbid: zeroAddress,
    });
    const second = await cheap.createBidAndWait({ orderId, pricePerSecond: parseEther("0.0008") });
    expect(second.event.outbid).toBe(dear.account.address);
    const best = await tenant.getOrder({ orderId });
    expect(best.bestBidder).toBe(cheap.account.address);
    expect(best.bestPricePerSecond).toBe(parseEther("0.0008"));
    // Not lower than the best: the market's named error with the offending values.
    const notLower = await revertOf(
      dear.createBid({ orderId, pricePerSecond: parseEther("0.0008") }),
    );
    expect(notLower.name).toBe("MarketBidNotLower");
    expect(notLower.args).toEqual([orderId, parseEther("0.0008"), parseEther("0.0008")]);

    // The tenant accepts the best bid before the window ends.
    const accepted = await tenant.acceptBidAndWait({ orderId });
    expect(accepted.event).toMatchObject({
      leaseId: orderId,
      tenant: me,
      provider: cheap.account.address,
      pricePerSecond: parseEther("0.0008"),
    });
    expect((await tenant.getOrder({ orderId })).stateName).toBe("Leased");
    const jobPrice = parseEther("0.0008") * 600n;
    const active = await tenant.getLease({ leaseId: orderId });
    expect(active.stateName).toBe("Active");
    expect(active.held).toBe(jobPrice);
    expect(active.deadline).toBe(active.startedAt + 600n);
    expect(await cheap.getProviderStake({ provider: cheap.account.address })).toEqual({
      openLeases: 1n,
      locked: MIN_PROVIDER_STAKE,
    });

    await advance(42);
    const resultHash = keccak256(toHex("output"));
    await cheap.submitResultAndWait({ leaseId: orderId, resultCid: "bafy-out", resultHash });
    const { event: closed } = await tenant.acceptResultAndWait({ leaseId: orderId });
    expect(closed.reason).toBe(3); // ResultAccepted
    const lease = await tenant.getLease({ leaseId: orderId });
    expect(lease.stateName).toBe("Completed");
    expect(lease.resultCid).toBe("bafy-out"); // from the ResultSubmitted event
    expect(lease.resultHash).toBe(resultHash);

    // Credited, not pushed: the job price (net of the fee) to the provider, the rest of the
    // escrow back to the tenant's balance.
    const fee = (jobPrice * TAKE_RATE_BPS) / 10_000n;
    expect(await accruedFees(token)).toBe(fee);
    expect(await tenant.getMarketBalance({ account: cheap.account.address, token })).toBe(
      jobPrice - fee,
    );
    expect(await tenant.getMarketBalance({ account: me, token })).toBe(parseEther("10") - jobPrice);
    expect(await tenant.getMarketBalance({ account: dear.account.address, token })).toBe(0n);

    // Withdraw pays the whole balance out; a second one has nothing to pay.
    const providerWallet = await cheap.getTokenBalance({ account: cheap.account.address });
    const { event: paid } = await cheap.withdrawBalanceAndWait({ token });
    expect(paid).toEqual({ account: cheap.account.address, token, amount: jobPrice - fee });
    expect(await cheap.getTokenBalance({ account: cheap.account.address })).toBe(
      providerWallet + jobPrice - fee,
    );
    const nothing = await revertOf(cheap.withdrawBalance({ token }));
    expect(nothing.name).toBe("MarketNothingToWithdraw");
    await tenant.withdrawBalanceAndWait({ token });
    expect(await tenant.getTokenBalance({ account: me })).toBe(walletStart - jobPrice);
    // What the market still holds: the unswept fee.
    expect(await tenant.getTokenBalance({ account: market })).toBe(fee);

    // The stake lock outlives the lease until the provider releases it (before unstaking).
    expect(await cheap.getProviderStake({ provider: cheap.account.address })).toEqual({
      openLeases: 0n,
      locked: MIN_PROVIDER_STAKE,
    });
    const staked = await cheap.getStake({ account: cheap.account.address, role: PROVIDER_ROLE });
    expect(staked.locked).toBe(MIN_PROVIDER_STAKE);
    const released = await cheap.releaseStakeAndWait();
    expect(released.amount).toBe(MIN_PROVIDER_STAKE);
    expect(await cheap.getProviderStake({ provider: cheap.account.address })).toEqual({
      openLeases: 0n,
      locked: 0n,
    });
    expect(
      (await cheap.getStake({ account: cheap.account.address, role: PROVIDER_ROLE })).locked,
    ).toBe(0n);
    expect((await cheap.releaseStakeAndWait()).amount).toBe(0n);
  });

  it("service: auction closed after the window, settled, closed; the refund funds the next order", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(1);
    const me = tenant.account.address;
    const a = await registerProvider(4, {});
    const b = await registerProvider(5, {});
    const deposit = parseEther("10");

    // With an allowance that covers it, fundAccount calls fund (no permit).
    await tenant.approveAndWait({ spender: market, amount: deposit });
    const funded = await tenant.fundAccountAndWait({ token, amount: deposit });
    expect(await calledFunction(funded.hash)).toBe("fund");
    const { orderId } = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.01"),
      deposit,
      bidWindow: 30,
    });
    expect(await tenant.getMarketBalance({ account: me, token })).toBe(0n);
    await a.createBidAndWait({ orderId, pricePerSecond: parseEther("0.008") });
    await b.createBidAndWait({ orderId, pricePerSecond: parseEther("0.006") });
    // Outbid, a bids again lower.
    const rebid = await a.createBidAndWait({ orderId, pricePerSecond: parseEther("0.005") });
    expect(rebid.event.outbid).toBe(b.account.address);

    // Inside the window only the tenant may lease; after it, anyone closes the auction.
    const early = await revertOf(b.closeAuction({ orderId }));
    expect(early.name).toBe("MarketBidWindowOpen");
    await advance(31);
    const late = await revertOf(b.createBid({ orderId, pricePerSecond: parseEther("0.001") }));
    expect(late.name).toBe("MarketBidWindowClosed");
    const { event: leased } = await b.closeAuctionAndWait({ orderId });
    expect(leased.provider).toBe(a.account.address);
    expect(leased.pricePerSecond).toBe(parseEther("0.005"));

    await advance(100);
    const { event: settled } = await tenant.settleLeaseAndWait({ leaseId: orderId });
    expect(settled?.accrued).toBeGreaterThan(0n);
    const { event: closed } = await tenant.closeLeaseAndWait({ leaseId: orderId });
    expect(closed.state).toBe(4); // Closed
    expect((await tenant.getLease({ leaseId: orderId })).stateName).toBe("Closed");

    // Conservation: the tenant's deposit = provider's balance + fees + the tenant's refund.
    const earned = await tenant.getMarketBalance({ account: a.account.address, token });
    const fees = await accruedFees(token);
    const refund = await tenant.getMarketBalance({ account: me, token });
    expect(refund).toBe(closed.refund);
    expect(earned + fees + refund).toBe(deposit);
    expect(fees).toBe(((earned + fees) * TAKE_RATE_BPS) / 10_000n);
    expect(await tenant.getTokenBalance({ account: market })).toBe(deposit);

    // The refund pays the next order first; the allowance (0 now) is not needed for it.
    const next = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: refund,
    });
    expect(await calledFunction(next.hash)).toBe("createOrder");
    expect(await tenant.getMarketBalance({ account: me, token })).toBe(0n);
    expect((await tenant.getOrder({ orderId: next.orderId })).escrow).toBe(refund);
  });

  it("replica group: one order per provider, commit then reveal; TS commitment matches the chain", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(3);
    const a = await registerProvider(4, { region: "eu" });
    const b = await registerProvider(5, { region: "eu" });
    // createOrderGroup has no permit form: the balance pays it.
    await tenant.fundAccountAndWait({ token, amount: parseEther("10") });
    const { groupId, orderIds } = await tenant.createOrderGroupAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: parseEther("5"),
      jobTimeout: 600,
      replicas: 2,
    });
    expect(orderIds).toEqual([groupId, groupId + 1n]);
    const [first, second] = orderIds as [bigint, bigint];
    expect((await tenant.getOrder({ orderId: second })).group).toBe(groupId);
    expect(await tenant.getMarketBalance({ account: tenant.account.address, token })).toBe(0n);

    // Provider a bids on the first replica; its bid on the second is refused.
    await a.createBidAndWait({ orderId: first, pricePerSecond: parseEther("0.001") });
    const inGroup = await revertOf(
      a.createBid({ orderId: second, pricePerSecond: parseEther("0.0009") }),
    );
    expect(inGroup.name).toBe("MarketProviderInGroup");
    await b.createBidAndWait({ orderId: second, pricePerSecond: parseEther("0.001") });
    await tenant.acceptBidAndWait({ orderId: first });
    await tenant.acceptBidAndWait({ orderId: second });

    const resultCid = "bafy-replica-out";
    const resultHash = keccak256(toHex("replica output"));
    const providers = [a, b] as const;
    const salts = [keccak256(toHex("salt a")), keccak256(toHex("salt b"))] as const;
    for (const [i, p] of providers.entries()) {
      const leaseId = orderIds[i] as bigint;
      const salt = salts[i] as `0x${string}`;
      const commitment = resultCommitment({
        leaseId,
        resultHash,
        resultCid,
        salt,
        provider: p.account.address,
      });
      const onChain = await net.publicClient.readContract({
        address: market,
        abi: computeMarketAbi,
        functionName: "resultCommitment",
        args: [leaseId, resultHash, resultCid, salt, p.account.address],
      });
      expect(commitment).toBe(onChain);
      // submitResult is refused for a grouped lease: commit first.
      const direct = await revertOf(p.submitResult({ leaseId, resultCid, resultHash }));
      expect(direct.name).toBe("MarketCommitRevealRequired");
      if (i === 0) await revertOf(p.revealResult({ leaseId, resultCid, resultHash, salt }));
      await p.commitResultAndWait({ leaseId, commitment });
      expect((await tenant.getLease({ leaseId })).stateName).toBe("Committed");
    }
    const group = await tenant.getGroup({ groupId });
    expect(group.settled).toBe(2);
    expect(group.revealOpen).toBe(true);
    for (const [i, p] of providers.entries()) {
      const leaseId = orderIds[i] as bigint;
      await p.revealResultAndWait({
        leaseId,
        resultCid,
        resultHash,
        salt: salts[i] as `0x${string}`,
      });
      await tenant.acceptResultAndWait({ leaseId });
      const lease = await tenant.getLease({ leaseId });
      expect(lease.stateName).toBe("Completed");
      expect(lease.resultHash).toBe(resultHash);
    }
  });

  it("permit: with no balance and no allowance, createOrder and depositEscrow sign one", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(2);
    const me = tenant.account.address;
    expect(await tenant.getAllowance({ owner: me, spender: market })).toBe(0n);
    expect(await tenant.getMarketBalance({ account: me, token })).toBe(0n);
    const start = await tenant.getTokenBalance({ account: me });
    const deposit = parseEther("3");
    const { orderId, event, hash, receipt } = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit,
    });
    // One transaction, to the market: the permit travelled inside it.
    expect(receipt.to?.toLowerCase()).toBe(market.toLowerCase());
    expect(await calledFunction(hash)).toBe("createOrderWithPermit");
    expect(event.deposit).toBe(deposit);
    const topUp = await tenant.depositEscrowAndWait({ orderId, amount: parseEther("1") });
    expect(await calledFunction(topUp.hash)).toBe("depositWithPermit");
    expect(topUp.event.amount).toBe(parseEther("1"));
    expect((await tenant.getOrder({ orderId })).escrow).toBe(parseEther("4"));
    expect(await tenant.getTokenBalance({ account: me })).toBe(start - parseEther("4"));
    expect(await tenant.getAllowance({ owner: me, spender: market })).toBe(0n);

    // A permit past its deadline (and no allowance): the market's named error.
    const expired = await revertOf(
      tenant.depositEscrow({ orderId, amount: 1n, permit: { deadline: 1n } }),
    );
    expect(expired.name).toBe("MarketInvalidPermit");
    // permit: false never signs one: the token refuses the transfer (no allowance).
    const refused = await tenant
      .depositEscrow({ orderId, amount: 1n, permit: false })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BaseError);
    expect((await tenant.getOrder({ orderId })).escrow).toBe(parseEther("4"));

    // A token without permits: short of balance and allowance, the SDK says what to do instead.
    const deployed = await tenant.deployContract({
      abi: tradingDemoTokenAbi,
      bytecode: tradingDemoTokenBytecode,
      args: ["Plain", "PLN", me, parseEther("100")],
    });
    const plain = (await net.publicClient.waitForTransactionReceipt({ hash: deployed }))
      .contractAddress as Address;
    const noPermit = await tenant
      .fundAccount({ token: plain, amount: 1n })
      .catch((e: unknown) => e);
    expect(noPermit).toBeInstanceOf(BaseError);
    expect((noPermit as BaseError).name).toBe("MarketPaymentError");
    expect((noPermit as BaseError).message).toContain("Approve the market");
    // With an allowance it takes the plain path (fund), here refused: the token is not listed.
    await tenant.writeContract({
      address: plain,
      abi: tradingDemoTokenAbi,
      functionName: "approve",
      args: [market, 1n],
    });
    const unlisted = await revertOf(tenant.fundAccount({ token: plain, amount: 1n }));
    expect(unlisted.name).toBe("MarketTokenNotAllowed");
  });

  it("decodes custom errors into named errors and validates parameters before sending", async () => {
    const { token } = net.deployment.contracts;
    const tenant = net.client(3);
    await tenant.fundAccountAndWait({ token, amount: parseEther("5") });
    const tooLow = await revertOf(
      tenant.createOrder({ ...manifest, token, maxPricePerSecond: 1n, deposit: parseEther("0.1") }),
    );
    expect(tooLow.name).toBe("MarketDepositTooLow");
    expect(tooLow.args).toEqual([parseEther("0.1"), parseEther("1")]);

    const { orderId } = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: parseEther("2"),
    });
    const noBids = await revertOf(tenant.acceptBid({ orderId }));
    expect(noBids.name).toBe("MarketNoBids");
    const provider = await registerProvider(6, {});
    const above = await revertOf(
      provider.createBid({ orderId, pricePerSecond: parseEther("0.002") }),
    );
    expect(above.name).toBe("MarketBidAbovePrice");
    await provider.createBidAndWait({ orderId, pricePerSecond: parseEther("0.001") });
    const notTenant = await revertOf(provider.acceptBid({ orderId }));
    expect(notTenant.name).toBe("MarketNotTenant");

    const invalid = await tenant
      .createOrder({ ...manifest, token, maxPricePerSecond: 0n, deposit: parseEther("2") })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidParameterError);
    expect((invalid as InvalidParameterError).field).toBe("maxPricePerSecond");
    const zero = await tenant.fundAccount({ token, amount: 0n }).catch((e: unknown) => e);
    expect((zero as InvalidParameterError).field).toBe("amount");
  });
});
