// The hashes a CID input is checked against (the same words the coordinator and ProofRegistry hash)
// and the EZKL input content a CID names.
import { poseidonHashInputs } from "@noosphere/zk";
import { encodeAbiParameters, keccak256, padHex, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  fieldInputHash,
  parseInputContent,
  poseidonInputHash,
  quantizeInput,
  requestInputHash,
} from "./inputs.js";

const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const words = (xs: bigint[]) =>
  keccak256(
    encodeAbiParameters(
      xs.map(() => ({ type: "uint256" })),
      xs,
    ),
  );
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe("coprocessor CID inputs", () => {
  it("test_fieldInputHash_mapsNegativesAndReducesLikeTheCoordinator", () => {
    // As CoprocessorCoordinator.inputHashOf (test_inputHashOf_edgeValues): -p -> 0, -1 -> p - 1.
    expect(fieldInputHash([-P, -1n])).toBe(words([0n, P - 1n]));
    expect(fieldInputHash([3n, P + 2n])).toBe(words([3n, 2n]));
  });

  it("test_requestInputHash_zkHashedIsPoseidon_elseFieldKeccak", () => {
    const x = [1n, -2n, 3n];
    expect(requestInputHash(x, { inputVisibility: "hashed" })).toBe(
      padHex(toHex(poseidonHashInputs(x)), { size: 32 }),
    );
    expect(requestInputHash(x, { inputVisibility: "public" })).toBe(fieldInputHash(x));
    expect(requestInputHash(x, undefined)).toBe(fieldInputHash(x));
    expect(poseidonInputHash(x)).not.toBe(fieldInputHash(x));
  });

  it("test_parseInputContent_readsEzklJson_rejectsOtherContent", () => {
    expect(parseInputContent(bytes({ input_data: [[0.5, -1], [2]] }))).toEqual([0.5, -1, 2]);
    expect(() => parseInputContent(new TextEncoder().encode("not json"))).toThrow(/not JSON/);
    expect(() => parseInputContent(bytes({ input_data: [["a"]] }))).toThrow(/EZKL input JSON/);
    expect(() => parseInputContent(bytes({ values: [1] }))).toThrow(/EZKL input JSON/);
  });

  it("test_quantizeInput_checksTheModelsInputCount", () => {
    expect(quantizeInput([0.5, -0.25], 2, 2)).toEqual([2n, -1n]);
    expect(() => quantizeInput([1, 2, 3], 2, 0)).toThrow(/takes 2/);
  });
});
