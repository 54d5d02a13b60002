// Every manifest in examples/manifests/ deploys as it stands, from its own folder, on a devnet
// with three provider processes, and completes with the result a user expects. An example can
// no longer rot: a missing file or a placement no devnet provider matches fails here.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort } from "@noosphere/devnet";
import {
  createSession,
  evaluate,
  loadTable,
  runInference,
  toFeaturesAndLabels,
} from "@noosphere/ml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
const examples = path.resolve(here, "../../../examples");
const manifestsDir = path.join(examples, "manifests");
let dir: string;

/** `noos` run from examples/manifests, as a user would, on the test's devnet. */
const noos = (args: string[], cwd = manifestsDir) =>
  run(process.execPath, [noosBin, "--dir", dir, ...args], { cwd, timeout: 300_000 });
/** Same, but a failure shows what noos said. */
const noosOk = (args: string[]) =>
  noos(args).catch((err: { message: string; stdout?: string; stderr?: string }) => {
    throw new Error(`${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  });

type DeployOutput = {
  outcome: string;
  kind: string;
  replicas: { provider: string; state: string }[];
  files: Record<string, string>;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-examples-"));
  await noos(["devnet", "--detach", "--port", String(await getFreePort()), "--providers", "3"]);
}, 180_000);
afterAll(async () => {
  await noos(["devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("examples/manifests", () => {
  it("deploys every example manifest and each completes with the expected result", async () => {
    const all = (await readdir(manifestsDir)).filter((f) => f.endsWith(".yaml")).sort();
    expect(all).toEqual([
      "evaluation.yaml",
      "inference.yaml",
      "redundant.yaml",
      "service.yaml",
      "training.yaml",
    ]);
    // The batch jobs first (service.yaml leases an endpoint: below).
    const names = all.filter((f) => f !== "service.yaml");
    // All at once, each as its own tenant (accounts 1-3 and 7), so their bid windows overlap.
    const accounts = ["1", "2", "3", "7"];
    const outputs = await Promise.all(
      names.map(async (name, i) => {
        const { stdout } = await noosOk([
          "deploy",
          name,
          "--account",
          accounts[i] as string,
          "--results",
          path.join(dir, "results", name),
          "--json",
        ]);
        return [name, JSON.parse(stdout) as DeployOutput] as const;
      }),
    );
    const out = Object.fromEntries(outputs);
    for (const [name, result] of outputs) expect(result.outcome, name).toBe("completed");

    const heldOut = await loadTable(path.join(examples, "digits/test.csv"), { format: "csv" });
    const { features, labels } = toFeaturesAndLabels(heldOut, { label: "label" });
    const shipped = await createSession(path.join(examples, "digits/mlp.onnx"));
    const local = await evaluate(shipped, features, labels);

    // Inference: the provider's logits for the sample are onnxruntime's here.
    const inference = out["inference.yaml"] as DeployOutput;
    const remote = JSON.parse(await readFile(inference.files.output as string, "utf8"));
    const sample = JSON.parse(await readFile(path.join(examples, "digits/sample.json"), "utf8"));
    const [expected] = (await runInference(shipped, sample)).output_data;
    const [got] = remote.output_data as number[][];
    expect(got).toHaveLength(10);
    for (const [j, v] of (got ?? []).entries())
      expect(v).toBeCloseTo(expected?.[j] ?? Number.NaN, 5);

    // Evaluation: the same accuracy as evaluating the shipped model here.
    const evaluation = JSON.parse(
      await readFile((out["evaluation.yaml"] as DeployOutput).files.result as string, "utf8"),
    );
    expect(evaluation.kind).toBe("evaluation");
    expect(evaluation.accuracy).toBeCloseTo(local.accuracy, 6);
    expect(evaluation.accuracy).toBeGreaterThan(0.95);

    // Training: the returned model classifies the held-out digits well.
    const trained = await createSession(
      (out["training.yaml"] as DeployOutput).files.model as string,
    );
    expect((await evaluate(trained, features, labels)).accuracy).toBeGreaterThan(0.93);

    // Redundant: three distinct providers agreed on one output row per held-out row.
    const redundant = out["redundant.yaml"] as DeployOutput;
    expect(new Set(redundant.replicas.map((r) => r.provider.toLowerCase())).size).toBe(3);
    const rows = JSON.parse(await readFile(redundant.files.output as string, "utf8"));
    expect(rows.output_data).toHaveLength(labels.length);

    // The service: a leased Open Inference Protocol endpoint, paid per call, so a plain call gets
    // 402 with PAYMENT-REQUIRED; closing the lease stops it.
    const { stdout: svc } = await noosOk(["deploy", "service.yaml", "--account", "1", "--json"]);
    const service = JSON.parse(svc) as { leaseId: string; endpoint: string; model: string };
    expect(service.model).toBe("digits");
    const call = () =>
      fetch(`${service.endpoint}/v2/models/digits/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          inputs: [{ name: "input", shape: [1, 64], datatype: "FP32", data: sample.input_data[0] }],
        }),
      });
    const unpaid = await call();
    expect(unpaid.status).toBe(402);
    expect(unpaid.headers.get("payment-required")).toBeTruthy();
    // As the README goes on: a paid call, then the payer's channel read through the endpoint's 402
    // (the probe is a valid one-sample request: the server answers an empty body with 400), with
    // the tenant (account 1) as the default payer of both commands.
    const infer = JSON.parse(
      (
        await noosOk([
          "service",
          "infer",
          "--endpoint",
          service.endpoint,
          "--model",
          "digits",
          "--input",
          path.join(examples, "digits", "sample.json"),
          "--json",
        ])
      ).stdout,
    ) as { output_data: number[][]; paid: string };
    expect(infer.output_data[0]).toHaveLength(10);
    const channel = JSON.parse(
      (
        await noosOk([
          "channel",
          "status",
          "--endpoint",
          `${service.endpoint}/v2/models/digits/infer`,
          "--json",
        ])
      ).stdout,
    ) as { balance: string; totalClaimed: string };
    expect(BigInt(channel.balance) + BigInt(channel.totalClaimed)).toBeGreaterThan(0n);
    await noosOk(["service", "close", service.leaseId, "--account", "1"]);
  }, 300_000);

  it("says why no provider bid, from each provider's own status", async () => {
    const manifest = path.join(dir, "mars.yaml");
    await writeFile(
      manifest,
      `version: "1"
kind: inference
model: ${path.join(examples, "digits/mlp.onnx")}
input: ${path.join(examples, "digits/sample.json")}
resources: { cpu: 1, memory: 512Mi }
placement: { attributes: { region: mars } }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 10m
bidWindow: 10s
`,
    );
    const failed = await noos(["deploy", manifest, "--account", "2", "--json"]).then(
      () => undefined,
      (err: { stdout: string }) => JSON.parse(err.stdout),
    );
    expect(failed?.error.name).toBe("NoBidsError");
    const hints = (failed?.error.hints ?? []) as string[];
    expect(
      hints.filter((h) => h.endsWith("did not bid: placement requirements not met")),
    ).toHaveLength(3);
  }, 120_000);
});

