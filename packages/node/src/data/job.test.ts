import { describe, expect, it } from "vitest";
import { metricsOnlyResult } from "./job.js";

describe("metricsOnlyResult", () => {
  it("test_metricsOnlyResult_dropsArtifactsAndRowOutputs", () => {
    const out = metricsOnlyResult(
      {
        kind: "training",
        model: "model.onnx",
        trainAccuracy: 0.97,
        epochs: 5,
        output_data: [[1], [2]],
        extra: { a: 1 },
      },
      ["model.onnx"],
    );
    expect(out).toEqual({ kind: "training", trainAccuracy: 0.97, epochs: 5, outputs: "metrics" });
  });
});
