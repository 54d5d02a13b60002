// Optimistic inference and evaluation jobs end to end on a real anvil with the real contracts and
// daemons (provider + defender, watcher), like optimistic.test.ts for training: the provider runs
// the ONNX MLP (examples/digits/mlp.onnx) as the fixed-point mlp-infer / mlp-eval program, posts
// the claim, and is paid after the window; a lie in one logit or in the evaluation's count of
// correct rows is caught at that op and element; a lease with a result and no claim is resolved
// for its tenant by the watcher (resolveUnclaimed), also across a restart of the watcher.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment, warpPast } from "@noosphere/devnet";
import { optimisticVerifierAbi } from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optimisticPhase } from "../tenant/optimistic.js";
import { claimClock, runOptimisticScenario, type ScenarioParameters } from "./scenario.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const digits = path.resolve(here, "../../../../examples/digits");
const WINDOW = 3600;

let net: TestDeployment;
let dir: string;
let verifier: Address;
let referee: Address;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-optimistic-jobs-"));
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

const warpTo = (t: number) => warpPast(net, t);

/** Past the window once the claim has no open game (and, with `always`, even with none played). */
const clock = (windowWhen?: "resolved" | "always") =>
  claimClock({ publicClient: net.publicClient, verifier, warpPast: warpTo, windowWhen });

async function scenario(name: string, extra: Partial<ScenarioParameters>) {
  const work = path.join(dir, name);
  return runOptimisticScenario({
    tenant: net.client(1),
    provider: net.client(3),
    watcher: net.client(2),
    contracts: net.deployment.contracts,
    verifier,
    referee,
    store: createStore({ kind: "local", dir: path.join(work, "store") }),
    workDir: work,
    job: "inference",
    modelPath: path.join(digits, "mlp.onnx"),
    inputPath: path.join(digits, "test-pixels.csv"),
    steps: 1,
    challengeWindow: WINDOW,
    bond: "10",
    timeoutMs: 280_000,
    ...extra,
  });
}

describe("optimistic inference and evaluation on the market", () => {
  it("an honest optimistic inference job (360 digits, mlp-infer) is checked by the watcher and paid after the window", async () => {
    const r = await scenario("infer-honest", { onTick: clock("always") });
    expect(r.gameId).toBeUndefined();
    expect(r.claimStatus).toBe("Finalized");
    expect(r.leaseState).not.toBe("Disputed");
    expect(r.tenant.paid).toBeGreaterThan(0n);
    expect(r.provider.slashed).toBe(0n);
    // What `noos job status` shows: the output is the fixed-point program's.
    const phase = await optimisticPhase(net.client(1), verifier, r.leaseId);
    expect(phase.phase).toBe("finalized");
    expect(phase.program).toBe("mlp-infer");
    expect(phase.text).toContain("fixed-point program mlp-infer");
  }, 300_000);

  it("a provider lying about one inference output element is caught at that op and element", async () => {
    const r = await scenario("infer-lie", {
      providerFault: { lie: { transition: 0, op: 2, element: 1234, delta: 1 } },
      onTick: clock(),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedStep).toBe(0);
    expect(r.disputedOperator).toBe("logits");
    expect(r.disputedElement).toBe(1234);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
    expect(r.provider.slashed).toBeGreaterThan(0n);
    for (const m of r.moves)
      expect(m.gasUsed).toBeLessThan(m.move === "openElement" ? 3_000_000 : 1_000_000);
    // The provider serves its op outputs: the watcher names the element without a reveal.
    expect(r.moves.filter((m) => /Nodes$/.test(m.move))).toEqual([]);
    console.log(
      "inference dispute moves (gas)",
      r.moves.map((m) => `${m.move} ${m.gasUsed}`).join(", "),
    );
  }, 300_000);

  it("an evaluation job lying about its accuracy (count of correct rows + 1) is caught at the metric op", async () => {
    const r = await scenario("eval-lie", {
      job: "evaluation",
      inputPath: path.join(digits, "test.csv"),
      providerFault: { lie: { transition: 0, op: 5, element: 0, delta: 1 } },
      onTick: clock(),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedOperator).toBe("correct_count");
    expect(r.disputedElement).toBe(0);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
    const check = r.moves.find((m) => m.move === "openElement");
    expect(check?.gasUsed).toBeLessThan(3_000_000);
    console.log(
      "evaluation dispute moves (gas)",
      r.moves.map((m) => `${m.move} ${m.gasUsed}`).join(", "),
    );
  }, 300_000);

  it("a result with no claim: the tenant disputes and the watcher, restarted after it noted the lease, resolves it for the tenant from its state file (resolveUnclaimed)", async () => {
    const r = await scenario("unclaimed", {
      providerNoClaim: true,
      // The new watcher starts after the dispute's block: only its state file knows the lease.
      restartWatcher: true,
      onTick: async () => {
        const lease = await net.client(1).getLease({ leaseId: await lastOrder() });
        if (lease.stateName !== "Disputed") return;
        const cfg = (await net.publicClient.readContract({
          address: verifier,
          abi: optimisticVerifierAbi,
          functionName: "config",
        })) as { claimResponseWindow: bigint };
        await warpTo(Number(lease.disputeEndsAt) + Number(cfg.claimResponseWindow));
      },
    });
    expect(r.claimId).toBe(0n);
    expect(r.leaseState).not.toBe("Disputed");
    expect(r.moves.map((m) => m.move)).toEqual(["resolveUnclaimed"]);
    expect(r.tenant.refunded).toBe(true);
    expect(r.provider.slashed).toBeGreaterThan(0n);
  }, 300_000);
});

/** The newest order (the scenario's). */
async function lastOrder(): Promise<bigint> {
  const [newest] = await net.client(1).getOrders({ limit: 1 });
  return (newest as { id: bigint }).id;
}
