import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidParameterError } from "../../errors.js";
import { groth16ProofToCalldata, type SnarkjsGroth16Proof, toGroth16Calldata } from "./calldata.js";

type Fixture = {
  proof: SnarkjsGroth16Proof;
  publicSignals: string[];
  solidityCallData: string;
};
const fixtures = JSON.parse(
  readFileSync(
    fileURLToPath(
      new URL("../../../../../contracts/test/zk/fixtures/proofs.json", import.meta.url),
    ),
    "utf8",
  ),
) as Record<string, Fixture>;

/** snarkjs' exportSolidityCallData text -> the 8 proof words, flattened pA ++ pB ++ pC. */
function flatten(callData: string): bigint[] {
  const [a, b, c] = JSON.parse(`[${callData}]`) as [string[], string[][], string[]];
  return [...a, ...b.flat(), ...c].map((w) => BigInt(w));
}

// Loaded by name so the typecheck does not need snarkjs types (it ships none).
const snarkjsModule = "snarkjs";
type Snarkjs = {
  groth16: { exportSolidityCallData: (proof: unknown, signals: unknown) => Promise<string> };
};

describe("groth16ProofToCalldata", () => {
  it("matches snarkjs.groth16.exportSolidityCallData for every fixture proof", async () => {
    const snarkjs = (await import(snarkjsModule)) as Snarkjs;
    const names = Object.keys(fixtures);
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      const f = fixtures[name] as Fixture;
      const live = await snarkjs.groth16.exportSolidityCallData(f.proof, f.publicSignals);
      expect(groth16ProofToCalldata(f.proof), name).toEqual(flatten(live));
      // The committed text is what the Solidity fixtures were generated from.
      expect(groth16ProofToCalldata(f.proof), name).toEqual(flatten(f.solidityCallData));
    }
  });

  it("swaps pB's inner pairs and drops the projective coordinate", () => {
    const words = groth16ProofToCalldata({
      pi_a: ["1", "2", "1"],
      pi_b: [
        ["3", "4"],
        ["5", "6"],
        ["1", "0"],
      ],
      pi_c: ["7", "8", "1"],
      protocol: "groth16",
      curve: "bn128",
    });
    expect(words).toEqual([1n, 2n, 4n, 3n, 6n, 5n, 7n, 8n]);
  });

  it("rejects other protocols, missing and out-of-range coordinates by field", () => {
    const proof = (fixtures.hashedInput as Fixture).proof;
    expect(() => groth16ProofToCalldata({ ...proof, protocol: "plonk" })).toThrow(
      expect.objectContaining({ name: "InvalidParameterError", field: "proof.protocol" }),
    );
    expect(() => groth16ProofToCalldata({ ...proof, pi_c: ["1"] })).toThrow(
      expect.objectContaining({ field: "proof.pi_c[1]" }),
    );
    const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
    expect(() => groth16ProofToCalldata({ ...proof, pi_a: [q.toString(), "1"] })).toThrow(
      expect.objectContaining({ field: "proof.pi_a[0]" }),
    );
    expect(() => groth16ProofToCalldata({ ...proof, pi_a: ["-1", "1"] })).toThrow(
      InvalidParameterError,
    );
  });
});

describe("toGroth16Calldata", () => {
  it("passes 8 words through and converts snarkjs JSON", () => {
    const proof = (fixtures.hashedInput as Fixture).proof;
    const words = groth16ProofToCalldata(proof);
    expect(toGroth16Calldata(words)).toEqual(words);
    expect(toGroth16Calldata(proof)).toEqual(words);
  });

  it("rejects a wrong word count", () => {
    expect(() => toGroth16Calldata([1n, 2n])).toThrow(
      expect.objectContaining({ name: "InvalidParameterError", field: "proof" }),
    );
  });
});
