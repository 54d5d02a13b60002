// The optimistic coprocessor on a test deployment, as both `noos demo coprocessor-optimistic`
// (packages/cli/src/demos) and the e2e test (optimistic.test.ts beside this file) run it: the
// digits MLP registered by account 1 as a Q16.16 mlp-infer program (weights by CID) with 100 NOOS
// of request escrow, two digits images as Q16.16 inputs, and starters for coprocessor nodes
// (honest or lying) and the watcher (re-executing through the coprocessor claim source).
// The caller owns the deployment (`startTestDeployment`) and calls `stop()` for the daemons.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestDeployment } from "@noosphere/devnet";
import { readOnnx } from "@noosphere/ml";
import {
  getInferenceRequest,
  type InferenceRequest,
  modelLayout,
  setOptimisticModel,
} from "@noosphere/sdk";
import { type ContentStore, createStore } from "@noosphere/storage";
import { type Address, parseEther, sha256, toHex } from "viem";
import { type Common, createCommon } from "../common.js";
import { coprocessorSource } from "../verify/sources/coprocessor.js";
import { createWatcher, type Watcher } from "../verify/watcher.js";
import { createCoprocessorNode } from "./node.js";
import {
  encodeWeights,
  mlpWeightsFromOnnx,
  type OptimisticWeights,
  programOfWeights,
} from "./optimistic.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const digits = path.resolve(here, "../../../../examples/digits");

/** Each node's fee per delivery (serveAll). */
export const OPTIMISTIC_SETUP_FEE = parseEther("1");

type Daemon = { common: Common; done: Promise<void> };

export type OptimisticSetup = {
  coordinator: Address;
  contracts: TestDeployment["deployment"]["contracts"] & {
    optimisticVerifier: Address;
    stepReferee: Address;
  };
  store: ContentStore;
  modelId: bigint;
  weights: OptimisticWeights;
  weightsCid: string;
  /** The setModel transaction. */
  setModelTx: `0x${string}`;
  /** Two digits images (train.csv rows 1-2) as Q16.16 inputs (pixel / 16). */
  rows: bigint[][];
  /** A coprocessor node of dev account `account` serving every model; `corrupt`: one logit off. */
  startNode: (account: number, name: string, corrupt: boolean) => Promise<Daemon>;
  /** The watcher (dev account 2, 1 NOOS bond) over coprocessor claims. */
  startWatcher: () => Promise<Watcher & Daemon>;
  /** An optimistic request by account 1 (fee cap 2 NOOS, no callback). */
  request: (values: bigint[]) => Promise<{ requestId: bigint; gas: bigint }>;
  /** Polls the request until its interval has `status`; throws after `timeoutMs` (default 30 s). */
  waitStatus: (requestId: bigint, status: string, timeoutMs?: number) => Promise<InferenceRequest>;
  /** Shuts the started daemons down and waits for them. */
  stop: () => Promise<void>;
};

export async function setupOptimisticCoprocessor(
  net: TestDeployment,
  options: { dir: string; logLevel?: string },
): Promise<OptimisticSetup> {
  const { dir } = options;
  const logLevel = options.logLevel ?? "warn";
  const contracts = net.deployment.contracts as OptimisticSetup["contracts"];
  const coordinator = contracts.coprocessor;
  const startBlock = BigInt(net.deployment.startBlock);
  const store = createStore({ kind: "local", dir: path.join(dir, "store") });
  const running: Daemon[] = [];

  // The model (an optimistic-only model: the registry's verifier slot names a contract with code,
  // never called in this mode), its Q16.16 weights published by CID.
  const onnxPath = path.join(digits, "mlp.onnx");
  const owner = net.client(1);
  const { modelId } = await owner.registerModelAndWait({
    onnxHash: sha256(await readFile(onnxPath)),
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
  });
  const weights = mlpWeightsFromOnnx(await readOnnx(onnxPath));
  const { cid: weightsCid } = await store.add(encodeWeights(weights));
  const setModelTx = await setOptimisticModel(owner, {
    address: coordinator,
    modelId,
    program: programOfWeights(weights),
    weightsCid,
  });
  await net.publicClient.waitForTransactionReceipt({ hash: setModelTx });
  await owner.approveAndWait({ spender: coordinator, amount: parseEther("100") });
  await owner.depositCoprocessorEscrowAndWait({
    account: owner.account.address,
    token: contracts.token,
    amount: parseEther("100"),
  });
  const rows = (await readFile(path.join(digits, "train.csv"), "utf8"))
    .trim()
    .split("\n")
    .slice(1, 3)
    .map((l) =>
      l
        .split(",")
        .slice(0, 64)
        .map((v) => BigInt(Math.round(Number(v) * 4096))),
    );

  return {
    coordinator,
    contracts,
    store,
    modelId,
    weights,
    weightsCid,
    setModelTx,
    rows,
    async startNode(account, name, corrupt) {
      const common = createCommon({ name, handleSignals: false, logLevel });
      const node = await createCoprocessorNode(common, {
        client: net.client(account),
        coordinator,
        modelRegistry: contracts.modelRegistry,
        staking: contracts.staking,
        token: contracts.token,
        startBlock,
        stake: 0n,
        models: [],
        serveAll: { fee: OPTIMISTIC_SETUP_FEE },
        store,
        stateDir: path.join(dir, name),
        listen: { host: "127.0.0.1", port: 0 },
        pollIntervalMs: 200,
        corruptOutput: corrupt,
        optimisticWindowMargin: 5,
      });
      const entry = { common, done: node.done };
      running.push(entry);
      return entry;
    },
    async startWatcher() {
      const common = createCommon({ name: "watcher", handleSignals: false, logLevel });
      const watcher = await createWatcher(common, {
        client: net.client(2),
        contracts: {
          verifier: contracts.optimisticVerifier,
          referee: contracts.stepReferee,
          market: contracts.market,
          token: contracts.token,
          registry: contracts.registry,
        },
        store,
        stateDir: path.join(dir, "watcher"),
        startBlock,
        bond: parseEther("1"),
        sources: [
          coprocessorSource({
            client: net.client(2),
            coordinator,
            fromBlock: startBlock,
            fetchContent: (cid) => store.get(cid),
          }),
        ],
        pollIntervalMs: 200,
      });
      running.push({ common, done: watcher.done });
      return { ...watcher, common };
    },
    async request(values) {
      const r = await owner.requestInferenceAndWait({
        modelId,
        input: { values },
        verification: "optimistic",
        token: contracts.token,
        feeCap: parseEther("2"),
        callbackGasLimit: 0,
      });
      return { requestId: r.requestId, gas: r.receipt.gasUsed };
    },
    async waitStatus(requestId, status, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const r = await getInferenceRequest(net.publicClient, { address: coordinator, requestId });
        if (r.status === status) return r;
        if (Date.now() > end)
          throw new Error(`request ${requestId}: status ${r.status}, not ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      for (const r of running) r.common.shutdown();
      await Promise.all(running.map((r) => r.done.catch(() => {})));
    },
  };
}
