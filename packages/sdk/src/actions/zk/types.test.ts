import { encodePacked, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  FIELD_MODULUS,
  fromContractLayout,
  hashSignals,
  modelLayout,
  proofStatement,
  signalCount,
  toContractLayout,
  toPublicSignals,
  validateLayout,
} from "./types.js";

describe("modelLayout", () => {
  it("maps EZKL visibilities and element counts to signal counts", () => {
    expect(
      modelLayout({
        inputVisibility: "public",
        outputVisibility: "hashed",
        paramVisibility: "hashed",
        inputElements: 3,
        outputElements: 10,
      }),
    ).toEqual({
      hasParamHash: true,
      inputVisibility: "public",
      inputSignals: 3,
      outputVisibility: "hashed",
      outputSignals: 1,
    });
    const privateIn = modelLayout({
      inputVisibility: "private",
      outputVisibility: "public",
      paramVisibility: "fixed",
      inputElements: 784,
      outputElements: 10,
    });
    expect(privateIn.inputSignals).toBe(0);
    expect(signalCount(privateIn)).toBe(10);
  });

  it("refuses more than 64 public signals, naming the fix", () => {
    expect(() =>
      modelLayout({
        inputVisibility: "public",
        outputVisibility: "public",
        paramVisibility: "fixed",
        inputElements: 784,
        outputElements: 10,
      }),
    ).toThrow(expect.objectContaining({ name: "InvalidParameterError", field: "layout" }));
  });
});

describe("validateLayout", () => {
  it("names the field that does not fit the visibility", () => {
    const ok = {
      hasParamHash: false,
      inputVisibility: "hashed",
      inputSignals: 1,
      outputVisibility: "public",
      outputSignals: 2,
    } as const;
    expect(() => validateLayout(ok)).not.toThrow();
    expect(() => validateLayout({ ...ok, inputSignals: 0 })).toThrow(
      expect.objectContaining({ field: "layout.inputSignals" }),
    );
    expect(() => validateLayout({ ...ok, outputVisibility: "hashed" })).toThrow(
      expect.objectContaining({ field: "layout.outputSignals" }),
    );
    expect(() =>
      validateLayout({ ...ok, inputVisibility: "secret" as unknown as "hashed" }),
    ).toThrow(expect.objectContaining({ field: "layout.inputVisibility" }));
  });

  it("round-trips through the contract's enum encoding", () => {
    const layout = {
      hasParamHash: true,
      inputVisibility: "public",
      inputSignals: 2,
      outputVisibility: "hashed",
      outputSignals: 1,
    } as const;
    const encoded = toContractLayout(layout);
    expect(encoded).toEqual({
      hasParamHash: true,
      inputSignals: 2,
      outputSignals: 1,
      inputVisibility: 2,
      outputVisibility: 1,
    });
    expect(fromContractLayout(encoded)).toEqual(layout);
  });
});

describe("proofStatement", () => {
  it("hashes public inputs and outputs as packed uint256 words, as ProofRegistry does", () => {
    const layout = {
      hasParamHash: true,
      inputVisibility: "public",
      inputSignals: 2,
      outputVisibility: "public",
      outputSignals: 2,
    } as const;
    const s = proofStatement(layout, [99n, 1n, 2n, 3n, 4n]);
    expect(s.inputHash).toBe(keccak256(encodePacked(["uint256[]"], [[1n, 2n]])));
    expect(s.outputHash).toBe(keccak256(encodePacked(["uint256", "uint256"], [3n, 4n])));
    expect(s.outputs).toEqual([3n, 4n]);
    expect(hashSignals([3n, 4n])).toBe(s.outputHash);
  });

  it("uses the hash signals themselves, and zero for a private input", () => {
    const s = proofStatement(
      {
        hasParamHash: false,
        inputVisibility: "private",
        inputSignals: 0,
        outputVisibility: "hashed",
        outputSignals: 1,
      },
      [12345n],
    );
    expect(s.inputHash).toBe(toHex(0n, { size: 32 }));
    expect(s.outputHash).toBe(toHex(12345n, { size: 32 }));
  });

  it("refuses a signal count that does not match", () => {
    expect(() =>
      proofStatement(
        {
          hasParamHash: false,
          inputVisibility: "hashed",
          inputSignals: 1,
          outputVisibility: "hashed",
          outputSignals: 1,
        },
        [1n],
      ),
    ).toThrow(expect.objectContaining({ field: "publicSignals" }));
  });
});

describe("toPublicSignals", () => {
  it("accepts snarkjs decimal strings, hex, numbers and bigints", () => {
    expect(toPublicSignals(["17", "0x11", 17, 17n])).toEqual([17n, 17n, 17n, 17n]);
  });

  it("refuses values outside the field by index", () => {
    expect(() => toPublicSignals(["1", FIELD_MODULUS])).toThrow(
      expect.objectContaining({ field: "publicSignals[1]" }),
    );
    expect(() => toPublicSignals(["1", "-3"])).toThrow(
      expect.objectContaining({ field: "publicSignals[1]" }),
    );
    expect(() => toPublicSignals([1.5])).toThrow(
      expect.objectContaining({ field: "publicSignals[0]" }),
    );
  });
});
