// One full market lifecycle through the SDK, against a real anvil with the real contracts.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROVIDER_ROLE } from "../../addresses.js";
import { ContractRevertError, InvalidParameterError } from "../../errors.js";
import { computeMarketAbi } from "../../generated/abis.js";

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
    const unwithdrawn = await tenant.getEarnings({ provider: cheap.account.address, token });
    expect(lease.paid).toBe(fees + unwithdrawn + earned);
    expect(fees).toBe((lease.paid * 200n) / 10_000n);
    // Both bid deposits came back: the market holds only the unswept fees and the earnings
    // accrued since the withdrawal.
    expect(await tenant.getTokenBalance({ account: market })).toBe(fees + unwithdrawn);
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
    // Paid by time up to the submission, and nothing more; the rest of the escrow came back.
    expect(lease.settledAt - lease.startedAt).toBeGreaterThanOrEqual(42n);
    expect(lease.paid).toBe(parseEther("0.001") * (lease.settledAt - lease.startedAt));
    const tenantBalance = await tenant.getTokenBalance({
      account: tenant.account.address,
    });
    expect(tenantBalance).toBe(tenantStart - lease.paid);
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
