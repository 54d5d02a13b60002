// The OIP V2 server over real sockets and real onnxruntime: PyTorch exports served within 1e-4 of
// local onnxruntime (JSON and binary tensors), malformed tensors get a 400 naming the input,
// concurrent requests share onnxruntime calls, the paywall seam charges only after a 2xx, and a
// closed server drains then stops serving.
import { readFile } from "node:fs/promises";
import { request } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeResponse, encodeRequest } from "./binaryTensors.js";
import type { Paywall, PaywallRequest } from "./paywall.js";
import { createInferenceServer, type InferenceServer } from "./server.js";

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../examples");
const cnnPath = path.join(examples, "zk/models/cnn.onnx"); // PyTorch export, input [1, 64]
const mlpPath = path.join(examples, "digits/mlp.onnx"); // input ["batch", 64]
let server: InferenceServer;
let sample: number[];
let cnnLocal: Float32Array;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;
const read = async (res: Response | Promise<Response>): Promise<Json> => (await res).json();
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  sample = (
    JSON.parse(await readFile(path.join(examples, "zk/data/cnn.input.json"), "utf8")) as {
      input_data: number[][];
    }
  ).input_data[0] as number[];
  const local = await ort.InferenceSession.create(cnnPath);
  const out = await local.run({
    input: new ort.Tensor("float32", Float32Array.from(sample), [1, 64]),
  });
  cnnLocal = out.output?.data as Float32Array;
  await local.release();
  server = await createInferenceServer({
    models: [
      { name: "cnn", model: cnnPath },
      { name: "mlp", model: mlpPath, maxBatchSize: 64, maxQueueDelayMicroseconds: 20_000 },
    ],
    listen: { host: "127.0.0.1", port: 0 },
  });
});
afterAll(async () => {
  await server?.close();
});

describe("OIP endpoints", () => {
  it("test_server_healthAndMetadata_followOip", async () => {
    expect(await read(fetch(`${server.url}/v2/health/live`))).toEqual({ live: true });
    expect(await read(fetch(`${server.url}/v2/health/ready`))).toEqual({ ready: true });
    expect(await read(fetch(`${server.url}/v2/models/cnn/ready`))).toEqual({
      name: "cnn",
      ready: true,
    });
    const meta = await read(fetch(`${server.url}/v2/models/mlp`));
    expect(meta).toMatchObject({
      name: "mlp",
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: [-1, 64] }],
      outputs: [{ name: "logits", datatype: "FP32", shape: [-1, 10] }],
    });
    const server2 = await read(fetch(`${server.url}/v2`));
    expect(server2.extensions).toContain("binary_tensor_data");
  });

  it("test_server_unknownModel_404", async () => {
    const res = await post(`${server.url}/v2/models/nope/infer`, {});
    expect(res.status).toBe(404);
    expect((await read(res)).error).toMatch(/model "nope" not found/);
  });

  it("test_server_pytorchExport_json_within1e4OfLocalOnnxruntime", async () => {
    const res = await post(`${server.url}/v2/models/cnn/infer`, {
      id: "a1",
      inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: sample }],
    });
    expect(res.status).toBe(200);
    const body = await read(res);
    expect(body).toMatchObject({
      model_name: "cnn",
      id: "a1",
      outputs: [{ name: "output", datatype: "FP32", shape: [1, 10] }],
    });
    const got = body.outputs[0].data as number[];
    expect(got).toHaveLength(10);
    got.forEach((v, i) => {
      expect(Math.abs(v - (cnnLocal[i] as number))).toBeLessThan(1e-4);
    });
  });

  it("test_server_binaryTensors_roundTrip_andBatchOfOneModelTakesBatches", async () => {
    // Three rows of a batch-1 export: the batcher runs them one by one and stacks the outputs.
    const data = Float32Array.from([...sample, ...sample, ...sample]);
    const { body, headerLength } = encodeRequest(
      [{ name: "input", datatype: "FP32", shape: [3, 64], data }],
      {
        binaryOutput: true,
      },
    );
    const res = await fetch(`${server.url}/v2/models/cnn/infer`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(headerLength),
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("inference-header-content-length")).not.toBeNull();
    const decoded = decodeResponse(
      new Uint8Array(await res.arrayBuffer()),
      res.headers.get("inference-header-content-length"),
    );
    const out = decoded.outputs[0];
    expect(out?.shape).toEqual([3, 10]);
    const values = out?.data as number[];
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < 10; i++)
        expect(Math.abs((values[r * 10 + i] as number) - (cnnLocal[i] as number))).toBeLessThan(
          1e-4,
        );
    }
  });
});

