// `noos demo serving --json` end to end through the binary (its own devnet, two in-process
// providers with service leases and x402 paywalls, the examples/agents agent), and the agent's
// spending policy on its own: per-call cap, rolling hourly cap, allow-list, and the router's
// choice by price + latency.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createNoosClient } from "@noosphere/sdk";
import { type Address, parseEther } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createAgent,
  NoOfferError,
  type Offer,
  priceOf,
  SpendingPolicyError,
} from "../../../examples/agents/agent.js";

const run = promisify(execFile);
const noosBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bin/noos.js");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-demo-serving-"));
});
afterAll(async () => {
  await run(process.execPath, [noosBin, "--dir", dir, "devnet", "stop"]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const A = "0x00000000000000000000000000000000000000aa" as Address;
const B = "0x00000000000000000000000000000000000000bb" as Address;
const C = "0x00000000000000000000000000000000000000cc" as Address;
const offer = (provider: Address, perThousand: string, endpoint: string): Offer => ({
  leaseId: 1n,
  provider,
  endpoint,
  model: "digits",
  pricePerThousandSamples: parseEther(perThousand),
});

describe("agent spending policy", () => {
  const wallet = createNoosClient({
    rpcUrl: "http://127.0.0.1:1",
    chainId: 31337,
    privateKey: generatePrivateKey(),
  });

  it("test_agentPolicy_overCapNotAllowListedAndHourlyBudget_refusedBeforePaying", () => {
    let clock = 0;
    const agent = createAgent({
      wallet,
      policy: {
        maxPerCall: parseEther("0.01"),
        maxPerHour: parseEther("0.025"),
        allowProviders: [A, B],
      },
      routing: { latencyWeiPerMs: 0n },
      now: () => clock,
    });
    const a = offer(A, "1", "http://a");
    expect(priceOf(a, 1)).toBe(parseEther("0.001"));
    expect(priceOf(a, 3)).toBe(parseEther("0.003"));
    // Over the per-call cap: 11 samples at 0.001 NOOS each.
    expect(() => agent.check(a, 11)).toThrow(SpendingPolicyError);
    // Not on the allow-list: refused, and never even a candidate.
    const c = offer(C, "0.1", "http://c");
    expect(() => agent.check(c, 1)).toThrow(/not allow-listed/);
    agent.setOffers([a, c]);
    expect(agent.offers().map((o) => o.provider)).toEqual([A]);
    expect(agent.refusals()).toMatchObject({ maxPerCall: 1, allowProviders: 1 });
    expect(agent.check(a, 10)).toBe(parseEther("0.01"));
    // The rolling hour: 0.02 at t=0 and 0.004 at 30 min leave room for 0.001, not for 0.002.
    agent.recordSpend(parseEther("0.02"));
    clock = 30 * 60_000;
    agent.recordSpend(parseEther("0.004"));
    expect(agent.check(a, 1)).toBe(parseEther("0.001"));
    expect(() => agent.check(a, 2)).toThrow(/maxPerHour/);
    expect(agent.refusals().maxPerHour).toBe(1);
    // An hour after the first payment it no longer counts.
    clock = 60 * 60_000 + 1;
    expect(agent.spentLastHour()).toBe(parseEther("0.004"));
    expect(agent.check(a, 10)).toBe(parseEther("0.01"));
  });

  it("test_agentRouter_choosesByPricePlusLatency_andExplores", () => {
    const agent = createAgent({
      wallet,
      policy: { maxPerCall: parseEther("1"), maxPerHour: parseEther("10"), allowProviders: [A, B] },
      routing: { latencyWeiPerMs: parseEther("0.0001"), exploreEvery: 4 },
    });
    agent.setOffers([offer(A, "1", "http://a"), offer(B, "0.5", "http://b")]);
    const [oa, ob] = agent.offers();
    if (!oa || !ob) throw new Error("no offers");
    // Unmeasured offers go first.
    oa.latencyMs = 2;
    expect(agent.choose().provider).toBe(B);
    // A: 0.001 + 2 ms x 0.0001 = 0.0012; B: 0.0005 + 20 ms x 0.0001 = 0.0025: A wins.
    ob.latencyMs = 20;
    expect(agent.choose().provider).toBe(A);
    // B at 5 ms (0.001) beats A (0.0012): traffic moves to B.
    ob.latencyMs = 5;
    expect(agent.choose().provider).toBe(B);
    // A lease that ended is never chosen.
    agent.setOffers([offer(A, "1", "http://a")]);
    expect(agent.choose().provider).toBe(A);
    expect(agent.offers().find((o) => o.provider === B)?.gone).toBe(true);
    // No live offer left: a named error, not a call.
    agent.setOffers([]);
    expect(() => agent.choose()).toThrow(NoOfferError);
  });
});

describe("noos demo serving", () => {
  it("test_demoServing_agentPaysTwoProvidersMovesTrafficClaimedOnChain", async () => {
    const { stdout } = await run(
      process.execPath,
      [noosBin, "--dir", dir, "demo", "serving", "--json"],
      { timeout: 240_000 },
    );
    const out = JSON.parse(stdout) as {
      ok: boolean;
      calls: number;
      paid: string;
      claimedOnChain: string;
      providers: { name: string; calls: number; callsAfterClose: number; paid: string }[];
      refused: { maxPerCall: number };
      checks: Record<string, boolean>;
    };
    expect(out.checks).toEqual({
      bothProvidersUsed: true,
      trafficMoved: true,
      preferredWasCheaperByPriceAndLatency: true,
      perCallCapRefused: true,
      allCallsAccountedFor: true,
      paidEqualsClaimedOnChain: true,
    });
    expect(out.ok).toBe(true);
    expect(out.calls).toBeGreaterThanOrEqual(118);
    expect(Number(out.paid)).toBeGreaterThan(0);
    expect(out.claimedOnChain).toBe(out.paid);
    expect(out.providers).toHaveLength(2);
    const sum = out.providers.reduce((s, p) => s + parseEther(p.paid), 0n);
    expect(sum).toBe(parseEther(out.paid));
    expect(out.refused.maxPerCall).toBe(1);
  }, 300_000);
});
