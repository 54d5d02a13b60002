import {
  createGraphBuilder,
  createRng,
  decodeModel,
  encodeModel,
  runReference,
} from "@noosphere/ml";
import { InvalidParameterError } from "@noosphere/sdk";
import { describe, expect, test } from "vitest";
import { calibrateSettings, genSettings } from "./calibrate.js";
import { compileCircuit, sha256Hex } from "./compiler/compile.js";
import { ZkCompileError, ZkInputRangeError, ZkUnsupportedOperatorError } from "./errors.js";
import { runQuantized } from "./quantize/run.js";
import { defaultRunArgs, parseSettings, type ZkSettings } from "./settings.js";

const rng = createRng(5);
const uniform = (n: number): number[] => Array.from({ length: n }, () => 2 * rng.nextFloat() - 1);

function mlp(): Uint8Array {
  const g = createGraphBuilder("mlp");
  const x = g.input("input", "float32", ["batch", 4]);
  let y = g.node(
    "Gemm",
    [
      x,
      g.initializer("W1", "float32", [6, 4], uniform(24)),
      g.initializer("b1", "float32", [6], uniform(6)),
    ],
    {
      transB: 1,
    },
  );
  y = g.node("Relu", [y]);
  y = g.node(
    "Gemm",
    [y, g.initializer("W2", "float32", [3, 6], uniform(18))],
    { transB: 1 },
    { outputs: ["logits"] },
  );
  g.output(y, "float32", ["batch", 3]);
  return encodeModel(g.build());
}

function expectInvalid(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect((err as InvalidParameterError).field).toBe(field);
    return;
  }
  throw new Error(`expected an InvalidParameterError for ${field}`);
}

describe("genSettings", () => {
  test("defaults: scales 7/7, input hashed, output public, params fixed", () => {
    const bytes = mlp();
    const s = genSettings(bytes);
    expect(s.run_args).toEqual(defaultRunArgs);
    expect(s.model.sha256).toBe(sha256Hex(bytes));
    expect(s.model.inputs).toEqual([{ name: "input", shape: [1, 4] }]);
    expect(s.model.outputs).toEqual([{ name: "logits", shape: [1, 3] }]);
    expect(s.model_input_scales).toEqual([7]);
    expect(s.model_output_scales).toEqual([7]);
    expect(s.num_constraints_estimate).toBeGreaterThan(0);
    expect(2 ** s.logrows).toBeGreaterThanOrEqual(s.num_constraints_estimate + 4);
    expect(s.calibration).toBeNull();
    // A settings file survives JSON.
    expect(parseSettings(JSON.stringify(s))).toEqual(s);
  });

  test("bad options name the option", () => {
    const bytes = mlp();
    expectInvalid(() => genSettings(bytes, { inputScale: 2.5 }), "options.inputScale");
    expectInvalid(() => genSettings(bytes, { paramScale: 40 }), "options.paramScale");
    expectInvalid(
      () => genSettings(bytes, { inputVisibility: "secret" as never }),
      "options.inputVisibility",
    );
    expectInvalid(
      () => genSettings(bytes, { outputVisibility: "private" as never }),
      "options.outputVisibility",
    );
    expectInvalid(() => genSettings(bytes, { inputRange: [1, 0] }), "options.inputRange");
    expectInvalid(() => genSettings(new Uint8Array(), {}), "model");
  });
});

describe("parseSettings", () => {
  const good = (): ZkSettings => genSettings(mlp());
  test.each([
    ["version", (s: Record<string, unknown>) => ({ ...s, version: 2 })],
    [
      "run_args.param_scale",
      (s: Record<string, unknown>) => ({
        ...s,
        run_args: { ...(s.run_args as object), param_scale: undefined },
      }),
    ],
    [
      "run_args.output_visibility",
      (s: Record<string, unknown>) => ({
        ...s,
        run_args: { ...(s.run_args as object), output_visibility: "private" },
      }),
    ],
    [
      "run_args.input_range",
      (s: Record<string, unknown>) => ({
        ...s,
        run_args: { ...(s.run_args as object), input_range: [0] },
      }),
    ],
    [
      "model.sha256",
      (s: Record<string, unknown>) => ({ ...s, model: { ...(s.model as object), sha256: "xyz" } }),
    ],
    [
      "model.inputs[0].shape",
      (s: Record<string, unknown>) => ({
        ...s,
        model: { ...(s.model as object), inputs: [{ name: "a", shape: [-1] }] },
      }),
    ],
    ["logrows", (s: Record<string, unknown>) => ({ ...s, logrows: -3 })],
  ])("a bad %s is named", (field, mutate) => {
    expectInvalid(() => parseSettings(mutate(good() as unknown as Record<string, unknown>)), field);
  });

  test("settings of another model are refused by compileCircuit", () => {
    const s = genSettings(mlp());
    expectInvalid(() => compileCircuit(new Uint8Array([...mlp(), 0]), s), "settings.model.sha256");
  });
});

