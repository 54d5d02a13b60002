// `noos deploy` on a devnet with two provider processes: a PyTorch-style CNN (Reshape, Conv,
// Relu, Pad, AveragePool, Flatten, Gemm) gives the same outputs through the market as
// onnxruntime locally, and a redundant job is accepted only because both replicas agree.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort } from "@noosphere/devnet";
import {
  createCnnOnnx,
  createSession,
  encodeModel,
  runInference,
  writeEzklInput,
} from "@noosphere/ml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
let dir: string;
const noos = async (...args: string[]) =>
  (await run(process.execPath, [noosBin, "--dir", dir, ...args], { timeout: 180_000 })).stdout;

const tail = `resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
deadline: 10m
bidWindow: 10s
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-deploy-"));
  await noos("devnet", "--detach", "--port", String(await getFreePort()), "--providers", "2");
  await writeFile(path.join(dir, "cnn.onnx"), encodeModel(createCnnOnnx({ seed: 3 })));
  const input = Array.from({ length: 64 }, (_, i) => (i * 7) % 17);
  await writeEzklInput(path.join(dir, "input.json"), { input_data: [input] });
}, 180_000);
afterAll(async () => {
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos deploy", () => {
  it("runs a PyTorch-style CNN and matches onnxruntime run locally to 1e-5", async () => {
    await writeFile(
      path.join(dir, "cnn.yaml"),
      `version: "1"\nkind: inference\nmodel: cnn.onnx\ninput: input.json\nverification: { mode: receipt }\n${tail}`,
    );
    const result = JSON.parse(
      await noos(
        "deploy",
        path.join(dir, "cnn.yaml"),
        "--results",
        path.join(dir, "results"),
        "--json",
      ),
    ) as {
      outcome: string;
      files: { output: string };
    };
    expect(result.outcome).toBe("completed");
    const remote = JSON.parse(await readFile(result.files.output, "utf8")) as {
      output_data: number[][];
    };
    const local = await runInference(await createSession(path.join(dir, "cnn.onnx")), {
      input_data: [Array.from({ length: 64 }, (_, i) => (i * 7) % 17)],
    });
    const [r] = remote.output_data;
    const [l] = local.output_data;
    expect(r).toHaveLength(10);
    for (const [i, value] of (r ?? []).entries()) {
      expect(Math.abs(value - (l?.[i] ?? Number.NaN))).toBeLessThanOrEqual(1e-5);
    }
  }, 180_000);

  it("accepts a redundant job only when both providers' results agree", async () => {
    await writeFile(
      path.join(dir, "redundant.yaml"),
      `version: "1"\nkind: inference\nmodel: cnn.onnx\ninput: input.json\nverification: { mode: redundant, replicas: 2 }\n${tail}`,
    );
    const result = JSON.parse(
      await noos(
        "deploy",
        path.join(dir, "redundant.yaml"),
        "--results",
        path.join(dir, "results"),
        "--json",
      ),
    ) as { outcome: string; replicas: { provider: string; resultHash: string; state: string }[] };
    expect(result.outcome).toBe("completed");
    expect(result.replicas).toHaveLength(2);
    expect(new Set(result.replicas.map((r) => r.provider)).size).toBe(2);
    expect(result.replicas[0]?.resultHash).toBe(result.replicas[1]?.resultHash);
    expect(result.replicas.map((r) => r.state)).toEqual(["Completed", "Completed"]);
  }, 180_000);
});
