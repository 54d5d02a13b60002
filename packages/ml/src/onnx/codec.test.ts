import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OnnxFormatError } from "../errors.js";
import { attr, createGraphBuilder, createTensor, toAttribute } from "./builder.js";
import { decodeModel, encodeModel, readOnnx, writeOnnx } from "./codec.js";
import { createCnnOnnx } from "./models.js";

describe("ONNX writer and reader", () => {
  test("round trip keeps nodes, attributes, initializers, shapes and metadata", () => {
    const model = createCnnOnnx({ seed: 1 });
    model.metadata = { trained_by: "noosphere", seed: "1" };
    const bytes = encodeModel(model);
    const back = decodeModel(bytes);
    expect(back).toEqual(model);
    expect(back.graph.nodes.map((n) => n.opType)).toEqual([
      "Constant",
      "Reshape",
      "Conv",
      "Relu",
      "Pad",
      "AveragePool",
      "Flatten",
      "Gemm",
    ]);
    expect(back.graph.nodes[2]?.attributes.pads).toEqual({ type: "ints", value: [1, 1, 1, 1] });
    expect(back.graph.nodes[7]?.attributes.alpha).toEqual({ type: "float", value: 1 });
    expect(back.graph.initializers.map((t) => [t.name, t.dataType, t.dims])).toEqual([
      ["conv.weight", "float32", [4, 1, 3, 3]],
      ["conv.bias", "float32", [4]],
      ["onnx::Pad_pads", "int64", [8]],
      ["fc.weight", "float32", [10, 100]],
      ["fc.bias", "float32", [10]],
    ]);
    expect(back.graph.inputs).toEqual([
      { name: "input", dataType: "float32", shape: ["batch_size", 64] },
    ]);
    // Same model, same bytes.
    expect(encodeModel(back)).toEqual(bytes);
  });

  test("every tensor type and attribute kind survives", () => {
    const g = createGraphBuilder("types");
    const x = g.input("x", "float32", [null, 3]);
    const tensors = [
      createTensor("f64", "float64", [2], [0.1, -1e300]),
      createTensor("i64", "int64", [3], [2n ** 62n, -1n, 0n]),
      createTensor("i32", "int32", [2, 1], [-7, 2 ** 31 - 1]),
      createTensor("i8", "int8", [2], [-128, 127]),
      createTensor("u8", "uint8", [1], [255]),
      createTensor("b", "bool", [2], [1, 0]),
    ];
    for (const t of tensors) g.initializer(t.name, t.dataType, t.dims, t.data as ArrayLike<number>);
    const y = g.node("Identity", [x], {
      f: attr.float(1),
      i: 3,
      s: "text",
      t: tensors[0] as (typeof tensors)[0],
      fs: [0.5, 2],
      is: [1, 2],
      ss: ["a", "b"],
      alpha: 2,
    });
    g.output(y, "float32", null);
    const model = g.build();
    const back = decodeModel(encodeModel(model));
    expect(back).toEqual(model);
    const attributes = back.graph.nodes[0]?.attributes;
    expect(attributes?.f).toEqual({ type: "float", value: 1 });
    expect(attributes?.alpha).toEqual({ type: "float", value: 2 });
    expect(attributes?.i).toEqual({ type: "int", value: 3 });
    expect(back.graph.inputs[0]?.shape).toEqual([null, 3]);
    expect(back.graph.outputs[0]?.shape).toBeNull();
    expect(back.graph.initializers[1]?.data).toEqual(BigInt64Array.of(2n ** 62n, -1n, 0n));
  });

  test("plain attribute values are typed by the ONNX conventions", () => {
    expect(toAttribute("axis", 1)).toEqual({ type: "int", value: 1 });
    expect(toAttribute("epsilon", 1)).toEqual({ type: "float", value: 1 });
    expect(toAttribute("x", 0.5)).toEqual({ type: "float", value: 0.5 });
    expect(toAttribute("pads", [0, 1])).toEqual({ type: "ints", value: [0, 1] });
    expect(toAttribute("scales", [0.5, 1])).toEqual({ type: "floats", value: [0.5, 1] });
    expect(toAttribute("mode", "edge")).toEqual({ type: "string", value: "edge" });
  });

  test("the builder refuses unknown inputs, reused names and wrong sizes", () => {
    const g = createGraphBuilder();
    g.input("x", "float32", [1]);
    expect(() => g.node("Relu", ["y"])).toThrow(
      /Invalid input of Relu: expected the name of a graph input/,
    );
    expect(() => g.input("x", "float32", [1])).toThrow(/a name not yet used/);
    expect(() => g.initializer("w", "float32", [2, 2], [1, 2, 3])).toThrow(
      /Invalid tensor "w": expected 4 values for dims \[2, 2\]/,
    );
    expect(() => g.output("z", "float32", [1])).toThrow(/Invalid output/);
  });

  test("decoding garbage fails with OnnxFormatError", () => {
    expect(() => decodeModel(Uint8Array.of(0xff, 0xff, 0xff), "junk.onnx")).toThrow(
      OnnxFormatError,
    );
    expect(() => decodeModel(Uint8Array.of(0xff, 0xff, 0xff), "junk.onnx")).toThrow(
      /junk\.onnx is not an ONNX model/,
    );
    expect(() => decodeModel(new Uint8Array(), "empty.onnx")).toThrow(/empty\.onnx has no graph/);
  });

  test("the writer refuses attributes it cannot encode, naming the node", () => {
    const g = createGraphBuilder();
    const x = g.input("x", "float32", [1]);
    g.node("If", [x], { then_branch: { type: "unsupported", protoType: 5 } }, { name: "branch" });
    expect(() => encodeModel(g.build())).toThrow(
      /node "branch" \(If\): attribute "then_branch" has AttributeProto type 5/,
    );
  });

  test("readOnnx / writeOnnx", async () => {
    const dir = await mkdtemp(join(tmpdir(), "noos-ml-onnx-"));
    const model = createCnnOnnx({ seed: 2, input: "image" });
    const path = join(dir, "cnn.onnx");
    const bytes = await writeOnnx(path, model);
    expect(bytes.length).toBeGreaterThan(4000);
    expect(await readOnnx(path)).toEqual(model);
  });
});
