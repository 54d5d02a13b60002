// `noos demo coprocessor-optimistic`: the AI coprocessor's optimistic mode on a fresh anvil with real
// daemons in this process. The digits MLP is registered as a Q16.16 mlp-infer program (weights by
// CID); a coprocessor node posts a bonded claim in the OptimisticVerifier and delivers; the request
// stays `verifying` (no callback, no payment) until the challenge window has passed, then the node
// settles it. A second, lying node (one logit off) is challenged by the watcher, which re-executes the
// request through the coprocessor claim source and wins the game: the requester is refunded.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { type OptimisticSetup, setupOptimisticCoprocessor } from "@noosphere/node";
import {
  coprocessorCoordinatorAbi,
  optimisticVerifierAbi,
  waitForInferenceResult,
} from "@noosphere/sdk";
import type { Hash } from "viem";
import { printJson } from "../output.js";

export async function runCoprocessorOptimisticDemoCommand(p: {
  json: boolean;
  say: (line: string) => void;
}) {
  const started = Date.now();
  const dir = await mkdtemp(path.join(tmpdir(), "noos-demo-coproc-opt-"));
  let setup: OptimisticSetup | undefined;
  let net: TestDeployment | undefined;
  try {
    p.say("starting anvil and deploying Noosphere ...");
    net = await startTestDeployment();
    const n = net;
    // The shared setup (also the e2e test's, packages/node coprocessor/optimisticSetup.ts): the
    // digits MLP registered and published as its Q16.16 program, escrow, two digits images.
    const s = await setupOptimisticCoprocessor(n, { dir, logLevel: "error" });
    setup = s;
    const { coordinator, contracts: c, modelId, weightsCid, rows, startNode } = s;
    const owner = n.client(1);
    const gasOf = async (hash: Hash) =>
      (await n.publicClient.getTransactionReceipt({ hash })).gasUsed;
    p.say(
      `model ${modelId}: digits MLP 64-32-10 as a kind-2 mlp-infer program (weights ${weightsCid})`,
    );
    const watcher = await s.startWatcher();
    const request = s.request;
    const waitVerifying = (requestId: bigint) => s.waitStatus(requestId, "verifying", 120_000);
    const read = <T>(functionName: string, args: readonly unknown[], address = coordinator) =>
      n.publicClient.readContract({
        address,
        abi: address === coordinator ? coprocessorCoordinatorAbi : optimisticVerifierAbi,
        functionName: functionName as never,
        args: args as never,
      }) as Promise<T>;
    const txOf = async (eventName: string, requestId: bigint) => {
      const logs = await n.publicClient.getContractEvents({
        address: coordinator,
        abi: coprocessorCoordinatorAbi,
        eventName: eventName as "OutputDelivered",
        args: { requestId },
        fromBlock: BigInt(n.deployment.startBlock),
      });
      const hash = logs[0]?.transactionHash;
      return hash ? gasOf(hash) : undefined;
    };
    const claimGas = async (claimId: bigint) => {
      const logs = await n.publicClient.getContractEvents({
        address: c.optimisticVerifier,
        abi: optimisticVerifierAbi,
        eventName: "ClaimPosted",
        args: { claimId },
        fromBlock: BigInt(n.deployment.startBlock),
      });
      const hash = logs[0]?.transactionHash;
      return hash ? gasOf(hash) : undefined;
    };

    // 1. An honest node: delivered with its claim, settled after the window.
    const honest = await startNode(3, "honest", false);
    const t0 = Date.now();
    const a = await request(rows[0] as bigint[]);
    await waitVerifying(a.requestId);
    const claimA = await read<bigint>("claimOf", [a.requestId, 1]);
    const windowEnds = (
      await read<{ windowEnds: bigint }>("getClaim", [claimA], c.optimisticVerifier)
    ).windowEnds;
    p.say(
      `request ${a.requestId}: delivered with claim ${claimA}; callback waits until ${windowEnds}`,
    );
    const doneA = await waitForInferenceResult(n.publicClient, {
      address: coordinator,
      requestId: a.requestId,
      timeoutMs: 60_000,
    });
    const settledAt = (await n.publicClient.getBlock()).timestamp;
    const logits = doneA.output?.values ?? [];
    const digit = logits.reduce((best, v, i) => (v > (logits[best] ?? v) ? i : best), 0);
    p.say(`request ${a.requestId}: ${doneA.status} after the window (digit ${digit}), node paid`);
    const honestMs = Date.now() - t0;
    honest.common.shutdown();
    await honest.done;

    // 2. A lying node: challenged by the watcher, loses; the requester is refunded.
    await startNode(4, "liar", true);
    const t1 = Date.now();
    const b = await request(rows[1] as bigint[]);
    await waitVerifying(b.requestId);
    const claimB = await read<bigint>("claimOf", [b.requestId, 1]);
    p.say(
      `request ${b.requestId}: a lying node delivered with claim ${claimB}; the watcher checks it`,
    );
    const doneB = await waitForInferenceResult(n.publicClient, {
      address: coordinator,
      requestId: b.requestId,
      timeoutMs: 90_000,
    });
    const claimBState = await read<{ status: number }>("getClaim", [claimB], c.optimisticVerifier);
    const [, locked] = await read<readonly [bigint, bigint]>("escrowOf", [
      owner.account.address,
      c.token,
    ]);
    const liarEarned = await read<bigint>("earningsOf", [n.client(4).account.address, c.token]);
    const watcherMoves = (await watcher.moves()).map((m) => ({ move: m.move, gas: m.gasUsed }));
    p.say(`request ${b.requestId}: ${doneB.status}: claim rejected, requester refunded`);
    const ok =
      doneA.status === "delivered" &&
      settledAt >= windowEnds &&
      doneB.status === "disputed" &&
      claimBState.status === 3 &&
      locked === 0n &&
      liarEarned === 0n;
    const result = {
      ok,
      choice: "the callback waits for the challenge window (no pending flag)",
      honest: {
        requestId: a.requestId.toString(),
        claimId: claimA.toString(),
        status: doneA.status,
        digit,
        settledAfterWindow: settledAt >= windowEnds,
        ms: honestMs,
      },
      liar: {
        requestId: b.requestId.toString(),
        claimId: claimB.toString(),
        status: doneB.status,
        claim: "rejected",
        requesterRefunded: locked === 0n,
        liarPaid: liarEarned.toString(),
        ms: Date.now() - t1,
      },
      gas: {
        request: a.gas.toString(),
        postClaim: (await claimGas(claimA))?.toString(),
        deliver: (await txOf("OutputDelivered", a.requestId))?.toString(),
        settleFulfilled: (await txOf("RequestFulfilled", a.requestId))?.toString(),
        settleRefunded: (await txOf("RequestDisputed", b.requestId))?.toString(),
        challengerMoves: watcherMoves,
      },
      seconds: Math.round((Date.now() - started) / 1000),
    };
    if (p.json) printJson(result);
    if (!ok) process.exitCode = 1;
  } finally {
    await setup?.stop();
    await net?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
