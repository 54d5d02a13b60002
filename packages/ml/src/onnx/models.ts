import { createRng } from "../random.js";
import { createGraphBuilder } from "./builder.js";
import type { OnnxModel } from "./types.js";

export type CreateCnnOnnxParameters = {
  /** Seeds the random weights. */
  seed: number;
  /**
   * "flat": input [batch, 64] reshaped in the graph (PyTorch's `x.view(-1, 1, 8, 8)`);
   * "image": input [batch, 1, 8, 8].
   */
  input?: "flat" | "image";
  /** Conv output channels (default 4). */
  channels?: number;
  /** Classes (default 10). */
  classes?: number;
};

/**
 * A small digits CNN with random weights, laid out the way `torch.onnx.export` (opset 13) writes
 * one: [Reshape] -> Conv(3x3, pad 1) -> Relu -> Pad(1) -> AveragePool(2x2, stride 2) -> Flatten
 * -> Gemm(transB=1). The shape for Reshape comes from a Constant node and the pads from an
 * initializer, as PyTorch emits them.
 */
export function createCnnOnnx(parameters: CreateCnnOnnxParameters): OnnxModel {
  const channels = parameters.channels ?? 4;
  const classes = parameters.classes ?? 10;
  const rng = createRng(parameters.seed);
  const uniform = (n: number, limit: number): number[] =>
    Array.from({ length: n }, () => (2 * rng.nextFloat() - 1) * limit);

  const g = createGraphBuilder("main_graph");
  let x: string;
  if ((parameters.input ?? "flat") === "flat") {
    const input = g.input("input", "float32", ["batch_size", 64]);
    const shape = g.node(
      "Constant",
      [],
      {
        value: { name: "", dataType: "int64", dims: [4], data: BigInt64Array.of(-1n, 1n, 8n, 8n) },
      },
      { name: "/Constant", outputs: ["/Constant_output_0"] },
    );
    x = g.node("Reshape", [input, shape], {}, { name: "/Reshape", outputs: ["/Reshape_output_0"] });
  } else {
    x = g.input("input", "float32", ["batch_size", 1, 8, 8]);
  }
  const convW = g.initializer(
    "conv.weight",
    "float32",
    [channels, 1, 3, 3],
    uniform(channels * 9, 1 / 3),
  );
  const convB = g.initializer("conv.bias", "float32", [channels], uniform(channels, 1 / 3));
  x = g.node(
    "Conv",
    [x, convW, convB],
    { dilations: [1, 1], group: 1, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] },
    { name: "/conv/Conv", outputs: ["/conv/Conv_output_0"] },
  );
  x = g.node("Relu", [x], {}, { name: "/relu/Relu", outputs: ["/relu/Relu_output_0"] });
  const pads = g.initializer("onnx::Pad_pads", "int64", [8], [0, 0, 1, 1, 0, 0, 1, 1]);
  x = g.node("Pad", [x, pads], { mode: "constant" }, { name: "/Pad", outputs: ["/Pad_output_0"] });
  x = g.node(
    "AveragePool",
    [x],
    {
      ceil_mode: 0,
      count_include_pad: 1,
      kernel_shape: [2, 2],
      pads: [0, 0, 0, 0],
      strides: [2, 2],
    },
    { name: "/pool/AveragePool", outputs: ["/pool/AveragePool_output_0"] },
  );
  x = g.node("Flatten", [x], { axis: 1 }, { name: "/Flatten", outputs: ["/Flatten_output_0"] });
  const features = channels * 5 * 5;
  const fcW = g.initializer(
    "fc.weight",
    "float32",
    [classes, features],
    uniform(classes * features, 1 / Math.sqrt(features)),
  );
  const fcB = g.initializer(
    "fc.bias",
    "float32",
    [classes],
    uniform(classes, 1 / Math.sqrt(features)),
  );
  x = g.node(
    "Gemm",
    [x, fcW, fcB],
    { alpha: 1, beta: 1, transB: 1 },
    { name: "/fc/Gemm", outputs: ["output"] },
  );
  g.output(x, "float32", ["batch_size", classes]);
  return g.build({ opset: 13, irVersion: 7, producerName: "pytorch", producerVersion: "2.1.0" });
}