describe("malformed tensors", () => {
  const cases: [string, unknown, RegExp][] = [
    ["not JSON", "{nope", /request body: not JSON/],
    ["no inputs", { inputs: [] }, /inputs: expected a list of 1 tensor/],
    [
      "unknown input",
      { inputs: [{ name: "pixels", shape: [1, 64], datatype: "FP32", data: [] }] },
      /inputs\[0\]\.name: unknown input "pixels"; expected one of input/,
    ],
    [
      "wrong datatype",
      { inputs: [{ name: "input", shape: [1, 64], datatype: "INT64", data: [] }] },
      /input input: datatype "INT64"; expected FP32/,
    ],
    [
      "wrong shape",
      { inputs: [{ name: "input", shape: [1, 63], datatype: "FP32", data: [] }] },
      /input input: shape \[1,63\]; expected \[-1, 64\]/,
    ],
    [
      "short data",
      { inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: [1, 2] }] },
      /input input: data has 2 values; expected 64/,
    ],
    [
      "a string value",
      {
        inputs: [
          { name: "input", shape: [1, 64], datatype: "FP32", data: [...Array(63).fill(0), "x"] },
        ],
      },
      /input input: data\[63\] is "x"; expected a number \(FP32\)/,
    ],
    [
      "missing data",
      { inputs: [{ name: "input", shape: [1, 64], datatype: "FP32" }] },
      /input input: missing data; expected 64 FP32 values/,
    ],
    [
      "batch above max",
      {
        inputs: [
          { name: "input", shape: [65, 64], datatype: "FP32", data: Array(65 * 64).fill(0) },
        ],
      },
      /input input: batch size 65; expected at most 64/,
    ],
    [
      "unknown output",
      {
        inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: Array(64).fill(0) }],
        outputs: [{ name: "probs" }],
      },
      /outputs\[0\]\.name: got "probs"; expected one of logits/,
    ],
  ];
  for (const [what, body, message] of cases) {
    it(`test_server_malformed_${what.replaceAll(" ", "_")}_400NamesTheField`, async () => {
      const res = await post(`${server.url}/v2/models/mlp/infer`, body);
      expect(res.status).toBe(400);
      expect((await read(res)).error).toMatch(message);
    });
  }

  it("test_server_binarySizeMismatch_400NamesTheInput", async () => {
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: "input",
            shape: [1, 64],
            datatype: "FP32",
            parameters: { binary_data_size: 100 },
          },
        ],
      }),
    );
    const res = await fetch(`${server.url}/v2/models/mlp/infer`, {
      method: "POST",
      headers: { "inference-header-content-length": String(header.byteLength) },
      body: Buffer.concat([header, Buffer.alloc(256)]),
    });
    expect(res.status).toBe(400);
    expect((await read(res)).error).toMatch(
      /input input: parameters.binary_data_size 100; expected 256/,
    );
  });
});