describe("compiler errors", () => {
  test("an unsupported operator names the op type and the node", () => {
    const g = createGraphBuilder("softmax");
    const x = g.input("x", "float32", [1, 3]);
    g.output(g.node("Softmax", [x], { axis: 1 }, { name: "/softmax/Softmax" }), "float32", [1, 3]);
    const bytes = encodeModel(g.build());
    let err: unknown;
    try {
      genSettings(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZkUnsupportedOperatorError);
    const e = err as ZkUnsupportedOperatorError;
    expect(e.name).toBe("ZkUnsupportedOperatorError");
    expect(e.opType).toBe("Softmax");
    expect(e.node).toBe("/softmax/Softmax");
    expect(e.message).toMatch(
      /^Softmax \(node "\/softmax\/Softmax"\) is not supported; supported: Add, ArgMax, /,
    );
  });

  test("an unsupported operator feature names the node", () => {
    const g = createGraphBuilder("pad");
    const x = g.input("x", "float32", [1, 1, 2, 2]);
    const pads = g.initializer("pads", "int64", [8], [0, 0, 1, 1, 0, 0, 1, 1]);
    g.output(
      g.node("Pad", [x, pads], { mode: "reflect" }, { name: "/pad" }),
      "float32",
      [1, 1, 4, 4],
    );
    expect(() => genSettings(encodeModel(g.build()))).toThrow(
      /Pad \(node "\/pad"\): mode "reflect" is not supported/,
    );
  });

  test("values wider than the 64-bit cap fail at compile time, naming the node", () => {
    const wide = { inputScale: 24, paramScale: 24, inputRange: [-1e12, 1e12] as [number, number] };
    expect(() => genSettings(mlp(), wide)).toThrow(ZkCompileError);
    expect(() => genSettings(mlp(), wide)).toThrow(
      /needs 65 bits, more than the 64-bit cap.*\(node "\(inputs\)"\)/,
    );
    // The same scales over a narrow range fit.
    expect(
      genSettings(mlp(), { ...wide, inputRange: [-1, 1] }).num_constraints_estimate,
    ).toBeGreaterThan(0);
  });

  test("inputs outside the circuit's range and of the wrong length are refused", () => {
    const bytes = mlp();
    const compiled = compileCircuit(bytes, genSettings(bytes, { inputRange: [-1, 1] }));
    expect(() => runQuantized(compiled, [0, 0, 5, 0])).toThrow(ZkInputRangeError);
    expect(() => runQuantized(compiled, [0, 0, 5, 0])).toThrow(/input\[2\] = 5/);
    expectInvalid(() => runQuantized(compiled, [0, 0, 0]), "input");
    expectInvalid(() => runQuantized(compiled, [0, Number.NaN, 0, 0]), "input[1]");
  });
});

describe("calibrateSettings", () => {
  const bytes = mlp();
  const data = Array.from({ length: 200 }, () => uniform(4).map((v) => 3 * v));

  test("resources picks the smallest passing scale, accuracy the largest that fits", () => {
    const base = genSettings(bytes);
    const res = calibrateSettings(bytes, base, data, { target: "resources" });
    const acc = calibrateSettings(bytes, base, data, { target: "accuracy" });
    const cal = res.calibration as NonNullable<ZkSettings["calibration"]>;
    expect(cal.tried.map((t) => t.input_scale)).toEqual([
      4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ]);
    expect(acc.run_args.input_scale).toBe(16);
    expect(res.run_args.input_scale).toBeLessThan(16);
    const lo = Math.min(...data.flat());
    const hi = Math.max(...data.flat());
    expect(res.run_args.input_range).toEqual([lo, hi]);
    // Every scale below the chosen one failed the tolerance (1% of the largest |float output|)
    // or the argmax agreement.
    const onnx = decodeModel(bytes);
    const floats = data.flatMap((r) =>
      Array.from(runReference(onnx, { input: { dims: [1, 4], data: r } }).logits?.data ?? []),
    );
    const tolerance = 0.01 * Math.max(...floats.map(Math.abs));
    for (const t of cal.tried) {
      expect(t.failure).toBeNull();
      // The proven bound covers what was measured, at every scale.
      expect(t.max_abs_error as number).toBeLessThanOrEqual(t.error_bound as number);
      if (t.input_scale < res.run_args.input_scale) {
        expect(
          (t.argmax_agreement as number) < 0.995 || (t.max_abs_error as number) > tolerance,
        ).toBe(true);
      }
    }
    expect(tolerance).toBeGreaterThan(0);
    expect(cal.max_abs_error).toBeLessThanOrEqual(cal.error_bound);
    expect(acc.calibration?.max_abs_error).toBeLessThanOrEqual(cal.max_abs_error);
    expect(acc.num_constraints_estimate).toBeGreaterThan(res.num_constraints_estimate);
    // A calibrated circuit runs every calibration sample (no range check can fail).
    const compiled = compileCircuit(bytes, res);
    for (const row of data) expect(() => runQuantized(compiled, row)).not.toThrow();
  });

  test("bad data and options name the field", () => {
    const base = genSettings(bytes);
    expectInvalid(() => calibrateSettings(bytes, base, [], { target: "resources" }), "data");
    expectInvalid(
      () =>
        calibrateSettings(
          bytes,
          base,
          [
            [1, 2, 3, 4],
            [1, 2],
          ],
          { target: "resources" },
        ),
      "data[1]",
    );
    expectInvalid(
      () => calibrateSettings(bytes, base, data, { target: "fast" as never }),
      "options.target",
    );
  });
});
