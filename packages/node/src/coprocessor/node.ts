// The coprocessor node (Ritual Infernet's infernet-node, protocols.md §2.6): stakes in the
// coordinator's node role, sets its fee for each model it serves, follows RequestCreated from a
// persisted cursor, computes each due interval (onnxruntime for none/redundant, a warm Groth16
// prover for zk), and delivers with retries through the client's nonce manager. Deliveries are
// recorded before and after they are sent, and the coordinator refuses a node's second delivery,
// so a restart never delivers twice. GET /status shows the models, fees, requests and metrics.
import path from "node:path";
import {
  coprocessorCoordinatorAbi as abi,
  BaseError,
  COPROCESSOR_ROLE,
  type DecodedEvent,
  decodeContractError,
  deliverInference,
  encodeCoprocessorProof,
  getStake,
  groth16ProofToCalldata,
  type NoosphereClient,
} from "@noosphere/sdk";
import type { ArtifactStore } from "@noosphere/zk";
import type { Address, Hex } from "viem";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { retryTransaction, serveStatus } from "../daemon.js";
import { follow } from "../follower.js";
import { deploymentKeyOf, openDeploymentState } from "../state.js";
import { fieldInputHash, parseInputContent, poseidonInputHash, quantizeInput } from "./inputs.js";
import { loadServedModel, type ServedModel } from "./models.js";
import { createOptimisticNode } from "./optimistic.js";

export const COPROCESSOR_NODE_VERSION = "0.1.0";
/** How long a delivery the requester's side blocks (short escrow) waits before another try. */
const WAIT_RETRY_MS = 5_000;
export const VERIFICATION_NAMES = ["none", "redundant", "zk", "optimistic"] as const;
export type VerificationName = (typeof VERIFICATION_NAMES)[number];

/** A committed request, as RequestCreated carries it (and `deliver` takes it back). */
export type CoprocessorRequest = {
  id: bigint;
  owner: Address;
  modelId: bigint;
  inputHash: Hex;
  verification: number;
  redundancy: number;
  paymentToken: Address;
  feeCap: bigint;
  callbackGasLimit: number;
  activeAt: bigint;
  period: number;
  frequency: number;
  timeout: number;
};
export type CoprocessorInput = { values: readonly bigint[]; hash: Hex; cid: string };

export type ModelService = {
  modelId: bigint;
  /** Fee per delivery in the token, wei. */
  fee: bigint;
};

export type CoprocessorNodeConfig = {
  client: NoosphereClient;
  coordinator: Address;
  modelRegistry: Address;
  staking: Address;
  /** The payment token the node's fees are set in. */
  token: Address;
  startBlock: bigint;
  /** Stake to hold in the coprocessor role (topped up to the coordinator's minimum). */
  stake: bigint;
  /** Models served at start; with `serveAll`, any registered model is served on first request. */
  models: ModelService[];
  serveAll: { fee: bigint } | undefined;
  store: ArtifactStore;
  stateDir: string;
  listen: { host: string; port: number };
  pollIntervalMs: number;
  /** Prove with one thread (less memory). */
  singleThread?: boolean | undefined;
  /**
   * Testing only: deliver a wrong output (first element + 1), to show redundancy catches it; in
   * optimistic mode the node's run lies in that logit and its claim says so (a watcher catches it).
   */
  corruptOutput?: boolean | undefined;
  /** Optimistic: seconds of challenge window beyond the coordinator's minimum. Default 30. */
  optimisticWindowMargin?: number | undefined;
};

type Delivery = {
  /** `waiting`: the requester's side is not ready (escrow short, interval not open yet): retried. */
  state: "computing" | "sending" | "waiting" | "delivered" | "declined" | "failed";
  /** When a waiting delivery is tried again (ms since epoch). */
  retryAt?: number;
  at: string;
  output?: string[];
  txHash?: Hex;
  reason?: string;
  attempts?: number;
  computeMs?: number;
  proveMs?: number;
};
type TrackedRequest = {
  request: CoprocessorRequest;
  input: { values: string[]; hash: Hex; cid: string };
  /** Highest interval known settled (delivered by anyone, disputed or refunded). */
  settled: number[];
  canceledAfter?: number;
  done?: boolean;
};
type NodeState = {
  cursor?: bigint;
  requests: Record<string, TrackedRequest>;
  deliveries: Record<string, Delivery>;
};