describe("dynamic batching", () => {
  it("test_batcher_concurrentRequests_mergeIntoFewerOnnxruntimeCalls", async () => {
    const batcher = server.batchers.get("mlp");
    const before = batcher?.stats() ?? { calls: 0, rows: 0, requests: 0 };
    const rows = Array.from({ length: 32 }, (_, r) =>
      Array.from({ length: 64 }, (_, i) => ((r * 7 + i) % 17) / 16),
    );
    const responses = await Promise.all(
      rows.map((row) =>
        post(`${server.url}/v2/models/mlp/infer`, {
          inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: row }],
        }).then(read),
      ),
    );
    const after = batcher?.stats() ?? { calls: 0, rows: 0, requests: 0 };
    expect(after.requests - before.requests).toBe(32);
    expect(after.rows - before.rows).toBe(32);
    // Without batching this would be 32 calls; the 20 ms queue delay gathers them.
    expect(after.calls - before.calls).toBeLessThanOrEqual(8);
    // Each request got its own row back: compare with one local batch run.
    const local = await ort.InferenceSession.create(mlpPath);
    const out = await local.run({
      input: new ort.Tensor("float32", Float32Array.from(rows.flat()), [32, 64]),
    });
    const expected = out.logits?.data as Float32Array;
    await local.release();
    responses.forEach((body, r) => {
      const got = body.outputs[0].data as number[];
      got.forEach((v, i) => {
        expect(Math.abs(v - (expected[r * 10 + i] as number))).toBeLessThan(1e-4);
      });
    });
  });
});

describe("paywall seam", () => {
  it("test_server_paywall_402UntilPaid_commitsOnlyAfter2xx", async () => {
    const seen: PaywallRequest[] = [];
    let committed = 0;
    let released = 0;
    // A unit-test double of the paywall: this test is about the server's side of the seam.
    const paywall: Paywall = {
      async authorize(req) {
        seen.push(req);
        if (!req.headers["payment-signature"]) {
          return {
            ok: false,
            status: 402,
            headers: { "PAYMENT-REQUIRED": "e30=" },
            body: { error: "payment required" },
          };
        }
        return {
          ok: true,
          charge: {
            amount: BigInt(req.samples),
            release: () => void released++,
            commit: async () => {
              committed++;
              return "cmVjZWlwdA==";
            },
          },
        };
      },
      close: async () => {},
    };
    const paid = await createInferenceServer({
      models: [{ name: "cnn", model: cnnPath }],
      listen: { host: "127.0.0.1", port: 0 },
      paywall,
    });
    try {
      const body = {
        inputs: [{ name: "input", shape: [2, 64], datatype: "FP32", data: [...sample, ...sample] }],
      };
      const unpaid = await post(`${paid.url}/v2/models/cnn/infer`, body);
      expect(unpaid.status).toBe(402);
      expect(unpaid.headers.get("payment-required")).toBe("e30=");
      expect(seen[0]).toMatchObject({
        model: "cnn",
        samples: 2,
        resource: `${paid.url}/v2/models/cnn/infer`,
      });
      const ok = await post(`${paid.url}/v2/models/cnn/infer`, body, { "PAYMENT-SIGNATURE": "x" });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("payment-response")).toBe("cmVjZWlwdA==");
      expect([committed, released]).toEqual([1, 0]);
      // A malformed call is refused before the paywall: nothing charged, nothing reserved.
      const bad = await post(
        `${paid.url}/v2/models/cnn/infer`,
        { inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: [1] }] },
        { "PAYMENT-SIGNATURE": "x" },
      );
      expect(bad.status).toBe(400);
      expect(seen).toHaveLength(2);
      expect([committed, released]).toEqual([1, 0]);
    } finally {
      await paid.close();
    }
  });
});

describe("drain", () => {
  it("test_server_close_drainsInFlightThenStopsServing", async () => {
    const s = await createInferenceServer({
      models: [{ name: "mlp", model: mlpPath }],
      listen: { host: "127.0.0.1", port: 0 },
    });
    const body = JSON.stringify({
      inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: Array(64).fill(0.5) }],
    });
    // Send half the body, close while the server holds the request, then send the rest: the
    // request is in flight by construction (a fixed sleep raced the connect under load).
    const req = request(`${s.url}/v2/models/mlp/infer`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    const status = new Promise<number>((resolve, reject) => {
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    req.write(body.slice(0, 20));
    while (s.inFlight() === 0) await new Promise((r) => setTimeout(r, 1));
    const closed = s.close({ drainMs: 5_000 });
    req.end(body.slice(20));
    expect(await status).toBe(200);
    await closed;
    await expect(post(`${s.url}/v2/models/mlp/infer`, body)).rejects.toThrow();
  });
});
