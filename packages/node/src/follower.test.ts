// The follower against a real anvil: it sees every event once, in order, and resumes after a
// restart from the persisted cursor.
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { computeMarketAbi, type DecodedEvent } from "@noosphere/sdk";
import { keccak256, parseEther, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "./common.js";
import { follow } from "./follower.js";

let net: TestDeployment;
beforeAll(async () => {
  net = await startTestDeployment();
});
afterAll(async () => {
  await net?.stop();
});

async function openOrder(n: number) {
  const tenant = net.client(1);
  const { token } = net.deployment.contracts;
  // The deposit by permit (the SDK signs one when balance and allowance fall short): one
  // transaction per order, and its only event the market's OrderCreated.
  return tenant.createOrderAndWait({
    manifestCid: `bafy-${n}`,
    manifestHash: keccak256(toHex(n)),
    token,
    maxPricePerSecond: 1n,
    deposit: parseEther("2"),
  });
}

async function runUntil(cursor: { block: bigint | undefined }, seen: DecodedEvent[], want: number) {
  const common = createCommon({ handleSignals: false, logLevel: "silent" });
  const done = follow(common, {
    client: net.publicClient,
    address: net.deployment.contracts.market,
    abi: computeMarketAbi,
    fromBlock: BigInt(net.deployment.startBlock),
    loadCursor: async () => cursor.block,
    saveCursor: async (block) => {
      cursor.block = block;
    },
    onEvent: async (event) => {
      seen.push(event);
    },
    pollIntervalMs: 20,
    maxRange: 3n, // small ranges: exercises the catch-up path
  });
  const deadline = Date.now() + 20_000;
  while (seen.length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  common.shutdown();
  await done;
}

describe("event follower", () => {
  it("delivers every event once and resumes from the saved block", async () => {
    const cursor: { block: bigint | undefined } = { block: undefined };
    const seen: DecodedEvent[] = [];
    await openOrder(1);
    await openOrder(2);
    await runUntil(cursor, seen, 2);
    await openOrder(3);
    await runUntil(cursor, seen, 3);
    const created = seen.filter((e) => e.eventName === "OrderCreated");
    expect(created.map((e) => (e.args as { orderId: bigint }).orderId)).toEqual([1n, 2n, 3n]);
    expect(cursor.block).toBe(await net.publicClient.getBlockNumber());
  });
});
