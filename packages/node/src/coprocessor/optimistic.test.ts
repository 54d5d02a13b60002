// The coprocessor's optimistic mode end to end on anvil with real daemons: a coprocessor node (the
// digits MLP as a Q16.16 mlp-infer program) posts a bonded claim and delivers; the requester's
// interval stays `verifying` until the window has passed, then the node settles it (paid, requester
// called back). A lying node (one logit off) is challenged by the watcher, which re-executes the
// request through the coprocessor claim source and wins the game: the requester is refunded.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { readOnnx } from "@noosphere/ml";
import {
  coprocessorCoordinatorAbi,
  getInferenceRequest,
  modelLayout,
  optimisticVerifierAbi,
  setOptimisticModel,
  waitForInferenceResult,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import { type Address, parseEther, sha256, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Common, createCommon } from "../common.js";
import { runFixed } from "../verify/fixedJob.js";
import { coprocessorSource } from "../verify/sources/coprocessor.js";
import { createWatcher } from "../verify/watcher.js";
import { createCoprocessorNode } from "./node.js";
import {
  encodeWeights,
  mlpWeightsFromOnnx,
  type OptimisticWeights,
  optimisticProgramOf,
  outputOf,
  programOfWeights,
} from "./optimistic.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const onnxPath = path.resolve(here, "../../../../examples/digits/mlp.onnx");
const csvPath = path.resolve(here, "../../../../examples/digits/train.csv");
const FEE = parseEther("1");

let net: TestDeployment;
let dir: string;
let modelId: bigint;
let weights: OptimisticWeights;
let coordinator: Address;
let rows: bigint[][];
const running: { common: Common; done: Promise<void> }[] = [];

async function startNode(account: number, name: string, corrupt: boolean) {
  const common = createCommon({ name, handleSignals: false, logLevel: "warn" });
  const c = net.deployment.contracts;
  const node = await createCoprocessorNode(common, {
    client: net.client(account),
    coordinator: c.coprocessor,
    modelRegistry: c.modelRegistry,
    staking: c.staking,
    token: c.token,
    startBlock: BigInt(net.deployment.startBlock),
    stake: 0n,
    models: [],
    serveAll: { fee: FEE },
    store: createStore({ kind: "local", dir: path.join(dir, "store") }),
    stateDir: path.join(dir, name),
    listen: { host: "127.0.0.1", port: 0 },
    pollIntervalMs: 200,
    corruptOutput: corrupt,
    optimisticWindowMargin: 5,
  });
  const entry = { common, done: node.done };
  running.push(entry);
  return entry;
}

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-coproc-opt-"));
  coordinator = net.deployment.contracts.coprocessor;
  // The model: registered by account 1 (an optimistic-only model: the registry's verifier slot
  // names a contract with code, never called in this mode), its Q16.16 weights published by CID.
  const onnx = await readFile(onnxPath);
  const owner = net.client(1);
  ({ modelId } = await owner.registerModelAndWait({
    onnxHash: sha256(onnx),
    settingsHash: sha256(toHex("optimistic mlp-infer (no zk settings)")),
    verifier: coordinator,
    layout: modelLayout({
      inputVisibility: "hashed",
      outputVisibility: "public",
      paramVisibility: "fixed",
      inputElements: 64,
      outputElements: 10,
    }),
    metadataURI: "",
  }));
  weights = mlpWeightsFromOnnx(await readOnnx(onnxPath));
  const store = createStore({ kind: "local", dir: path.join(dir, "store") });
  const { cid } = await store.add(encodeWeights(weights));
  await net.publicClient.waitForTransactionReceipt({
    hash: await setOptimisticModel(owner, {
      address: coordinator,
      modelId,
      program: programOfWeights(weights),
      weightsCid: cid,
    }),
  });
  await owner.approveAndWait({ spender: coordinator, amount: parseEther("100") });
  await owner.depositCoprocessorEscrowAndWait({
    account: owner.account.address,
    token: net.deployment.contracts.token,
    amount: parseEther("100"),
  });
  // Two digits images as Q16.16 (pixel / 16, the scale the model was trained at).
  const lines = (await readFile(csvPath, "utf8")).trim().split("\n").slice(1, 3);
  rows = lines.map((l) =>
    l
      .split(",")
      .slice(0, 64)
      .map((v) => BigInt(Math.round(Number(v) * 4096))),
  );
}, 120_000);

afterAll(async () => {
  for (const r of running) r.common.shutdown();
  await Promise.all(running.map((r) => r.done.catch(() => {})));
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function request(values: bigint[]) {
  const owner = net.client(1);
  const { requestId } = await owner.requestInferenceAndWait({
    modelId,
    input: { values },
    verification: "optimistic",
    token: net.deployment.contracts.token,
    feeCap: parseEther("2"),
    callbackGasLimit: 0,
  });
  return requestId;
}

async function waitStatus(requestId: bigint, status: string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await getInferenceRequest(net.publicClient, { address: coordinator, requestId });
    if (r.status === status) return r;
    if (Date.now() > end)
      throw new Error(`request ${requestId}: status ${r.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("coprocessor optimistic mode", () => {
  it("an honest node's delivery waits for the window, then pays the node and settles", async () => {
    const node = await startNode(3, "honest", false);
    const watcherCommon = createCommon({ name: "watcher", handleSignals: false, logLevel: "warn" });
    const c = net.deployment.contracts as typeof net.deployment.contracts & {
      optimisticVerifier: Address;
      stepReferee: Address;
    };
    const store = createStore({ kind: "local", dir: path.join(dir, "store") });
    const watcher = await createWatcher(watcherCommon, {
      client: net.client(2),
      contracts: {
        verifier: c.optimisticVerifier,
        referee: c.stepReferee,
        market: c.market,
        token: c.token,
        registry: c.registry,
      },
      store,
      stateDir: path.join(dir, "watcher"),
      startBlock: BigInt(net.deployment.startBlock),
      bond: parseEther("1"),
      sources: [
        coprocessorSource({
          client: net.client(2),
          coordinator,
          fromBlock: BigInt(net.deployment.startBlock),
          fetchContent: (cid) => store.get(cid),
        }),
      ],
      pollIntervalMs: 200,
    });
    running.push({ common: watcherCommon, done: watcher.done });

    const started = Date.now();
    const requestId = await request(rows[0] as bigint[]);
    const verifying = await waitStatus(requestId, "verifying");
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
    // Settled only after the window (the node calls settleOptimistic once it has passed).
    const done = await waitForInferenceResult(net.publicClient, {
      address: coordinator,
      requestId,
      timeoutMs: 40_000,
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
      args: [net.client(3).account.address, net.deployment.contracts.token],
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
    await startNode(4, "liar", true);
    const requestId = await request(rows[1] as bigint[]);
    await waitStatus(requestId, "verifying");
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
      address: net.deployment.contracts.optimisticVerifier as Address,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [claimId],
    });
    expect(claim.status).toBe(3); // Rejected
    const escrow = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "escrowOf",
      args: [net.client(1).account.address, net.deployment.contracts.token],
    });
    expect(escrow[1]).toBe(0n); // nothing locked: refunded
    const liarEarned = await net.publicClient.readContract({
      address: coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "earningsOf",
      args: [net.client(4).account.address, net.deployment.contracts.token],
    });
    expect(liarEarned).toBe(0n);
  }, 60_000);
});
