// The coprocessor's optimistic mode end to end on anvil with real daemons: a coprocessor node (the
// digits MLP as a Q16.16 mlp-infer program) posts a bonded claim and delivers; the requester's
// interval stays `verifying` until the window has passed, then the node settles it (paid, requester
// called back). A lying node (one logit off) is challenged by the watcher, which re-executes the
// request through the coprocessor claim source and wins the game: the requester is refunded.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import {
  coprocessorCoordinatorAbi,
  optimisticVerifierAbi,
  waitForInferenceResult,
} from "@noosphere/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFixed } from "../verify/fixedJob.js";
import { optimisticProgramOf, outputOf } from "./optimistic.js";
import {
  OPTIMISTIC_SETUP_FEE as FEE,
  type OptimisticSetup,
  setupOptimisticCoprocessor,
} from "./optimisticSetup.js";

let net: TestDeployment;
let dir: string;
let setup: OptimisticSetup;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-coproc-opt-"));
  // The shared setup (optimisticSetup.ts, also the demo's): the digits MLP registered by account 1
  // as its Q16.16 program, escrow, two digits images as inputs.
  setup = await setupOptimisticCoprocessor(net, { dir });
}, 120_000);

afterAll(async () => {
  await setup?.stop();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("coprocessor optimistic mode", () => {
  it("an honest node's delivery waits for the window, then pays the node and settles", async () => {
    const { coordinator, contracts: c, rows, weights } = setup;
    const node = await setup.startNode(3, "honest", false);
    const watcher = await setup.startWatcher();

    const started = Date.now();
    const { requestId } = await setup.request(rows[0] as bigint[]);
    const verifying = await setup.waitStatus(requestId, "verifying");
    expect(verifying.status).toBe("verifying");
    const claimId = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "claimOf",
      args: [requestId, 1],
    });
    expect(claimId).toBeGreaterThan(0n);
    const claim = await net.publicClient.readContract({
      address: c.optimisticVerifier,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [claimId],
    });
    // Settled only after the window (the node calls settleOptimistic once it has passed). No
    // timeoutMs: the default wait follows the claim's window (read from the chain) plus graceMs.
    const done = await waitForInferenceResult(net.publicClient, {
      address: coordinator,
      requestId,
      graceMs: 30_000,
    });
    const settledAt = (await net.publicClient.getBlock()).timestamp;
    expect(done.status).toBe("delivered");
    expect(settledAt).toBeGreaterThanOrEqual(claim.windowEnds);
    const program = optimisticProgramOf(weights, rows[0] as bigint[]);
    expect(done.output?.values).toEqual(outputOf(runFixed(program.spec, program.data)));
    const earned = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "earningsOf",
      args: [net.client(3).account.address, c.token],
    });
    expect(earned).toBe(FEE);
    // The watcher re-executed the claim through the coprocessor source and agreed.
    const seen = (await watcher.agent.state.read()).claims[String(claimId)];
    expect(["agreed", "finalized"]).toContain(seen?.status);
    expect(seen?.computedFinal?.toLowerCase()).toBe(claim.finalState.toLowerCase());
    console.log(`honest optimistic request settled in ${Date.now() - started} ms`);
    node.common.shutdown();
    await node.done;
  }, 60_000);

  it("a lying node is challenged by the watcher, loses the game and the requester is refunded", async () => {
    const { coordinator, contracts: c, rows } = setup;
    await setup.startNode(4, "liar", true);
    const { requestId } = await setup.request(rows[1] as bigint[]);
    await setup.waitStatus(requestId, "verifying");
    const done = await waitForInferenceResult(net.publicClient, {
      address: coordinator,
      requestId,
      timeoutMs: 50_000,
    });
    expect(done.status).toBe("disputed");
    const claimId = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "claimOf",
      args: [requestId, 1],
    });
    const claim = await net.publicClient.readContract({
      address: c.optimisticVerifier,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [claimId],
    });
    expect(claim.status).toBe(3); // Rejected
    const escrow = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "escrowOf",
      args: [net.client(1).account.address, c.token],
    });
    expect(escrow[1]).toBe(0n); // nothing locked: refunded
    const liarEarned = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "earningsOf",
      args: [net.client(4).account.address, c.token],
    });
    expect(liarEarned).toBe(0n);
  }, 60_000);
});
