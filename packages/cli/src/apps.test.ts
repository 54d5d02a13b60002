// The three apps on the AI coprocessor, as a new user runs them (issue 10's "done when"): one devnet
// with one coprocessor node (`noos devnet --detach --coprocessors 1`), then `noos demo <app> --json`
// for each, one after another (the DAO demo moves the chain's clock). Each demo takes its model
// through the zk pipeline, deploys its contracts and gets a real Groth16-verified delivery; the test
// then reads the outcome back from the chain itself instead of trusting the demo's JSON.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort, readDevnet } from "@noosphere/devnet";
import {
  aiDelegateAbi,
  createNoosReadClient,
  daoGovernorAbi,
  getInferenceRequest,
  type NoosphereAddresses,
  predictionConditionalTokensAbi,
  predictionMarketAbi,
  tradingVaultAbi,
} from "@noosphere/sdk";
import { type Address, erc20Abi, formatEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
type Out = Record<string, unknown>;

let dir: string;
let client: ReturnType<typeof createNoosReadClient>;
let contracts: NoosphereAddresses;

async function noos(...args: string[]): Promise<Out> {
  const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, ...args, "--json"], {
    cwd: dir,
    timeout: 400_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Out;
}

/** The coordinator's own record of a request: delivered, zk-verified, with the demo's output. */
async function expectZkDelivered(requestId: unknown) {
  const request = await getInferenceRequest(client, {
    address: contracts.coprocessor,
    requestId: BigInt(String(requestId)),
  });
  expect(request.verification).toBe("zk");
  expect(request.status).toBe("delivered");
  expect(request.callbackFailed).toBe(false);
  return request;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-apps-"));
  const port = await getFreePort();
  await noos("devnet", "--detach", "--port", String(port), "--coprocessors", "1");
  const devnet = await readDevnet(dir);
  contracts = devnet.contracts as NoosphereAddresses;
  client = createNoosReadClient(devnet);
}, 240_000);

afterAll(async () => {
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe("noos demo <app> on the AI coprocessor", () => {
  it("test_daoDelegate_votesOnClearProposalAndEscalatesUncertainOne", async () => {
    const out = await noos("demo", "dao-delegate");
    expect(out.ok).toBe(true);
    const { governor, delegate } = out.contracts as { governor: Address; delegate: Address };
    const proposals = out.proposals as Array<{
      proposalId: string;
      requestId: string;
      outcome: string;
      output_data: number[][];
      withinErrorBound: boolean;
    }>;
    expect(proposals.map((p) => p.outcome).sort()).toEqual(["escalated", "vote cast"]);
    for (const p of proposals) {
      const request = await expectZkDelivered(p.requestId);
      expect(request.output?.values).toHaveLength(2);
      expect(p.withinErrorBound).toBe(true);
      const proposalId = BigInt(p.proposalId);
      // On chain: the delegate voted (Abstain when it escalated) and recorded why.
      const vote = await client.readContract({
        address: delegate,
        abi: aiDelegateAbi,
        functionName: "voteOf",
        args: [proposalId],
      });
      expect(vote.requestId).toBe(BigInt(p.requestId));
      expect(vote.escalated).toBe(p.outcome === "escalated");
      if (vote.escalated) expect(vote.support).toBe(2);
      else expect([0, 1]).toContain(vote.support);
      expect(
        await client.readContract({
          address: governor,
          abi: daoGovernorAbi,
          functionName: "hasVoted",
          args: [proposalId, delegate],
        }),
      ).toBe(true);
    }
    // The DAO (through its timelock) changed the delegate's threshold.
    const change = out.daoChange as { thresholdAfter: number; state: string };
    expect(change.state).toBe("Executed");
    const threshold = await client.readContract({
      address: delegate,
      abi: aiDelegateAbi,
      functionName: "threshold",
    });
    expect(Number(threshold) / 10_000).toBe(change.thresholdAfter);
  }, 400_000);

  it("test_predictionMarket_resolvedByZkDeliveryAndRedeemed", async () => {
    const out = await noos("demo", "prediction-market");
    expect(out.ok).toBe(true);
    await expectZkDelivered(out.requestId);
    expect(out.verified).toBe(true);
    const { market, conditionalTokens } = out.contracts as {
      market: Address;
      conditionalTokens: Address;
    };
    // On chain: the market resolved on the delivered output, and the payouts were reported to
    // the conditional tokens (YES pays [1, 0], NO [0, 1]), so positions are redeemable.
    const outcome = await client.readContract({
      address: market,
      abi: predictionMarketAbi,
      functionName: "outcome",
    });
    expect(["YES", "NO"][outcome - 1]).toBe(out.outcome);
    const conditionId = await client.readContract({
      address: market,
      abi: predictionMarketAbi,
      functionName: "conditionId",
    });
    expect(
      await client.readContract({
        address: conditionalTokens,
        abi: predictionConditionalTokensAbi,
        functionName: "payoutDenominator",
        args: [conditionId],
      }),
    ).toBe(1n);
    // The winning trader redeemed collateral; the losing one got nothing.
    const payouts = out.payouts as { alice: string; bob: string };
    const [winner, loser] = out.outcome === "YES" ? ["alice", "bob"] : ["bob", "alice"];
    expect(Number(payouts[winner as "alice"])).toBeGreaterThan(0);
    expect(Number(payouts[loser as "bob"])).toBe(0);
  }, 400_000);

  it("test_tradingAgent_swapsThroughUniswapV2WithinLimits", async () => {
    const out = await noos("demo", "trading-agent");
    expect(out.ok).toBe(true);
    const request = await expectZkDelivered(out.requestId);
    // The input the node proved is the one the vault read from the pair and sent.
    const input = out.input as { values: string[] };
    expect(request.input.values.map(String)).toEqual(input.values);
    const { vault } = out.contracts as { vault: Address };
    const config = await client.readContract({
      address: vault,
      abi: tradingVaultAbi,
      functionName: "config",
    });
    const [, traded] = await client.readContract({
      address: vault,
      abi: tradingVaultAbi,
      functionName: "periodTraded",
    });
    expect(traded).toBeGreaterThan(0n);
    expect(traded).toBeLessThanOrEqual(config.maxTradePerPeriod);
    // The vault's balances on chain are the ones after the swap, and they moved by the trade.
    const balance = async (token: Address) =>
      formatEther(
        await client.readContract({
          address: token,
          abi: erc20Abi,
          functionName: "balanceOf",
          args: [vault],
        }),
      );
    const tokens = out.contracts as { base: { address: Address }; quote: { address: Address } };
    const vaultAfter = (out.vault as { after: { dETH: string; NOOS: string } }).after;
    const vaultBefore = (out.vault as { before: { dETH: string; NOOS: string } }).before;
    expect({
      dETH: await balance(tokens.base.address),
      NOOS: await balance(tokens.quote.address),
    }).toEqual(vaultAfter);
    expect(vaultAfter).not.toEqual(vaultBefore);
    const trade = out.trade as { amountOut: string; amountOutMin: string; withinLimits: boolean };
    expect(Number(trade.amountOut)).toBeGreaterThanOrEqual(Number(trade.amountOutMin));
  }, 400_000);
});
