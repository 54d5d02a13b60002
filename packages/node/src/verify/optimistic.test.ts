// Optimistic verification end to end on a real anvil with the real contracts (market, verifier,
// referee), a real provider daemon (its job workers run the fixed-point program as child
// processes; its defender posts the claim and plays) and a real watcher daemon, all over JSON-RPC
// and HTTP (a provider may withhold its op outputs: the watcher then finds the wrong element by
// descent, requestNodes / revealNodes). Each test runs one optimistic training job through the
// market (runOptimisticScenario) and moves the chain's clock only where a side is meant to run out
// of time or a window to end.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment, warpPast } from "@noosphere/devnet";
import { defaultDigitsTrainSpec, depthOf, transitionLayout } from "@noosphere/ml";
import { optimisticVerifierAbi } from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { type Address, type Hex, keccak256, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refereeAbi } from "./agent.js";
import type { ProgramFault } from "./program.js";
import { claimClock, runOptimisticScenario, type ScenarioParameters } from "./scenario.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const trainCsv = path.resolve(here, "../../../../examples/digits/train.csv");
/** Long enough that a loaded machine re-executes before it ends; the tests move the clock past it. */
const WINDOW = 3600;

let net: TestDeployment;
let dir: string;
let verifier: Address;
let referee: Address;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-optimistic-"));
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

/**
 * The chain's clock: past a silent side's deadline (or past the deadline of a reveal, for an asserter
 * that will not reveal), and past the window once the game is over.
 */
const clock = (silent?: "asserter" | "challenger" | "Reveal") =>
  claimClock({ publicClient: net.publicClient, verifier, warpPast: warpTo, silent });

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
    inputPath: trainCsv,
    steps: 20,
    challengeWindow: WINDOW,
    bond: "10",
    timeoutMs: 280_000,
    ...extra,
  });
}

const layout = () => transitionLayout(defaultDigitsTrainSpec(`0x${"0".repeat(64)}`), 1);
const opIndex = (name: string) => layout().ops.findIndex((o) => o.name === name);
const opSize = (name: string) => layout().ops[opIndex(name)]?.size ?? 0;
/** The reveal moves of a descent over a tensor of n elements (revealLevels = 4 levels each). */
const revealMoves = (n: number) =>
  Array.from({ length: Math.ceil(depthOf(n) / 4) }, () => ["requestNodes", "revealNodes"]).flat();

