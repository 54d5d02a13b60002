// `noos demo dispute --job ...`: the lie each model job's provider tells (the demo itself runs a
// devnet and daemons; its CNN run is checked by packages/node/src/verify/cnnJobs.test.ts).
import { transitionLayout } from "@noosphere/ml";
import { describe, expect, it } from "vitest";
import { modelJobFault } from "./dispute.js";

describe("demo dispute --job", () => {
  it("cnn: the provider lies about pool element 17 by default, --lie-op names any cnn-infer op", () => {
    const ops = transitionLayout(
      {
        kind: "cnn-infer",
        rows: 1,
        side: 8,
        channels: 4,
        classes: 10,
        convPad: 0,
        poolPad: 1,
        xRoot: `0x${"0".repeat(64)}`,
        convWRoot: `0x${"0".repeat(64)}`,
        convBRoot: `0x${"0".repeat(64)}`,
        fcWRoot: `0x${"0".repeat(64)}`,
        fcBRoot: `0x${"0".repeat(64)}`,
      },
      0,
    ).ops.map((o) => o.name);
    expect(modelJobFault("cnn", undefined)).toEqual({
      lie: { transition: 0, op: ops.indexOf("pool"), element: 17, delta: 4096 },
    });
    expect(modelJobFault("cnn", "logits")).toEqual({
      lie: { transition: 0, op: ops.indexOf("logits"), element: 5, delta: 4096 },
    });
    expect(() => modelJobFault("cnn", "z1")).toThrow(
      /--lie-op: expected an operator of the cnn program: im2col \| conv \| relu \| pool \| logits/,
    );
    expect(modelJobFault("inference", undefined)).toMatchObject({ lie: { op: 2, element: 5 } });
  });

  it("evaluation: the op names are the mlp-eval program's; the default lie is the count (its one element)", () => {
    const z = `0x${"0".repeat(64)}` as const;
    const ops = transitionLayout(
      {
        kind: "mlp-eval",
        ...{ nIn: 64, nHidden: 32, nOut: 10, rows: 360 },
        ...{ xRoot: z, w1Root: z, b1Root: z, w2Root: z, b2Root: z, yRoot: z },
      },
      0,
    ).ops.map((o) => o.name);
    expect(ops.slice(3)).toEqual(["correct", "correct_cumsum", "correct_count"]);
    expect(modelJobFault("evaluation", undefined)).toEqual({
      lie: { transition: 0, op: ops.indexOf("correct_count"), element: 0, delta: 1 },
    });
    expect(modelJobFault("evaluation", "correct_cumsum")).toEqual({
      lie: { transition: 0, op: ops.indexOf("correct_cumsum"), element: 5, delta: 1 },
    });
    expect(() => modelJobFault("evaluation", "pool")).toThrow(
      new RegExp(`expected an operator of the evaluation program: ${ops.join(" \\| ")}`),
    );
  });
});