export type CoprocessorNode = {
  done: Promise<void>;
  statusUrl: string;
};

const key = (id: bigint, interval: number) => `${id}:${interval}`;

export async function createCoprocessorNode(
  common: Common,
  config: CoprocessorNodeConfig,
): Promise<CoprocessorNode> {
  const { client, logger } = { ...config, logger: common.logger };
  const me = client.account.address;
  const state = await openDeploymentState<NodeState>({
    file: path.join(config.stateDir, "coprocessor.json"),
    deployment: await deploymentKeyOf(client, config.coordinator),
    initial: () => ({ requests: {}, deliveries: {} }),
    onReset: (message, details) => logger.warn(details, message),
  });
  const coordinator = { address: config.coordinator, abi } as const;

  await ensureStaked(common, config);
  // Optimistic mode (when the coordinator has a verifier): claims, their defence and settlement.
  const optimistic = await createOptimisticNode(common, {
    client,
    coordinator: config.coordinator,
    startBlock: config.startBlock,
    stateDir: config.stateDir,
    fetchContent: (cid) => config.store.get(cid, { signal: common.signal }),
    pollIntervalMs: config.pollIntervalMs,
    windowMargin: config.optimisticWindowMargin,
    fault: config.corruptOutput
      ? { lie: { transition: 0, op: 2, element: 0, delta: 65536 } }
      : undefined,
  });
  const optimisticLoop = optimistic?.agent.run() ?? Promise.resolve();

  // Models: loaded (artifacts fetched and checked) once, then kept warm.
  const served = new Map<string, Promise<ServedModel>>();
  const fees = new Map<string, bigint>(config.models.map((m) => [m.modelId.toString(), m.fee]));
  const feeSet = new Set<string>();
  const modelLoadErrors = new Map<string, string>();
  const modelOf = (modelId: bigint) => {
    const id = modelId.toString();
    let m = served.get(id);
    if (!m) {
      m = loadServedModel({
        client,
        modelRegistry: config.modelRegistry,
        store: config.store,
        modelId,
        signal: common.signal,
        singleThread: config.singleThread,
      });
      served.set(id, m);
      m.then(
        (model) =>
          logger.info(
            { modelId: id, constraints: model.manifest.constraints },
            "model artifacts fetched and checked",
          ),
        (err: unknown) => {
          served.delete(id);
          modelLoadErrors.set(id, String(err));
        },
      );
    }
    return m;
  };
  /** Sets the node's fee for a model if it is not set to the configured value yet. */
  async function ensureFee(modelId: bigint): Promise<boolean> {
    const id = modelId.toString();
    if (feeSet.has(id)) return true;
    const fee = fees.get(id) ?? config.serveAll?.fee;
    if (fee === undefined) return false;
    const current = await client.readContract({
      ...coordinator,
      functionName: "nodeFee",
      args: [me, modelId, config.token],
    });
    if (!current.serves || current.fee !== fee) {
      await retry(async () => {
        const hash = await client.writeContract({
          ...coordinator,
          functionName: "setNodeFee",
          args: [modelId, config.token, true, fee],
        });
        await client.waitForTransactionReceipt({ hash });
      }, common.signal);
      logger.info({ modelId: id, fee }, "set node fee");
    }
    fees.set(id, fee);
    feeSet.add(id);
    return true;
  }
  for (const m of config.models) {
    await modelOf(m.modelId).catch((err: unknown) =>
      logger.error({ modelId: m.modelId, err: String(err) }, "could not load a configured model"),
    );
    await ensureFee(m.modelId);
  }

  // ---- following the coordinator ----
  async function onEvent(event: DecodedEvent) {
    const args = event.args as Record<string, unknown>;
    switch (event.eventName) {
      case "RequestCreated": {
        const r = args.request as CoprocessorRequest;
        const input = args.input as { values: readonly bigint[]; hash: Hex; cid: string };
        const id = r.id.toString();
        await state.update((s) => {
          if (s.requests[id]) return s;
          s.requests[id] = {
            request: r,
            input: { values: input.values.map(String), hash: input.hash, cid: input.cid },
            settled: [],
          };
          return s;
        });
        count(common, "requestsSeen");
        kick();
        break;
      }
      case "RequestFulfilled":
      case "RequestDisputed":
      case "RequestRefunded": {
        const id = String(args.requestId);
        const interval = Number(args.interval);
        await state.update((s) => {
          const t = s.requests[id];
          if (t && !t.settled.includes(interval)) t.settled.push(interval);
          return s;
        });
        break;
      }
      case "SubscriptionCanceled": {
        const id = String(args.requestId);
        await state.update((s) => {
          const t = s.requests[id];
          if (t) t.canceledAfter = Number(args.lastInterval);
          return s;
        });
        break;
      }
    }
  }

  // ---- processing due intervals ----
  let wake: (() => void) | undefined;
  const kick = () => wake?.();
  const processing = new Set<string>();

  async function chainNow(): Promise<bigint> {
    // The pending block: the time a delivery sent now runs at (a devnet only mines on demand).
    return (await client.getBlock({ blockTag: "pending" })).timestamp;
  }

  /** The interval due now, its deadline, or null when the request is over for this node. */
  function due(
    t: TrackedRequest,
    now: bigint,
  ): { interval: number; deadline: bigint } | "wait" | null {
    const r = t.request;
    if (now < r.activeAt) return "wait";
    const interval = r.period === 0 ? 1 : Number((now - r.activeAt) / BigInt(r.period)) + 1;
    const last = Math.min(r.frequency, t.canceledAfter ?? r.frequency);
    if (interval > last) return null;
    const deadline = r.activeAt + BigInt((interval - 1) * r.period) + BigInt(r.timeout);
    return { interval, deadline };
  }

  async function processAll() {
    const s = await state.read();
    const open = Object.values(s.requests).filter((t) => !t.done);
    if (open.length === 0) return;
    const now = await chainNow();
    for (const t of open) {
      if (common.signal.aborted) return;
      const d = due(t, now);
      if (d === "wait") continue;
      if (d === null) {
        await state.update((x) => {
          const cur = x.requests[t.request.id.toString()];
          if (cur) cur.done = true;
          return x;
        });
        continue;
      }
      const k = key(t.request.id, d.interval);
      const mine = s.deliveries[k];
      if (mine?.state === "waiting" && (mine.retryAt ?? 0) > Date.now()) continue;
      if (mine && !["computing", "sending", "waiting"].includes(mine.state)) continue;
      if (t.settled.includes(d.interval)) continue;
      if (now > d.deadline) continue;
      if (processing.has(k)) continue;
      processing.add(k);
      try {
        await processInterval(t, d.interval);
      } finally {
        processing.delete(k);
      }
    }
  }

  async function record(k: string, d: Partial<Delivery> & Pick<Delivery, "state">) {
    await state.update((s) => {
      s.deliveries[k] = { ...s.deliveries[k], ...d, at: new Date().toISOString() };
      return s;
    });
  }

  async function processInterval(t: TrackedRequest, interval: number) {
    const r = t.request;
    const k = key(r.id, interval);
    const verification = VERIFICATION_NAMES[r.verification] ?? "none";
    const onChain = await client.readContract({
      ...coordinator,
      functionName: "getInterval",
      args: [r.id, interval],
    });
    // Pending (or not opened): deliverable. Anything else is settled.
    if (onChain.status > 1) {
      await state.update((s) => {
        const cur = s.requests[r.id.toString()];
        if (cur && !cur.settled.includes(interval)) cur.settled.push(interval);
        return s;
      });
      return;
    }
    const decline = async (reason: string) => {
      logger.warn({ requestId: r.id, interval, reason }, "declined a request");
      count(common, "declined");
      await record(k, { state: "declined", reason });
    };
    if (!fees.has(r.modelId.toString()) && !config.serveAll)
      return decline(`model ${r.modelId} is not served by this node`);
    if (verification === "optimistic") {
      if (!optimistic) return decline("the coordinator has no optimistic verifier");
      if (t.input.values.length === 0) return decline("an optimistic request needs inline input");
      return processOptimistic(t, interval, optimistic);
    }
    if (t.input.cid === "" && t.input.values.length === 0)
      return decline("the request has no input");
    let model: ServedModel;
    try {
      model = await modelOf(r.modelId);
      await ensureFee(r.modelId);
    } catch (err) {
      return decline(`model ${r.modelId} could not be served: ${String(err)}`);
    }
    let input = t.input.values.map((v) => BigInt(v));
    if (input.length === 0) {
      // A CID input: fetched from the content store, quantized at the model's input scale, and
      // checked against the request's hash below (see inputs.ts for which hash).
      let bytes: Uint8Array;
      try {
        bytes = await config.store.get(t.input.cid, { signal: common.signal });
      } catch (err) {
        if (common.signal.aborted) return;
        // Not (yet) available here: try again later rather than give the request up.
        logger.warn({ requestId: r.id, cid: t.input.cid, err: String(err) }, "input not fetched");
        await record(k, {
          state: "waiting",
          reason: `input ${t.input.cid} not fetched: ${String(err)}`,
          retryAt: Date.now() + WAIT_RETRY_MS,
        });
        return;
      }
      try {
        input = quantizeInput(
          parseInputContent(bytes),
          model.manifest.inputs,
          model.manifest.input_scale,
        );
      } catch (err) {
        return decline(`input ${t.input.cid}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (verification !== "zk") {
        // The Poseidon commitment packs 32-bit inputs: a wider input has only the keccak hash.
        const accepted = [fieldInputHash(input)];
        try {
          accepted.push(poseidonInputHash(input));
        } catch {}
        if (!accepted.includes(r.inputHash)) {
          return decline(
            `input ${t.input.cid} hashes to ${accepted[0]} (keccak) / ${accepted[1]} (Poseidon), not the request's ${r.inputHash}`,
          );
        }
      }
      count(common, "cidInputs");
    }
    const previous = (await state.read()).deliveries[k];
    let output: bigint[];
    let proof: Hex = "0x";
    await record(k, { state: "computing" });
    const computeStart = performance.now();
    let proveMs: number | undefined;
    try {
      if (verification === "zk") {
        // The request must name the hash the proof will state (a node never proves for another
        // input): Poseidon for a hashed-input circuit, keccak of the field words for a public one
        // (computed on chain for an inline input; a CID input carries it).
        const hashed = model.registry.layout.inputVisibility === "hashed";
        const expected = hashed ? poseidonInputHash(input) : fieldInputHash(input);
        if (expected !== r.inputHash) {
          return decline(
            `input hash ${r.inputHash} is not the input's ${hashed ? "Poseidon" : "field keccak"} hash ${expected}`,
          );
        }
        const proved = await model.prove(input);
        proveMs = Math.round(proved.proveSeconds * 1000);
        if (!proved.verified) throw new BaseError("The proof did not verify off chain.");
        output = proved.outputs;
        proof = encodeCoprocessorProof(
          groth16ProofToCalldata(proved.proof),
          proved.publicSignals.map((x) => BigInt(x)),
        );
      } else {
        output = await model.compute(input);
      }
    } catch (err) {
      if (common.signal.aborted) return;
      count(common, "computeFailed");
      logger.error({ requestId: r.id, interval, err: String(err) }, "compute failed");
      await record(k, { state: "failed", reason: String(err) });
      return;
    }
    if (config.corruptOutput && output.length > 0) {
      output = [(output[0] as bigint) + 1n, ...output.slice(1)];
    }
    const computeMs = Math.round(performance.now() - computeStart);
    await record(k, {
      state: "sending",
      output: output.map(String),
      computeMs,
      ...(proveMs !== undefined ? { proveMs } : {}),
      attempts: (previous?.attempts ?? 0) + 1,
    });
    try {
      const hash = await retry(async () => {
        // Simulated on the pending block first (SDK): a protocol error (settled, already
        // delivered, deadline) is not retried; gas gets headroom for the consumer's callback.
        const sent = await deliverInference(client, {
          address: config.coordinator,
          request: r,
          interval,
          output: { values: output },
          proof,
        });
        const receipt = await client.waitForTransactionReceipt({ hash: sent });
        if (receipt.status !== "success") throw new Error(`deliver reverted (${sent})`);
        return sent;
      }, common.signal);
      await record(k, { state: "delivered", txHash: hash });
      count(common, "delivered");
      logger.info(
        { requestId: r.id, interval, verification, txHash: hash, computeMs, proveMs },
        "delivered",
      );
    } catch (err) {
      if (common.signal.aborted) return;
      const decoded = decodeContractError(err, abi);
      const name = decoded.name;
      if (name === "CoprocessorNodeAlreadyDelivered" || name === "CoprocessorAlreadySettled") {
        // Sent before a restart (the chain has it), or others settled the interval first.
        const mine = await client.getContractEvents({
          ...coordinator,
          eventName: "OutputDelivered",
          args: { requestId: r.id, interval, node: me },
          fromBlock: config.startBlock,
        });
        await record(
          k,
          mine[0]
            ? { state: "delivered", txHash: mine[0].transactionHash, reason: "found on chain" }
            : { state: "declined", reason: "settled before this node delivered" },
        );
        return;
      }
      if (name === "CoprocessorInsufficientEscrow" || name === "CoprocessorIntervalNotActive") {
        // Up to the requester (top up the escrow) or to time: try again in a few seconds.
        count(common, "deliverWaiting");
        logger.warn({ requestId: r.id, interval, name }, "cannot deliver yet; will retry");
        await record(k, {
          state: "waiting",
          reason: `${name}: ${decoded.shortMessage}`,
          retryAt: Date.now() + WAIT_RETRY_MS,
        });
        return;
      }
      count(common, "deliverFailed");
      logger.error(
        { requestId: r.id, interval, err: decoded.shortMessage ?? String(err), name },
        "delivery failed",
      );
      await record(k, { state: "failed", reason: `${name}: ${decoded.shortMessage}` });
    }
  }

  /** Optimistic: claim, deliver with the claim id; settlement after the window is the agent's. */
  async function processOptimistic(
    t: TrackedRequest,
    interval: number,
    opt: NonNullable<typeof optimistic>,
  ) {
    const r = t.request;
    const k = key(r.id, interval);
    const previous = (await state.read()).deliveries[k];
    try {
      await ensureFee(r.modelId);
    } catch (err) {
      await record(k, { state: "declined", reason: `fee not set: ${String(err)}` });
      return;
    }
    await record(k, { state: "computing" });
    const computeStart = performance.now();
    let claimed: Awaited<ReturnType<typeof opt.claim>>;
    try {
      claimed = await opt.claim(r, interval, t.input.values);
    } catch (err) {
      if (common.signal.aborted) return;
      count(common, "computeFailed");
      logger.error({ requestId: r.id, interval, err: String(err) }, "optimistic claim failed");
      await record(k, { state: "failed", reason: String(err) });
      return;
    }
    const computeMs = Math.round(performance.now() - computeStart);
    await record(k, {
      state: "sending",
      output: claimed.output.map(String),
      computeMs,
      reason: `claim ${claimed.claimId}`,
      attempts: (previous?.attempts ?? 0) + 1,
    });
    try {
      const hash = await retry(async () => {
        const sent = await deliverInference(client, {
          address: config.coordinator,
          request: r,
          interval,
          output: { values: claimed.output },
          proof: claimed.proof,
        });
        const receipt = await client.waitForTransactionReceipt({ hash: sent });
        if (receipt.status !== "success") throw new Error(`deliver reverted (${sent})`);
        return sent;
      }, common.signal);
      await record(k, { state: "delivered", txHash: hash, reason: `claim ${claimed.claimId}` });
      count(common, "delivered");
      logger.info(
        { requestId: r.id, interval, claimId: claimed.claimId, txHash: hash, computeMs },
        "delivered with an optimistic claim (callback after the window)",
      );
    } catch (err) {
      if (common.signal.aborted) return;
      const decoded = decodeContractError(err, abi);
      if (decoded.name === "CoprocessorAlreadySettled") {
        await record(k, { state: "delivered", reason: "found on chain" });
        return;
      }
      count(common, "deliverFailed");
      logger.error(
        { requestId: r.id, interval, err: decoded.shortMessage ?? String(err) },
        "delivery failed",
      );
      await record(k, { state: "failed", reason: `${decoded.name}: ${decoded.shortMessage}` });
    }
  }

  const loop = (async () => {
    while (!common.signal.aborted) {
      try {
        await processAll();
      } catch (err) {
        if (!common.signal.aborted) logger.warn({ err: String(err) }, "processing error");
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, config.pollIntervalMs);
        wake = done;
        common.signal.addEventListener("abort", done, { once: true });
        function done() {
          clearTimeout(timer);
          common.signal.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        }
      });
    }
  })();

  const server = await serveStatus(config.listen, async () => {
    const s = await state.read();
    const models = await Promise.all(
      [...served.entries()].map(async ([id, m]) => {
        const model = await m.catch(() => undefined);
        return {
          modelId: id,
          fee: fees.get(id) ?? config.serveAll?.fee,
          feeSet: feeSet.has(id),
          loaded: model !== undefined,
          ...(model
            ? {
                inputScale: model.manifest.input_scale,
                outputScales: model.manifest.output_scales,
                constraints: model.manifest.constraints,
              }
            : {}),
        };
      }),
    );
    return {
      version: COPROCESSOR_NODE_VERSION,
      address: me,
      coordinator: config.coordinator,
      token: config.token,
      serveAll: config.serveAll !== undefined,
      models,
      modelErrors: Object.fromEntries(modelLoadErrors),
      chainCursor: s.cursor,
      requests: Object.keys(s.requests).length,
      open: Object.values(s.requests).filter((t) => !t.done).length,
      deliveries: s.deliveries,
      metrics: Object.fromEntries(common.metrics),
    };
  });
  const address = server.address();
  const statusUrl =
    typeof address === "object" && address
      ? `http://${config.listen.host}:${address.port}/status`
      : "";
  logger.info({ statusUrl, address: me }, "coprocessor node ready");

  const followLoop = follow(common, {
    client,
    address: config.coordinator,
    abi,
    fromBlock: config.startBlock,
    loadCursor: async () => (await state.read()).cursor,
    saveCursor: async (block) => {
      await state.update((s) => ({ ...s, cursor: block }));
    },
    onEvent,
    pollIntervalMs: config.pollIntervalMs,
  });

  const done = (async () => {
    await Promise.all([followLoop, loop, optimisticLoop]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info("coprocessor node stopped");
  })();
  return { done, statusUrl };
}

/** Stakes in the coprocessor role up to max(configured stake, the coordinator's minimum). */
async function ensureStaked(common: Common, config: CoprocessorNodeConfig) {
  const { client } = config;
  const minimum = await client.readContract({
    address: config.coordinator,
    abi,
    functionName: "minNodeStake",
  });
  const target = config.stake > minimum ? config.stake : minimum;
  const { staked } = await getStake(client, {
    address: config.staking,
    account: client.account.address,
    role: COPROCESSOR_ROLE,
  });
  if (staked < target) {
    const topUp = target - staked;
    await client.approveAndWait({ spender: config.staking, amount: topUp });
    await client.stakeAndWait({ role: COPROCESSOR_ROLE, amount: topUp });
    common.logger.info({ staked: target }, "staked as coprocessor node");
  }
}

/** The coordinator's own errors (`Coprocessor…`) are final: resending would fail the same way. */
function retry<T>(send: () => Promise<T>, signal: AbortSignal): Promise<T> {
  return retryTransaction(send, {
    signal,
    isFinal: (err) => decodeContractError(err, abi).name.startsWith("Coprocessor"),
  });
}