describe("optimistic verification on the market", () => {
  it("a weight corrupted after step N of a 1,000-step job is caught at step N, at the first differing operator; the provider is slashed and the tenant refunded", async () => {
    const step = 613;
    const fault: ProgramFault = { corrupt: { transition: step, component: 0, element: 37 } };
    const r = await scenario("corrupt", { steps: 1000, providerFault: fault, onTick: clock() });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedStep).toBe(step);
    expect(r.disputedOperator).toBe("upd_W1"); // W1 is the update's output
    expect(r.disputedElement).toBe(37);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
    expect(r.provider.slashed).toBeGreaterThan(0n);
    // Its bond, and the winning bid's deposit the market keeps.
    expect(r.provider.bondDelta).toBeLessThanOrEqual(-parseEther("10"));
    expect(r.watcher.bondDelta).toBeGreaterThan(0n);
    for (const m of r.moves)
      expect(m.gasUsed).toBeLessThan(m.move === "openElement" ? 3_000_000 : 1_000_000);
    // The provider served its op outputs: the watcher named the element without a reveal.
    expect(r.moves.filter((m) => /Nodes$/.test(m.move))).toEqual([]);
  }, 300_000);

  it("a lie about one element of an intermediate operator, by a provider that serves no op outputs, is found by descent (reveals) and caught at that element", async () => {
    const op = opIndex("h1");
    const r = await scenario("lie", {
      providerFault: { lie: { transition: 7, op, element: 70 } },
      withholdOpOutputs: true,
      onTick: clock(),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedStep).toBe(7);
    expect(r.disputedOperator).toBe("h1");
    expect(r.disputedElement).toBe(70);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
    expect(r.provider.slashed).toBeGreaterThan(0n);
    // h1's tree: one reveal per 4 levels (revealLevels), each answered by the provider.
    expect(r.moves.filter((m) => /Nodes$/.test(m.move)).map((m) => m.move)).toEqual(
      revealMoves(opSize("h1")),
    );
    for (const m of r.moves)
      expect(m.gasUsed).toBeLessThan(m.move === "openElement" ? 3_000_000 : 1_000_000);
    console.log(
      "descent dispute moves (gas)",
      r.moves.map((m) => `${m.move} ${m.gasUsed}`).join(", "),
    );
  }, 300_000);

  it("an honest provider that serves no op outputs meets a lying challenger: it answers the reveals, the challenger loses its bond, the provider is paid after the window", async () => {
    const r = await scenario("honest", {
      watcherFault: { corrupt: { transition: 11, component: 2, element: 3 } },
      withholdOpOutputs: true,
      onTick: clock(),
    });
    expect(r.winner).toBe("provider");
    expect(r.resolution).toBe("ElementChecked");
    expect(r.disputedStep).toBe(11);
    // The challenger's descent ends at the element its own (corrupted) run differs in.
    expect(r.disputedElement).toBe(3);
    expect(r.moves.some((m) => m.move === "revealNodes")).toBe(true);
    expect(r.claimStatus).toBe("Finalized");
    expect(r.leaseState).not.toBe("Disputed");
    expect(r.tenant.paid).toBeGreaterThan(0n);
    expect(r.watcher.bondDelta).toBe(-parseEther("10"));
    expect(r.provider.bondDelta).toBeGreaterThan(0n);
  }, 300_000);

  it("a watcher restarted right after its challenge takes the game up from its state file and wins", async () => {
    const r = await scenario("restart", {
      providerFault: { corrupt: { transition: 9, component: 3, element: 2 } },
      restartWatcher: true,
      onTick: clock(),
    });
    expect(r.winner).toBe("challenger");
    expect(r.disputedStep).toBe(9);
    expect(r.disputedOperator).toBe("upd_b2");
    expect(r.claimStatus).toBe("Rejected");
  }, 300_000);

  it("a provider that goes silent loses the game by timeout", async () => {
    const r = await scenario("silent-provider", {
      providerFault: { corrupt: { transition: 5 } },
      providerSilent: true,
      onTick: clock("asserter"),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("AsserterTimedOut");
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
  }, 300_000);

  it("a provider that serves no op outputs and does not answer the challenger's reveal request loses by timeout", async () => {
    const r = await scenario("silent-reveal", {
      providerFault: { lie: { transition: 3, op: opIndex("h1"), element: 9 } },
      withholdOpOutputs: true,
      providerSilent: "reveal",
      onTick: clock("Reveal"),
    });
    expect(r.winner).toBe("challenger");
    expect(r.resolution).toBe("AsserterTimedOut");
    expect(r.disputedStep).toBe(3);
    expect(r.moves.map((m) => m.move).slice(-2)).toEqual(["requestNodes", "timeout"]);
    expect(r.claimStatus).toBe("Rejected");
    expect(r.tenant.refunded).toBe(true);
  }, 300_000);

  it("a challenger that goes silent loses the game by timeout", async () => {
    const r = await scenario("silent-watcher", {
      watcherFault: { corrupt: { transition: 5 } },
      watcherSilent: true,
      onTick: clock("challenger"),
    });
    expect(r.winner).toBe("provider");
    expect(r.resolution).toBe("ChallengerTimedOut");
    expect(r.claimStatus).toBe("Finalized");
  }, 300_000);

  it("a challenge after the window is rejected", async () => {
    const asserter = net.client(4);
    const challenger = net.client(2);
    const spec = await registerSmallSpec(asserter);
    await asserter.approveAndWait({ spender: verifier, amount: parseEther("20") });
    await challenger.approveAndWait({ spender: verifier, amount: parseEther("20") });
    const minWindow = Number(
      (
        (await net.publicClient.readContract({
          address: verifier,
          abi: optimisticVerifierAbi,
          functionName: "config",
        })) as { minWindow: bigint }
      ).minWindow,
    );
    const { request } = await net.publicClient.simulateContract({
      address: verifier,
      abi: optimisticVerifierAbi,
      functionName: "postClaim",
      args: [
        0n,
        spec,
        `0x${"11".repeat(32)}`,
        BigInt(minWindow),
        `0x${"22".repeat(32)}`,
        parseEther("10"),
      ],
      account: asserter.account,
    });
    await net.publicClient.waitForTransactionReceipt({
      hash: await asserter.writeContract(request),
    });
    const claimId = (await net.publicClient.readContract({
      address: verifier,
      abi: optimisticVerifierAbi,
      functionName: "claimCount",
    })) as bigint;
    const claim = (await net.publicClient.readContract({
      address: verifier,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [claimId],
    })) as { windowEnds: bigint };
    await warpTo(Number(claim.windowEnds));
    await expect(
      net.publicClient.simulateContract({
        address: verifier,
        abi: optimisticVerifierAbi,
        functionName: "challenge",
        args: [claimId, `0x${"33".repeat(32)}`, parseEther("10")],
        account: challenger.account,
      }),
    ).rejects.toThrow(/VerifierChallengeWindowClosed/);
  }, 60_000);
});

/** Registers a tiny training spec (2 steps) with the referee; returns its hash. */
async function registerSmallSpec(client: ReturnType<TestDeployment["client"]>): Promise<Hex> {
  const { encodeSpec } = await import("@noosphere/ml");
  const bytes = encodeSpec(defaultDigitsTrainSpec(`0x${"ab".repeat(32)}`, 100, { steps: 2 }));
  const { request } = await net.publicClient.simulateContract({
    address: referee,
    abi: refereeAbi,
    functionName: "registerSpec",
    args: [bytes],
    account: client.account,
  });
  await net.publicClient.waitForTransactionReceipt({ hash: await client.writeContract(request) });
  return keccak256(bytes);
}
