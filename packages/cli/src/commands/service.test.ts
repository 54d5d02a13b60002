// `noos service infer` through the real binary against a real OIP server (a free service, so no
// devnet or wallet is needed): EZKL-style input in, `{"output_data", "paid"}` out, within 1e-4
// of local onnxruntime; a malformed input comes back as the server's 400 naming the field.
// (Deploy, paid calls, status and close run on anvil in packages/node/src/service/leases.test.ts.)
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createInferenceServer, type InferenceServer } from "@noosphere/node";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../../bin/noos.js");
const examples = path.resolve(here, "../../../../examples");
const modelPath = path.join(examples, "zk/models/mlp.onnx"); // exported from PyTorch
const inputPath = path.join(examples, "zk/data/mlp.input.json");
let dir: string;
let server: InferenceServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-service-cli-"));
  server = await createInferenceServer({
    models: [{ name: "mlp", model: modelPath }],
    listen: { host: "127.0.0.1", port: 0 },
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const infer = (input: string) =>
  run(
    process.execPath,
    [
      noosBin,
      "--dir",
      dir,
      "service",
      "infer",
      "--endpoint",
      server.url,
      "--model",
      "mlp",
      "--input",
      input,
      "--json",
    ],
    {
      timeout: 60_000,
    },
  );

describe("noos service infer", () => {
  it("test_serviceInfer_freeService_printsOutputDataAndPaidZero", async () => {
    const { stdout } = await infer(inputPath);
    const out = JSON.parse(stdout) as { output_data: number[][]; paid: string; paidWei: string };
    expect(out.paid).toBe("0");
    expect(out.paidWei).toBe("0");
    const sample = (JSON.parse(await readFile(inputPath, "utf8")) as { input_data: number[][] })
      .input_data[0] as number[];
    const local = await ort.InferenceSession.create(modelPath);
    const result = await local.run({
      input: new ort.Tensor("float32", Float32Array.from(sample), [1, 64]),
    });
    const expected = result.output?.data as Float32Array;
    await local.release();
    expect(out.output_data[0]).toHaveLength(10);
    out.output_data[0]?.forEach((v, i) => {
      expect(Math.abs(v - (expected[i] as number))).toBeLessThan(1e-4);
    });
  });

  it("test_serviceInfer_malformedInput_failsWithTheServers400", async () => {
    const bad = path.join(dir, "bad.json");
    await writeFile(
      bad,
      JSON.stringify({
        inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: [1, 2, 3] }],
      }),
    );
    const failure = await infer(bad).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failure?.code).not.toBe(0);
    // With --json the error is printed as JSON on stdout.
    expect(failure?.stdout).toMatch(/HTTP 400: input input: data has 3 values; expected 64/);
  });
});
