import { createGraphBuilder, createRng, encodeModel } from "@noosphere/ml";
import { poseidon2, poseidon16 } from "poseidon-lite";
import { afterAll, describe, expect, test } from "vitest";
import { genSettings } from "../calibrate.js";
import { terminateSnarkjs } from "../circom/witness.js";
import { compileCircuit } from "../compiler/compile.js";
import { toField } from "../field.js";
import { packInputs, poseidonHashInputs, poseidonHashVector } from "../poseidon.js";
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

/** n inputs -> Gemm nx3 (+bias) -> Relu -> Gemm 3x2: 3n + 11 parameters, 2 outputs. */
function model(n = 17): Uint8Array {
  const g = createGraphBuilder("hashed");
  const x = g.input("x", "float32", [1, n]);
  let y = g.node(
    "Gemm",
    [
      x,
      g.initializer("W1", "float32", [3, n], uniform(3 * n)),
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

describe("poseidonHashInputs", () => {
  test("packs 7 inputs of 32 bits (x + 2^31) per word; h = n, then Poseidon16 per 15 words", () => {
    const off = 1n << 31n;
    expect(packInputs([1n, -1n])).toEqual([(1n + off) | ((-1n + off) << 32n)]);
    const x = Array.from({ length: 120 }, (_, i) => BigInt(i * 1000 - 60_000));
    const words = packInputs(x);
    expect(words).toHaveLength(18); // ceil(120 / 7)
    words.forEach((w, j) => {
      let expected = 0n;
      for (let k = 6; k >= 0; k--) {
        const v = x[7 * j + k];
        if (v !== undefined) expected = (expected << 32n) | (v + off);
      }
      expect(w).toBe(expected);
    });
    const h1 = poseidon16([120n, ...words.slice(0, 15)]);
    const h2 = poseidon16([h1, ...words.slice(15), ...new Array<bigint>(12).fill(0n)]);
    expect(poseidonHashInputs(x)).toBe(h2);
    // One chunk; the length keeps trailing zeros apart.
    expect(poseidonHashInputs([5n])).toBe(poseidon16([1n, 5n + off, ...new Array(14).fill(0n)]));
    expect(poseidonHashInputs([1n, 0n])).not.toBe(poseidonHashInputs([1n]));
  });

  test("refuses a value outside [-2^31, 2^31): the packing would not be injective", () => {
    expect(() => poseidonHashInputs([(1n << 31n) - 1n, -(1n << 31n)])).not.toThrow();
    expect(() => poseidonHashInputs([0n, 1n << 31n])).toThrow(/input 1 .*outside/);
    expect(() => poseidonHashInputs([-(1n << 31n) - 1n])).toThrow(/input 0 .*outside/);
  });

  test("compileCircuit refuses a hashed input range that does not fit 32 bits", () => {
    const bytes = model();
    const settings = genSettings(bytes, { inputVisibility: "hashed", inputRange: [-1, 1] });
    // 200 * 2^24 > 2^31
    settings.run_args.input_scale = 24;
    settings.run_args.input_range = [-200, 200];
    expect(() => compileCircuit(bytes, settings)).toThrow(/packs each quantized input into 32/);
    settings.run_args.input_visibility = "public";
    expect(() => compileCircuit(bytes, settings)).not.toThrow(/packs each/);
    settings.run_args.input_visibility = "hashed";
    settings.run_args.input_range = [-50, 50];
    expect(() => compileCircuit(bytes, settings)).not.toThrow(/packs each/);
  });

  test("the circuit's in_hash over 120 inputs (two chunks) equals poseidonHashInputs", async () => {
    const bytes = model(120);
    const compiled = compileCircuit(
      bytes,
      genSettings(bytes, { inputVisibility: "hashed", inputRange: [-1, 1] }),
    );
    const input = uniform(120);
    const expected = expectedPublicSignals(compiled, input);
    expect(expected[0]).toBe(poseidonHashInputs(quantizeInput(compiled, input)));
    const built = await buildCircuit(compiled, `${tmp.path}/hashed120`);
    expect(built.constraints).toBe(compiled.stats.constraints);
    const { witness, ok } = await witnessOf(built, input);
    expect(ok).toBe(true);
    expect(witness.slice(1, 1 + expected.length)).toEqual(expected);
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
      poseidonHashInputs(quantizeInput(compiled, input)),
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
