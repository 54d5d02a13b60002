import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createSession, runInference } from "../runtime/session.js";
import { decodeModel, encodeModel } from "./codec.js";
import { foldConstants } from "./fold.js";
import { runReference } from "./reference.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

describe("foldConstants", () => {
  // torch 1.13 exports F.pad as a Constant/ConstantOfShape/Concat/Slice/Transpose/Cast subgraph.
  it("folds the pad subgraph of a PyTorch CNN export and keeps its outputs", async () => {
    const bytes = readFileSync(path.join(root, "examples/zk/models/cnn.onnx"));
    const model = decodeModel(bytes);
    const folded = foldConstants(model);
    expect(folded.graph.nodes.map((n) => n.opType)).toEqual([
      "Reshape",
      "Conv",
      "Relu",
      "Pad",
      "Pad",
      "AveragePool",
      "Flatten",
      "Gemm",
    ]);
    const input = JSON.parse(
      readFileSync(path.join(root, "examples/zk/data/cnn.input.json"), "utf8"),
    ).input_data[0] as number[];
    const reference = runReference(folded, { input: { dims: [1, 64], data: input } }).output;
    const session = await createSession(encodeModel(folded));
    const original = await createSession(bytes);
    const a = (await runInference(session, input)).output_data[0] ?? [];
    const b = (await runInference(original, input)).output_data[0] ?? [];
    expect(b).toHaveLength(10);
    expect(a).toEqual(b);
    for (const [i, v] of b.entries())
      expect(Math.abs((reference?.data[i] ?? Number.NaN) - v)).toBeLessThan(1e-4);
  });

  it("leaves a model without constant subgraphs unchanged", () => {
    const model = decodeModel(readFileSync(path.join(root, "examples/zk/models/mlp.onnx")));
    const folded = foldConstants(model);
    expect(folded.graph.nodes).toEqual(model.graph.nodes);
    expect(folded.graph.initializers.map((t) => t.name).sort()).toEqual(
      model.graph.initializers.map((t) => t.name).sort(),
    );
  });
});
