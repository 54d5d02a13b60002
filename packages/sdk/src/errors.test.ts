import {
  ContractFunctionRevertedError,
  encodeErrorResult,
  parseAbi,
  BaseError as ViemBaseError,
} from "viem";
import { describe, expect, test } from "vitest";
import {
  BaseError,
  ContractRevertError,
  decodeContractError,
  InvalidParameterError,
  UnknownContractErrorError,
  walk,
} from "./errors.js";

const abi = parseAbi([
  "error MarketBidAbovePrice(uint256 orderId, uint256 bid, uint256 max)",
  "error StakingBelowMinimum(address provider, uint256, bool slashed)",
  "function bid(uint256 orderId, uint256 amount)",
]);

describe("BaseError", () => {
  test("message layout and fields", () => {
    const cause = new Error("socket hang up");
    const err = new BaseError("Could not reach the chain.", {
      cause,
      docsPath: "/docs/devnet",
      metaMessages: ["RPC: http://127.0.0.1:8545"],
    });
    expect(err.name).toBe("BaseError");
    expect(err.shortMessage).toBe("Could not reach the chain.");
    expect(err.details).toBe("socket hang up");
    expect(err.cause).toBe(cause);
    expect(err.message).toBe(
      [
        "Could not reach the chain.",
        "",
        "RPC: http://127.0.0.1:8545",
        "",
        "Docs: /docs/devnet",
        "Details: socket hang up",
      ].join("\n"),
    );
  });

  test("walk follows causes through viem errors", () => {
    const root = new Error("root");
    const viem = new ViemBaseError("viem failed", { cause: root });
    const err = new BaseError("ours", { cause: viem });
    expect(err.walk()).toBe(root);
    expect(err.walk((e) => e instanceof ViemBaseError)).toBe(viem);
    expect(err.walk((e) => e === "nope")).toBeNull();
    expect(walk("not an error")).toBe("not an error");
  });
});

describe("InvalidParameterError", () => {
  test("names the field, the expectation and the value", () => {
    const err = new InvalidParameterError({
      field: "order.maxPrice",
      expected: "a positive integer (wei per block)",
      received: -3n,
    });
    expect(err.name).toBe("InvalidParameterError");
    expect(err.shortMessage).toBe(
      "Invalid order.maxPrice: expected a positive integer (wei per block), received -3.",
    );
    expect(err).toMatchObject({ field: "order.maxPrice", received: -3n });
    expect(
      new InvalidParameterError({ field: "gpu", expected: "a string", received: { n: 1 } })
        .shortMessage,
    ).toBe("Invalid gpu: expected a string, received { n: 1 }.");
  });
});

describe("decodeContractError", () => {
  const data = encodeErrorResult({ abi, errorName: "MarketBidAbovePrice", args: [1n, 5n, 3n] });

  test("decodes raw revert data found anywhere in the cause chain", () => {
    const rpc = Object.assign(new Error("execution reverted"), { data });
    const err = decodeContractError(new ViemBaseError("call failed", { cause: rpc }), abi);
    expect(err).toBeInstanceOf(ContractRevertError);
    expect(err.name).toBe("MarketBidAbovePrice");
    expect(err.shortMessage).toBe("MarketBidAbovePrice(orderId: 1, bid: 5, max: 3)");
    const revert = err as ContractRevertError;
    expect(revert.args).toEqual([1n, 5n, 3n]);
    expect(revert.namedArgs).toEqual({ orderId: 1n, bid: 5n, max: 3n });
    expect(revert.selector).toBe(data.slice(0, 10));
    expect(err.walk()).toBe(rpc);
  });

  test("decodes viem's ContractFunctionRevertedError with a larger ABI", () => {
    // The call's ABI lacks the error; the decoding ABI (e.g. allErrorsAbi) has it.
    const viemErr = new ContractFunctionRevertedError({ abi: [], data, functionName: "bid" });
    expect(decodeContractError(viemErr, abi).name).toBe("MarketBidAbovePrice");
  });

  test("formats unnamed arguments, addresses and booleans", () => {
    const d = encodeErrorResult({
      abi,
      errorName: "StakingBelowMinimum",
      args: ["0x00000000000000000000000000000000000000aa", 7n, true],
    });
    expect(decodeContractError({ data: d }, abi).shortMessage).toBe(
      // viem checksums decoded addresses.
      "StakingBelowMinimum(provider: 0x00000000000000000000000000000000000000AA, 7, slashed: true)",
    );
  });

  test("Error(string) and Panic(uint256)", () => {
    const reason = encodeErrorResult({
      abi: parseAbi(["error Error(string)"]),
      errorName: "Error",
      args: ["not owner"],
    });
    const e1 = decodeContractError({ data: reason }, abi);
    expect(e1.name).toBe("ContractRevertError");
    expect(e1.shortMessage).toBe("Execution reverted: not owner");
    const panic = encodeErrorResult({
      abi: parseAbi(["error Panic(uint256)"]),
      errorName: "Panic",
      args: [0x11n],
    });
    expect(decodeContractError({ data: panic }, abi).shortMessage).toBe(
      "Execution panicked: arithmetic underflow or overflow (Panic(0x11))",
    );
  });

  test("unknown selector", () => {
    const err = decodeContractError({ data: "0xdeadbeef" }, abi);
    expect(err).toBeInstanceOf(UnknownContractErrorError);
    expect(err.shortMessage).toContain("0xdeadbeef");
  });

  test("non-revert errors are wrapped, ours pass through", () => {
    const ours = new BaseError("already ours");
    expect(decodeContractError(ours, abi)).toBe(ours);
    const viem = new ViemBaseError("HTTP request failed.");
    const wrapped = decodeContractError(viem, abi);
    expect(wrapped).toBeInstanceOf(BaseError);
    expect(wrapped.shortMessage).toBe("HTTP request failed.");
    expect(wrapped.cause).toBe(viem);
    expect(decodeContractError("boom", abi).shortMessage).toBe('Unknown error: "boom"');
  });
});
