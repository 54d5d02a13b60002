// The tenant's shared market watcher against a real anvil: a wait on an order wakes on that
// order's event, not on its fallback timer, and one about another order does not end it.
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { keccak256, parseEther, toHex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { ensureRegistered } from "../provider/registration.js";
import { marketWatch } from "./marketWatch.js";

let net: TestDeployment;
beforeAll(async () => {
  net = await startTestDeployment();
}, 60_000);
afterAll(async () => {
  await net?.stop();
});

async function openOrder() {
  const tenant = net.client(1);
  const { orderId } = await tenant.createOrderAndWait({
    manifestCid: "bafy-watched",
    manifestHash: keccak256(toHex("watched")),
    token: net.deployment.contracts.token,
    maxPricePerSecond: parseEther("0.001"),
    deposit: parseEther("5"),
    jobTimeout: 600,
  });
  return orderId;
}

describe("market watch", () => {
  it("wakes a wait on its order's event, not on the fallback", async () => {
    const contracts = net.deployment.contracts;
    const provider = net.client(4);
    await ensureRegistered(createCommon({ handleSignals: false, logLevel: "silent" }), {
      client: provider,
      contracts,
      hostUri: "http://127.0.0.1:9",
      attributes: [],
      stake: parseEther("150"),
    });
    const watched = await openOrder();
    const other = await openOrder();
    const tenant = net.client(1);
    const watch = marketWatch(tenant, contracts.market, 50);
    let reads = 0;
    // The fallback is far longer than the test's timeout: only an event can end this wait.
    const waiting = watch.until(
      watched,
      async () => {
        reads++;
        const order = await tenant.getOrder({ orderId: watched });
        return order.bestBidder !== zeroAddress ? order : undefined;
      },
      { fallbackMs: 10 * 60_000 },
    );
    // A bid on another order wakes nobody waiting on `watched` (at most one look, no result).
    await provider.createBidAndWait({ orderId: other, pricePerSecond: 1n });
    await provider.createBidAndWait({ orderId: watched, pricePerSecond: 2n });
    const order = await waiting;
    expect(order.bestBidder).toBe(provider.account.address);
    expect(order.bestPricePerSecond).toBe(2n);
    // Read once at the start, then again on the bid (and at most on a few wake-ups of the
    // watcher's start margin), never once per poll.
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThan(6);
  }, 30_000);
});
