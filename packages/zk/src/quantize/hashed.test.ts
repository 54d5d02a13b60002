import { createGraphBuilder, createRng, encodeModel } from "@noosphere/ml";
import { poseidon2, poseidon16 } from "poseidon-lite";
import { afterAll, describe, expect, test } from "vitest";
import { genSettings } from "../calibrate.js";
import { terminateSnarkjs } from "../circom/witness.js";
import { compileCircuit } from "../compiler/compile.js";
import { toField } from "../field.js";
import { poseidonHashVector } from "../poseidon.js";
import { buildCircuit, tempDir, witnessOf } from "../testing/harness.js";
import {
  circuitInputs,
  expectedPublicSignals,
  paramHash,
  publicSignalLayout,
  quantizeInput,
  runQuantized,
} from "./run.js";

// Hashed visibilities: the public signals the circuit computes (circomlib Poseidon in circom)
// equal expectedPublicSignals (poseidon-lite off chain), in the documented order.

const tmp = tempDir("zk-hashed-");
afterAll(async () => {
  await terminateSnarkjs();
  tmp.remove();
});

const rng = createRng(11);
const uniform = (n: number): number[] => Array.from({ length: n }, () => 2 * rng.nextFloat() - 1);

/** 17 inputs -> Gemm 17x3 (+bias) -> Relu -> Gemm 3x2: 62 parameters (5 chunks), 2 outputs. */
function model(): Uint8Array {
  const g = createGraphBuilder("hashed");
  const x = g.input("x", "float32", [1, 17]);
  let y = g.node(
    "Gemm",
    [
      x,
      g.initializer("W1", "float32", [3, 17], uniform(51)),
      g.initializer("b1", "float32", [3], uniform(3)),
    ],
    {
      transB: 1,
    },
  );
  y = g.node("Relu", [y]);
  y = g.node("Gemm", [
    y,
    g.initializer("W2", "float32", [3, 2], uniform(6)),
    g.initializer("b2", "float32", [2], uniform(2)),
  ]);
  g.output(y, "float32", [1, 2]);
  return encodeModel(g.build());
}

describe("poseidonHashVector", () => {
  test("is the documented sponge over Poseidon16 with the length in a final Poseidon2", () => {
    const v = Array.from({ length: 17 }, (_, i) => BigInt(i * 7 - 20));
    const f = v.map(toField);
    const h1 = poseidon16([0n, ...f.slice(0, 15)]);
    const h2 = poseidon16([h1, ...f.slice(15), ...new Array<bigint>(13).fill(0n)]);
    expect(poseidonHashVector(v)).toBe(poseidon2([h2, 17n]));
    // Trailing zeros change the hash (the length is absorbed).
    expect(poseidonHashVector([1n, 0n])).not.toBe(poseidonHashVector([1n]));
  });
});

describe("hashed visibilities", () => {
  test("param, input and output hashes in the circuit equal expectedPublicSignals", async () => {
    const bytes = model();
    const compiled = compileCircuit(
      bytes,
      genSettings(bytes, {
        paramVisibility: "hashed",
        inputVisibility: "hashed",
        outputVisibility: "hashed",
        inputRange: [-1, 1],
      }),
    );
    expect(publicSignalLayout(compiled)).toEqual({
      paramHash: true,
      inputs: 1,
      outputs: 1,
      total: 3,
    });
    expect(compiled.stats.params).toBe(51 + 3 + 6 + 2);
    const input = uniform(17);
    const inputs = circuitInputs(compiled, input);
    expect(inputs.params).toHaveLength(62);
    const expected = expectedPublicSignals(compiled, input);
    expect(expected).toEqual([
      paramHash(compiled),
      poseidonHashVector(quantizeInput(compiled, input)),
      poseidonHashVector(runQuantized(compiled, input).outputs),
    ]);

    const built = await buildCircuit(compiled, `${tmp.path}/hashed`);
    expect(built.constraints).toBe(compiled.stats.constraints);
    const { witness, ok } = await witnessOf(built, input);
    expect(ok).toBe(true);
    expect(witness.slice(1, 4)).toEqual(expected);
  });

  test("public inputs are copied to outputs of main, before the outputs", () => {
    const bytes = model();
    const compiled = compileCircuit(
      bytes,
      genSettings(bytes, { inputVisibility: "public", inputRange: [-1, 1] }),
    );
    const input = uniform(17);
    const q = quantizeInput(compiled, input);
    expect(publicSignalLayout(compiled)).toEqual({
      paramHash: false,
      inputs: 17,
      outputs: 2,
      total: 19,
    });
    expect(expectedPublicSignals(compiled, input)).toEqual(
      [...q, ...runQuantized(compiled, input).outputs].map(toField),
    );
    // Fixed params are constants in the source: no params input.
    expect(circuitInputs(compiled, input).params).toBeUndefined();
    expect(compiled.circom.main).toContain("signal output in_pub[17];");
  });
});
