// One full market lifecycle through the SDK, against a real anvil with the real contracts.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROVIDER_ROLE } from "../../addresses.js";
import { ContractRevertError, InvalidParameterError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";
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

const manifest = {
  manifestCid: "bafy-demo-manifest",
  manifestHash: keccak256(toHex("manifest v1")),
};

async function registerProvider(index: number, attributes: Record<string, string>) {
  const provider = net.client(index);
  const { staking, market } = net.deployment.contracts;
  await provider.approveAndWait({ spender: staking, amount: parseEther("1000") });
  await provider.stakeAndWait({ role: PROVIDER_ROLE, amount: parseEther("1000") });
  await provider.registerProviderAndWait({
    hostUri: `http://127.0.0.1:${9000 + index}`,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
  });
  await provider.approveAndWait({ spender: market, amount: parseEther("1000") });
  return provider;
}

describe("market lifecycle", () => {
  it("order -> bids -> lease -> settle -> withdraw -> close conserves the escrow", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(1);
    const cheap = await registerProvider(4, { region: "eu" });
    const dear = await registerProvider(5, { region: "eu" });
    const deposit = parseEther("10");
    const tenantStart = await tenant.getTokenBalance({
      account: tenant.account.address,
    });

    await tenant.approveAndWait({ spender: market, amount: deposit });
    const { orderId } = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.01"),
      deposit,
      bidWindow: 30,
      placement: { attributes: { region: "eu" } },
    });
    expect(orderId).toBe(1n);
    // Stored on chain: only what the market checks later (the placement by hash); getOrder reads
    // the manifest, resources and placement back from the OrderCreated event.
    const order = await tenant.getOrder({ orderId });
    expect(order.manifestCid).toBe(manifest.manifestCid);
    expect(order.placement.attributes).toEqual([{ key: "region", value: "eu" }]);
    expect(order.placementHash).not.toBe(`0x${"0".repeat(64)}`);

    const bidDeposit = parseEther("0.5");
    await dear.createBidAndWait({
      orderId,
      pricePerSecond: parseEther("0.008"),
      deposit: bidDeposit,
    });
    const { event: cheapBid } = await cheap.createBidAndWait({
      orderId,
      pricePerSecond: parseEther("0.005"),
      deposit: bidDeposit,
    });
    expect(cheapBid.bidIndex).toBe(1n);

    // After the bid window anyone closes the auction on the lowest bid.
    await advance(31);
    const { event: leaseCreated } = await dear.closeAuctionAndWait({ orderId });
    expect(leaseCreated.provider).toBe(cheap.account.address);
    const bids = await tenant.getBids({ orderId });
    expect(bids.map((b) => b.stateName)).toEqual(["Lost", "Won"]);

    await advance(100);
    const { event: settled } = await tenant.settleLeaseAndWait({ leaseId: orderId });
    expect(settled?.accrued).toBeGreaterThan(0n);

    const earned = await tenant.getEarnings({ provider: cheap.account.address, token });
    const { event: withdrawn } = await cheap.withdrawEarningsAndWait({ token });
    expect(withdrawn.amount).toBe(earned);

    const { event: closed } = await tenant.closeLeaseAndWait({ leaseId: orderId });
    expect(closed.state).toBe(4); // Closed
    const lease = await tenant.getLease({ leaseId: orderId });
    expect(lease.stateName).toBe("Closed");

    // Escrow conservation: what the tenant put in = provider's pay (fees included) + refund.
    const tenantEnd = await tenant.getTokenBalance({
      account: tenant.account.address,
    });
    expect(tenantStart - tenantEnd).toBe(lease.paid);
    const fees = await net.publicClient.readContract({
      address: market,
      abi: computeMarketAbi,
      functionName: "accruedFees",
      args: [token],
    });
    // Bid deposits are credited to the bidders' earnings (pulled with withdraw, never pushed):
    // the winner's when its lease ended, the loser's when the auction closed.
    const unwithdrawn = await tenant.getEarnings({ provider: cheap.account.address, token });
    expect(lease.paid).toBe(fees + unwithdrawn - bidDeposit + earned);
    expect(fees).toBe((lease.paid * 200n) / 10_000n);
    expect(await tenant.getEarnings({ provider: dear.account.address, token })).toBe(bidDeposit);
    // The market holds the unswept fees, the pay accrued since the withdrawal and both deposits.
    expect(await tenant.getTokenBalance({ account: market })).toBe(fees + unwithdrawn + bidDeposit);
  });

  it("batch job: result with a relayed EIP-712 receipt, accepted by the tenant", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(2);
    const provider = await registerProvider(6, { region: "us" });
    const tenantStart = await tenant.getTokenBalance({
      account: tenant.account.address,
    });
    await tenant.approveAndWait({ spender: market, amount: parseEther("5") });
    const { orderId } = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: parseEther("5"),
      jobTimeout: 600,
    });
    await provider.createBidAndWait({
      orderId,
      pricePerSecond: parseEther("0.001"),
      deposit: parseEther("0.5"),
    });
    await tenant.acceptBidAndWait({ orderId, bidIndex: 0n });
    await advance(42);

    const resultHash = keccak256(toHex("output"));
    const receipt = await provider.signReceipt({
      leaseId: orderId,
      resultHash,
      resultCid: "bafy-out",
    });
    // The tenant relays the provider's signed result.
    const { event } = await tenant.submitResultAndWait({
      leaseId: orderId,
      resultCid: "bafy-out",
      resultHash,
      receipt,
    });
    expect(event.provider).toBe(provider.account.address);
    const { event: closed } = await tenant.acceptResultAndWait({ leaseId: orderId });
    expect(closed.reason).toBe(3); // ResultAccepted
    const lease = await tenant.getLease({ leaseId: orderId });
    expect(lease.stateName).toBe("Completed");
    expect(lease.resultCid).toBe("bafy-out"); // from the ResultSubmitted event
    // A batch job is priced per job: price x jobTimeout, fixed when the lease started, whenever
    // the result came (here after 42 of 600 s); the rest of the escrow came back.
    expect(lease.paid).toBe(parseEther("0.001") * 600n);
    expect(lease.settledAt).toBe(lease.startedAt);
    const tenantBalance = await tenant.getTokenBalance({
      account: tenant.account.address,
    });
    expect(tenantBalance).toBe(tenantStart - lease.paid);
  });

  it("replica group: distinct providers commit, then reveal; TS commitment matches the chain", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(3);
    const a = await registerProvider(4, { region: "eu" });
    const b = await registerProvider(5, { region: "eu" });
    await tenant.approveAndWait({ spender: market, amount: parseEther("10") });
    const { groupId, orderIds } = await tenant.createOrderGroupAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit: parseEther("5"),
      jobTimeout: 600,
      replicas: 2,
    });
    expect(orderIds).toEqual([groupId, groupId + 1n]);
    expect((await tenant.getOrder({ orderId: orderIds[1] as bigint })).group).toBe(groupId);

    // Provider a bids on both replicas but may win only one.
    for (const orderId of orderIds) {
      await a.createBidAndWait({
        orderId,
        pricePerSecond: parseEther("0.001"),
        deposit: parseEther("0.5"),
      });
    }
    await b.createBidAndWait({
      orderId: orderIds[1] as bigint,
      pricePerSecond: parseEther("0.001"),
      deposit: parseEther("0.5"),
    });
    await tenant.acceptBidAndWait({ orderId: groupId, bidIndex: 0n });
    const refused = await tenant
      .acceptBid({ orderId: orderIds[1] as bigint, bidIndex: 0n })
      .catch((e: unknown) => e);
    expect((refused as ContractRevertError).name).toBe("MarketProviderInGroup");
    await tenant.acceptBidAndWait({ orderId: orderIds[1] as bigint, bidIndex: 1n });

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
      const direct = await p
        .submitResult({ leaseId, resultCid, resultHash })
        .catch((e: unknown) => e);
      expect((direct as ContractRevertError).name).toBe("MarketCommitRevealRequired");
      if (i === 0) {
        const early = await p
          .revealResult({ leaseId, resultCid, resultHash, salt })
          .catch((e: unknown) => e);
        expect(early).toBeInstanceOf(ContractRevertError);
      }
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

  it("permit: createOrder and depositEscrow escrow without an approve transaction", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(2);
    const me = tenant.account.address;
    expect(await tenant.getAllowance({ owner: me, spender: market })).toBe(0n);
    const start = await tenant.getTokenBalance({ account: me });
    const deposit = parseEther("3");
    const { orderId, event, receipt } = await tenant.createOrderAndWait({
      ...manifest,
      token,
      maxPricePerSecond: parseEther("0.001"),
      deposit,
      permit: true,
    });
    // One transaction, to the market: the permit travelled inside it.
    expect(receipt.to?.toLowerCase()).toBe(market.toLowerCase());
    expect(event.deposit).toBe(deposit);
    const { event: topUp } = await tenant.depositEscrowAndWait({
      orderId,
      amount: parseEther("1"),
      permit: { deadline: BigInt(Math.floor(Date.now() / 1000) + 600) },
    });
    expect(topUp.amount).toBe(parseEther("1"));
    expect((await tenant.getOrder({ orderId })).escrow).toBe(parseEther("4"));
    expect(await tenant.getTokenBalance({ account: me })).toBe(start - parseEther("4"));
    expect(await tenant.getAllowance({ owner: me, spender: market })).toBe(0n);

    // A permit past its deadline (and no allowance): the market's named error.
    const expired = await tenant
      .depositEscrow({ orderId, amount: 1n, permit: { deadline: 1n } })
      .catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(ContractRevertError);
    expect((expired as ContractRevertError).name).toBe("MarketInvalidPermit");
  });

  it("decodes custom errors into named errors and validates parameters before sending", async () => {
    const { token, market } = net.deployment.contracts;
    const tenant = net.client(3);
    await tenant.approveAndWait({ spender: market, amount: parseEther("5") });
    const error = await tenant
      .createOrder({ ...manifest, token, maxPricePerSecond: 1n, deposit: parseEther("0.1") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertError);
    expect((error as ContractRevertError).name).toBe("MarketDepositTooLow");
    expect((error as ContractRevertError).args).toEqual([parseEther("0.1"), parseEther("1")]);

    const invalid = await tenant
      .createOrder({ ...manifest, token, maxPricePerSecond: 0n, deposit: parseEther("2") })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidParameterError);
    expect((invalid as InvalidParameterError).field).toBe("maxPricePerSecond");
  });
});