describe("noos deploy against the chain's rules", () => {
  it("names pricing.deposit when it is below the chain's minimum, before sending anything", async () => {
    const manifest = path.join(dir, "cheap.yaml");
    await writeFile(
      manifest,
      `version: "1"
kind: inference
model: ${path.join(examples, "digits/mlp.onnx")}
input: ${path.join(examples, "digits/sample.json")}
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.0001", deposit: "0.3" }
verification: { mode: receipt }
deadline: 10m
`,
    );
    const before = JSON.parse((await noos(["market", "orders", "--json"])).stdout) as unknown[];
    const stderr = await noos(["deploy", manifest, "--account", "2"]).then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(stderr).toContain("pricing.deposit");
    expect(stderr).toContain("at least 1 NOOS");
    const after = JSON.parse((await noos(["market", "orders", "--json"])).stdout) as unknown[];
    expect(after).toHaveLength(before.length);
  }, 60_000);
});

describe("noos deploy before any devnet", () => {
  it("reports a manifest's problems with their field and line without needing a devnet", async () => {
    const bare = await mkdtemp(path.join(tmpdir(), "noos-nodevnet-"));
    try {
      await writeFile(
        path.join(bare, "job.yaml"),
        `version: "1"\nkind: inference\nmodel: missing.onnx\ninput: sample.json\nresources: { cpu: 1, memory: 512Mi }\npricing: { maxPricePerSecond: "0.001", deposit: "1" }\nverification: { mode: receipt }\ndeadline: 10m\n`,
      );
      const err = await run(
        process.execPath,
        [noosBin, "--dir", path.join(bare, ".noos"), "deploy", "job.yaml"],
        { cwd: bare },
      ).then(
        () => undefined,
        (e: { stderr: string }) => e.stderr,
      );
      expect(err).toContain("job.yaml:3:1: model: no file at missing.onnx");
      expect(err).toContain("job.yaml:4:1: input: no file at sample.json");
      expect(err).not.toContain("no devnet");
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });
});
