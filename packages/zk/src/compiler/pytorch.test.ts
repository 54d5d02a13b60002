// The three PyTorch exports in examples/zk (torch 1.13, opset 13) through the compiler as a user
// would take them: gen-settings, calibrate on their calibration data, compile. The quantized
// model must agree with onnxruntime's float model within the reported error bound on held-out
// samples, and the CNN's circuit (its pads come as a ConstantOfShape/Slice/Transpose subgraph)
// must compute exactly what the integer reference computes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSession, loadTable, runInference } from "@noosphere/ml";
import { afterAll, describe, expect, test } from "vitest";
import { calibrateSettings, genSettings } from "../calibrate.js";
import { terminateSnarkjs } from "../circom/witness.js";
import { fromField } from "../field.js";
import { runQuantized } from "../quantize/run.js";
import { buildCircuit, tempDir, witnessOf } from "../testing/harness.js";
import { compileCircuit } from "./compile.js";

const examples = fileURLToPath(new URL("../../../../examples/", import.meta.url));
const tmp = tempDir("zk-pytorch-");
afterAll(async () => {
  await terminateSnarkjs();
  tmp.remove();
});

async function heldOut(name: "digits" | "diabetes"): Promise<number[][]> {
  const file =
    name === "digits" ? join(examples, "data/digits.csv") : join(examples, "zk/data/diabetes.csv");
  const table = await loadTable(file);
  const last = table.columns.length - 1;
  return table.rows
    .filter((_, i) => i % 5 === 0)
    .slice(0, 40)
    .map((r) => r.slice(0, last).map((v) => (name === "digits" ? v / 16 : v)));
}

function calibration(model: string): number[][] {
  const flat = JSON.parse(readFileSync(join(examples, `zk/data/${model}.calibration.json`), "utf8"))
    .input_data[0] as number[];
  const size = model === "linreg" ? 10 : 64;
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}

describe.each([
  { model: "linreg", data: "diabetes" as const },
  { model: "mlp", data: "digits" as const },
  { model: "cnn", data: "digits" as const },
])("PyTorch export $model.onnx", ({ model, data }) => {
  test("quantized outputs stay within the calibrated error bound of onnxruntime", async () => {
    const bytes = readFileSync(join(examples, `zk/models/${model}.onnx`));
    const settings = calibrateSettings(bytes, genSettings(bytes), calibration(model), {
      target: "resources",
    });
    const bound = settings.calibration?.error_bound ?? 0;
    expect(bound).toBeGreaterThan(0);
    const compiled = compileCircuit(bytes, settings);
    const session = await createSession(bytes);
    const [lo, hi] = settings.run_args.input_range;
    const samples = (await heldOut(data)).filter((x) => x.every((v) => v >= lo && v <= hi));
    expect(samples.length).toBeGreaterThan(20);
    const float = (await runInference(session, samples)).output_data;
    let worst = 0;
    for (const [i, x] of samples.entries()) {
      const q = runQuantized(compiled, x).outputsFloat;
      for (const [k, v] of (float[i] ?? []).entries())
        worst = Math.max(worst, Math.abs(v - (q[k] ?? Number.NaN)));
    }
    expect(worst).toBeLessThanOrEqual(bound);
  });
});

test("the CNN export's circuit computes what the integer reference computes", async () => {
  const bytes = readFileSync(join(examples, "zk/models/cnn.onnx"));
  const compiled = compileCircuit(
    bytes,
    genSettings(bytes, { inputVisibility: "public", inputRange: [0, 1] }),
  );
  const built = await buildCircuit(compiled, join(tmp.path, "cnn"));
  const [x] = await heldOut("digits");
  if (!x) throw new Error("no sample");
  const { witness, ok } = await witnessOf(built, x);
  expect(ok).toBe(true);
  const expected = runQuantized(compiled, x).outputs;
  const outputs = witness.slice(1 + compiled.layout.inputs, 1 + compiled.layout.total);
  expect(outputs.map(fromField)).toEqual(expected);
});
