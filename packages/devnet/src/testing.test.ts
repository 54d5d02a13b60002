import { decodeContractError } from "@noosphere/sdk";
import { encodeErrorResult, type Hex, parseAbi, parseEther } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { revert, snapshot, startTestChain, type TestChain, withSnapshot } from "./testing.js";

const probe = "0x00000000000000000000000000000000000000aa";
let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
});
afterAll(async () => {
  await chain?.stop();
});

describe("snapshot / revert", () => {
  test("revert restores balances", async () => {
    const id = await snapshot(chain.testClient);
    await chain.testClient.setBalance({ address: probe, value: parseEther("7") });
    expect(await chain.publicClient.getBalance({ address: probe })).toBe(parseEther("7"));
    await revert(chain.testClient, id);
    expect(await chain.publicClient.getBalance({ address: probe })).toBe(0n);
  });

  describe("withSnapshot", () => {
    withSnapshot(() => chain.testClient, { beforeEach, afterEach });
    // Tests in a file run in order: the second sees the state before the first.
    test("a test changes state", async () => {
      await chain.testClient.setBalance({ address: probe, value: 1n });
      const hash = await chain.walletClient.sendTransaction({ to: probe, value: 2n });
      await chain.publicClient.waitForTransactionReceipt({ hash });
      expect(await chain.publicClient.getBalance({ address: probe })).toBe(3n);
    });
    test("the next test starts clean", async () => {
      expect(await chain.publicClient.getBalance({ address: probe })).toBe(0n);
    });
  });
});

describe("decodeContractError against a real revert", () => {
  const abi = parseAbi([
    "error MarketBidAbovePrice(uint256 orderId, uint256 bid, uint256 max)",
    "function bid(uint256 orderId, uint256 amount)",
  ]);
  const revertData = encodeErrorResult({
    abi,
    errorName: "MarketBidAbovePrice",
    args: [1n, 5n, 3n],
  });
  // Runtime code that reverts with `revertData` whatever it is called with:
  // CODECOPY(0, 12, len); REVERT(0, len); then the data itself at offset 12.
  const len = ((revertData.length - 2) / 2).toString(16).padStart(2, "0");
  const code = `0x60${len}600c60003960${len}6000fd${revertData.slice(2)}` as Hex;
  const target = "0x00000000000000000000000000000000000000bb";

  withSnapshot(() => chain.testClient, { beforeEach, afterEach });

  test.each([
    [
      "simulateContract",
      () =>
        chain.publicClient.simulateContract({
          address: target,
          abi,
          functionName: "bid",
          args: [1n, 5n],
          account: chain.walletClient.account,
        }),
    ],
    [
      "writeContract",
      () =>
        chain.walletClient.writeContract({
          address: target,
          abi,
          functionName: "bid",
          args: [1n, 5n],
        }),
    ],
    [
      "estimateGas",
      () =>
        chain.publicClient.estimateGas({
          to: target,
          data: "0x",
          account: chain.walletClient.account,
        }),
    ],
    ["call", () => chain.publicClient.call({ to: target, data: "0x" })],
  ] as const)("%s", async (_label, run) => {
    await chain.testClient.setCode({ address: target, bytecode: code });
    const error = await run().then(
      () => undefined,
      (e: unknown) => decodeContractError(e, abi),
    );
    expect(error?.name).toBe("MarketBidAbovePrice");
    expect(error?.shortMessage).toBe("MarketBidAbovePrice(orderId: 1, bid: 5, max: 3)");
    expect(error).toMatchObject({ errorName: "MarketBidAbovePrice", args: [1n, 5n, 3n] });
  });
});
