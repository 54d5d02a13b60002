// Optimistic CNN inference through the market, end to end on a real anvil with the real contracts
// and daemons (provider + defender, watcher): the provider runs examples/zk/models/cnn.onnx as the
// fixed-point cnn-infer program (kind 3) on 16 digits images, posts the claim and is paid after the
// window; a provider lying about one element of the pool op is challenged by the watcher (which
// re-executes the lease's job from the market source), caught at that op and element by the
// CnnStepReferee behind the RefereeRouter, and slashed; the tenant is refunded. A provider that
// serves no op outputs and lies about one logit is found by descent over its op tree (reveals).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment, warpPast } from "@noosphere/devnet";
import { createSession, encodeSpec, runInference } from "@noosphere/ml";
import { loadJobManifest } from "@noosphere/sdk";
import { type ContentStore, createStore } from "@noosphere/storage";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optimisticPhase } from "../tenant/optimistic.js";
import { decodeSpec, fixedProgramOfModel } from "./fixedJob.js";
import { claimClock, runOptimisticScenario, type ScenarioParameters } from "./scenario.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const examples = path.resolve(here, "../../../../examples");
const cnnPath = path.join(examples, "zk/models/cnn.onnx");
const WINDOW = 3600;
const ROWS = 16;

let net: TestDeployment;
let dir: string;
let inputPath: string;
let rows: number[][];
let verifier: Address;
let referee: Address;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-cnn-jobs-"));
  // 16 held-out digits images scaled to [0, 1] (what cnn.onnx was trained on), as an EZKL input.
  const csv = (await readFile(path.join(examples, "digits/test-pixels.csv"), "utf8")).trim();
  rows = csv
    .split("\n")
    .slice(1, 1 + ROWS)
    .map((line) => line.split(",").map((v) => Number(v) / 16));
  inputPath = path.join(dir, "cnn-input.json");
  await writeFile(inputPath, JSON.stringify({ input_data: rows }));
  const contracts = net.deployment.contracts as typeof net.deployment.contracts & {
    optimisticVerifier: Address;
    stepReferee: Address;
  };
  verifier = contracts.optimisticVerifier;
  referee = contracts.stepReferee;
}, 120_000);
afterAll(async () => {
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Past the window once the claim has no open game (and, with `always`, even with none played). */
const clock = (windowWhen?: "resolved" | "always") =>
  claimClock({
    publicClient: net.publicClient,
    verifier,
    warpPast: (t) => warpPast(net, t),
    windowWhen,
  });

function scenario(name: string, store: ContentStore, extra: Partial<ScenarioParameters>) {
  const work = path.join(dir, name);
  return runOptimisticScenario({
    tenant: net.client(1),
    provider: net.client(3),
    watcher: net.client(2),
    contracts: net.deployment.contracts,
    verifier,
    referee,
    store,
    workDir: work,
    job: "inference",
    modelPath: cnnPath,
    inputPath,
    steps: 1,
    challengeWindow: WINDOW,
    bond: "10",
    timeoutMs: 280_000,
    ...extra,
  });
}

describe("optimistic CNN inference (cnn-infer, kind 3) on the market", () => {
  it("an inference job with a CNN model is the cnn-infer program; its spec bytes read back", async () => {
    const model = new Uint8Array(await readFile(cnnPath));
    const { spec } = fixedProgramOfModel(
      "inference",
      model,
      JSON.stringify({ input_data: rows }),
      "json",
    );
    expect(spec).toMatchObject({ kind: "cnn-infer", rows: ROWS, side: 8, channels: 4 });
    expect(decodeSpec(encodeSpec(spec))).toEqual(spec);
    // The referee's bound on rows (CNN_LIMITS.rows = 64) is the job's.
    const many = JSON.stringify({ input_data: Array.from({ length: 65 }, () => rows[0]) });
    expect(() => fixedProgramOfModel("inference", model, many, "json")).toThrow(
      /optimistic CNN inference.*at most 64 rows/,
    );
    // An evaluation job does not run a CNN (no cnn-eval program).
    expect(() =>
      fixedProgramOfModel("evaluation", model, "p0,label\n0,1\n", "csv", "label"),
    ).toThrow(/evaluation runs one-hidden-layer MLPs/);
  });

  it("examples/optimistic/cnn-infer.yaml is an optimistic inference job of the CNN (cnn-infer, one image)", async () => {
    const file = path.join(examples, "optimistic/cnn-infer.yaml");
    const manifest = await loadJobManifest(file);
    if (manifest.kind !== "inference") throw new Error(`a ${manifest.kind} job`);
    expect(manifest.verification).toMatchObject({ mode: "optimistic", bond: "10" });
    const at = (ref: unknown) => path.resolve(path.dirname(file), (ref as { path: string }).path);
    expect(at(manifest.model)).toBe(cnnPath);
    const { spec } = fixedProgramOfModel(
      "inference",
      new Uint8Array(await readFile(at(manifest.model))),
      await readFile(at(manifest.input), "utf8"),
      "json",
    );
    expect(spec).toMatchObject({ kind: "cnn-infer", rows: 1, classes: 10, poolPad: 1 });
  });

  it("an honest CNN inference job is checked by the watcher and paid after the window; the result is the program's output", async () => {
    const store = createStore({ kind: "local", dir: path.join(dir, "honest-store") });
    const r = await scenario("honest", store, { onTick: clock("always") });
    expect(r.gameId).toBeUndefined();
    expect(r.claimStatus).toBe("Finalized");
    expect(r.leaseState).not.toBe("Disputed");
    expect(r.tenant.paid).toBeGreaterThan(0n);
    expect(r.provider.slashed).toBe(0n);
    const phase = await optimisticPhase(net.client(1), verifier, r.leaseId);
    expect(phase.phase).toBe("finalized");
    expect(phase.program).toBe("cnn-infer");
    expect(phase.text).toContain("fixed-point program cnn-infer");
    // The result document: the Q16.16 logits, within 2^-6 of onnxruntime's float ones.
    const lease = await net.client(1).getLease({ leaseId: r.leaseId });
    const result = JSON.parse(new TextDecoder().decode(await store.get(lease.resultCid))) as {
      output_data: number[][];
      arithmetic: string;
      program: string;
    };
    expect(result.arithmetic).toBe("fixed-q16.16");
    expect(result.program).toBe("cnn-infer");
    expect(result.output_data).toHaveLength(ROWS);
    const float = await runInference(await createSession(cnnPath), rows);
    result.output_data.forEach((logits, i) => {
      expect(logits).toHaveLength(10);
      logits.forEach((v, k) => {
        expect(Math.abs(v - (float.output_data[i]?.[k] as number))).toBeLessThan(2 ** -6);
      });
    });
  }, 300_000);

  it("a provider lying about one pool element is challenged by the watcher, caught there and slashed; the tenant is refunded", async () => {
    const store = createStore({ kind: "local", dir: path.join(dir, "lie-store") });
    // pool is [rows][64]: row 5, feature 17.
    const element = 5 * 64 + 17;
    const r = await scenario("pool-lie", store, {
      providerFault: { lie: { transition: 0, op: 3, element, delta: 1 } },
      onTick: clock(),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedStep).toBe(0);
    expect(r.disputedOperator).toBe("pool");
    expect(r.disputedElement).toBe(element);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
    expect(r.provider.slashed).toBeGreaterThan(0n);
    for (const m of r.moves)
      expect(m.gasUsed).toBeLessThan(m.move === "openElement" ? 3_000_000 : 1_000_000);
    console.log(
      "cnn inference dispute moves (gas)",
      r.moves.map((m) => `${m.move} ${m.gasUsed}`).join(", "),
    );
  }, 300_000);

  it("a provider that serves no op outputs and lies about one logit is found by descent (reveals) and loses", async () => {
    const store = createStore({ kind: "local", dir: path.join(dir, "logit-lie-store") });
    // logits is [rows][10] (160 values, 20 leaves): row 3, class 7.
    const element = 3 * 10 + 7;
    const r = await scenario("logit-lie-withheld", store, {
      providerFault: { lie: { transition: 0, op: 4, element, delta: 1 } },
      withholdOpOutputs: true,
      onTick: clock(),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedOperator).toBe("logits");
    expect(r.disputedElement).toBe(element);
    expect(r.moves.filter((m) => m.move === "revealNodes").length).toBeGreaterThan(0);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
    expect(r.provider.slashed).toBeGreaterThan(0n);
    for (const m of r.moves)
      expect(m.gasUsed).toBeLessThan(m.move === "openElement" ? 3_000_000 : 1_000_000);
    console.log(
      "cnn inference dispute by descent (gas)",
      r.moves.map((m) => `${m.move} ${m.gasUsed}`).join(", "),
    );
  }, 300_000);
});
