// The coprocessor's optimistic mode (issue 11): the callback waits for the challenge window. A model
// is served optimistically as a kind-2 mlp-infer program (ARITHMETIC.md in @noosphere/ml): its owner
// publishes the Q16.16 weights (JSON { nIn, nHidden, nOut, w1, b1, w2, b2 }) and registers their
// roots with the coordinator (setOptimisticModel, event OptimisticModelSet with the weights CID).
// For a request the node runs the program on the inline input, posts a bonded standalone claim in
// the OptimisticVerifier (resultHash = the coordinator's ticket of the interval), delivers with the
// claim id, defends the claim in any game (the verify agent, as the asserter), and after the window
// calls settleOptimistic (the coordinator finalizes the claim, pays the node and calls the
// requester back; a rejected claim refunds the requester). The watcher's claim source
// (verify/sources/coprocessor.ts) uses the same helpers to re-execute a delivery.
import path from "node:path";
import {
  componentsAt,
  encodeSpec,
  type FixedInferInput,
  type MlpInferSpec,
  mlpInferProgram,
  type OnnxModel,
  type ProgramRun,
  tensorRoot,
  toQ,
} from "@noosphere/ml";
import {
  coprocessorCoordinatorAbi,
  noosTokenAbi,
  optimisticVerifierAbi,
  settleOptimisticInferenceAndWait,
} from "@noosphere/sdk";
import { type Address, encodeAbiParameters, type Hex, keccak256, parseEventLogs } from "viem";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { type Agent, createAgent, refereeAbi } from "../verify/agent.js";
import { programViewOf, runFixed } from "../verify/fixedJob.js";
import {
  CLAIM_STATUSES,
  type MoveRecord,
  type PlayerClient,
  sendVerifier,
} from "../verify/player.js";
import type { ProgramFault } from "../verify/program.js";
import type { CoprocessorRequest } from "./node.js";

/** An MLP's Q16.16 weights in the mlp-infer layout (W1 [nHidden][nIn], W2 [nOut][nHidden]). */
export type OptimisticWeights = {
  nIn: number;
  nHidden: number;
  nOut: number;
  w1: Int32Array;
  b1: Int32Array;
  w2: Int32Array;
  b2: Int32Array;
};

/** The coordinator's OptimisticModel struct (dims and R10 roots). */
export type OptimisticProgram = {
  nIn: number;
  nHidden: number;
  nOut: number;
  w1Root: Hex;
  b1Root: Hex;
  w2Root: Hex;
  b2Root: Hex;
};

/** Gemm -> Relu -> Gemm (transB = 1, PyTorch's Linear) as Q16.16 weights. */
export function mlpWeightsFromOnnx(model: OnnxModel): OptimisticWeights {
  const gemms = model.graph.nodes.filter((n) => n.opType === "Gemm");
  const relu = model.graph.nodes.some((n) => n.opType === "Relu");
  if (gemms.length !== 2 || !relu) {
    throw new TypeError("optimistic: the model must be Gemm -> Relu -> Gemm (an MLP)");
  }
  const init = (name: string | undefined) => {
    const t = model.graph.initializers.find((i) => i.name === name);
    if (!t) throw new TypeError(`optimistic: the model has no initializer "${name}"`);
    return { dims: t.dims.map(Number), q: Int32Array.from(t.data as ArrayLike<number>, toQ) };
  };
  for (const g of gemms) {
    const a = g.attributes.transB;
    if (a?.type !== "int" || Number(a.value) !== 1) {
      throw new TypeError("optimistic: each Gemm must have transB = 1 ([out][in] weights)");
    }
  }
  const [g1, g2] = gemms as [(typeof gemms)[0], (typeof gemms)[0]];
  const w1 = init(g1.inputs[1]);
  const w2 = init(g2.inputs[1]);
  const [nHidden, nIn] = w1.dims as [number, number];
  const [nOut] = w2.dims as [number];
  return {
    nIn,
    nHidden,
    nOut,
    w1: w1.q,
    b1: init(g1.inputs[2]).q,
    w2: w2.q,
    b2: init(g2.inputs[2]).q,
  };
}

export function programOfWeights(w: OptimisticWeights): OptimisticProgram {
  return {
    nIn: w.nIn,
    nHidden: w.nHidden,
    nOut: w.nOut,
    w1Root: tensorRoot(w.w1),
    b1Root: tensorRoot(w.b1),
    w2Root: tensorRoot(w.w2),
    b2Root: tensorRoot(w.b2),
  };
}

/** The weights document published by CID (integers, so that it is exact). */
export function encodeWeights(w: OptimisticWeights): Uint8Array {
  const doc = {
    format: "noosphere-mlp-q16/1",
    nIn: w.nIn,
    nHidden: w.nHidden,
    nOut: w.nOut,
    w1: Array.from(w.w1),
    b1: Array.from(w.b1),
    w2: Array.from(w.w2),
    b2: Array.from(w.b2),
  };
  return new TextEncoder().encode(`${JSON.stringify(doc)}\n`);
}

export function decodeWeights(bytes: Uint8Array): OptimisticWeights {
  const d = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const arr = (k: string) => {
    const v = d[k];
    if (!Array.isArray(v)) throw new TypeError(`optimistic weights: ${k} is not an array`);
    return Int32Array.from(v as number[]);
  };
  return {
    nIn: Number(d.nIn),
    nHidden: Number(d.nHidden),
    nOut: Number(d.nOut),
    w1: arr("w1"),
    b1: arr("b1"),
    w2: arr("w2"),
    b2: arr("b2"),
  };
}

type ReadClient = Pick<PlayerClient, "readContract" | "getContractEvents">;

/**
 * A model's optimistic program as the coordinator registered it (the latest OptimisticModelSet) and
 * its weights fetched by CID, checked against the registered roots.
 */
export async function loadOptimisticModel(p: {
  client: ReadClient;
  coordinator: Address;
  modelId: bigint;
  fromBlock: bigint;
  fetchContent: (cid: string) => Promise<Uint8Array>;
}): Promise<{ program: OptimisticProgram; weights: OptimisticWeights; weightsCid: string }> {
  const events = await p.client.getContractEvents({
    address: p.coordinator,
    abi: coprocessorCoordinatorAbi,
    eventName: "OptimisticModelSet",
    args: { modelId: p.modelId },
    fromBlock: p.fromBlock,
  });
  const last = events.at(-1);
  if (!last) throw new Error(`model ${p.modelId} has no optimistic program (setOptimisticModel)`);
  const args = last.args as { model: OptimisticProgram; weightsCid: string };
  const weights = decodeWeights(await p.fetchContent(args.weightsCid));
  const program = programOfWeights(weights);
  const reg = args.model;
  const same =
    program.nIn === Number(reg.nIn) &&
    program.nHidden === Number(reg.nHidden) &&
    program.nOut === Number(reg.nOut) &&
    (["w1Root", "b1Root", "w2Root", "b2Root"] as const).every(
      (k) => program[k].toLowerCase() === reg[k].toLowerCase(),
    );
  if (!same) {
    throw new Error(
      `the weights at ${args.weightsCid} are not model ${p.modelId}'s registered optimistic program`,
    );
  }
  return { program, weights, weightsCid: args.weightsCid };
}

/** The mlp-infer program of the weights on inline Q16.16 input values (rows of nIn). */
export function optimisticProgramOf(
  w: OptimisticWeights,
  values: readonly (bigint | number | string)[],
): { spec: MlpInferSpec; data: FixedInferInput; specBytes: Hex; specHash: Hex } {
  const x = Int32Array.from(values, (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
      throw new RangeError(`optimistic input value ${v} is not an int32 (Q16.16)`);
    }
    return n;
  });
  const { spec, input } = mlpInferProgram([w.w1, w.b1, w.w2, w.b2], x, w);
  const specBytes = encodeSpec(spec);
  return { spec, data: input, specBytes, specHash: keccak256(specBytes) };
}

/** The program's output: the logits (the final state's only component), as the coordinator takes them. */
export function outputOf(run: ProgramRun): bigint[] {
  const [logits] = componentsAt(run, run.n);
  return Array.from(logits ?? [], (v) => BigInt(v));
}

/** What the node saves to defend and settle a claim after a restart. */
type SavedDelivery = {
  modelId: string;
  values: string[];
  request: Record<string, string | number>;
  interval: number;
  output?: string[];
  fault?: ProgramFault;
  settled?: "fulfilled" | "disputed";
  settleError?: string;
};

const toSaved = (r: CoprocessorRequest) =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? `${v}n` : v]),
  ) as Record<string, string | number>;
const fromSaved = (s: Record<string, string | number>) =>
  Object.fromEntries(
    Object.entries(s).map(([k, v]) => [
      k,
      typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
    ]),
  ) as unknown as CoprocessorRequest;

export type OptimisticNode = {
  agent: Agent;
  /**
   * Runs the program for the interval, posts (or finds) the claim, and returns the claim id, the
   * output and the `proof` bytes `deliver` takes (abi.encode(claimId)).
   */
  claim: (
    request: CoprocessorRequest,
    interval: number,
    values: readonly string[],
  ) => Promise<{ claimId: bigint; output: bigint[]; proof: Hex }>;
  moves: () => MoveRecord[];
};

/**
 * The node's optimistic side: the claim poster, the asserter agent that defends every claim of
 * this node, and the settlement of its deliveries once their claims are final or rejected.
 */
export async function createOptimisticNode(
  common: Common,
  config: {
    client: PlayerClient;
    coordinator: Address;
    startBlock: bigint;
    stateDir: string;
    fetchContent: (cid: string) => Promise<Uint8Array>;
    /** Seconds of challenge window beyond the coordinator's minimum (covers the delivery's latency). */
    windowMargin?: number | undefined;
    pollIntervalMs: number;
    /** Testing: the node's run carries this fault (a lying node, caught by a watcher). */
    fault?: ProgramFault | undefined;
  },
): Promise<OptimisticNode | undefined> {
  const { client, logger } = { ...config, logger: common.logger };
  const oc = await client.readContract({
    address: config.coordinator,
    abi: coprocessorCoordinatorAbi,
    functionName: "optimisticConfig",
  });
  if (/^0x0{40}$/i.test(oc.verifier)) return undefined;
  const verifier = oc.verifier;
  const [referee, token, vconfig] = await Promise.all([
    client.readContract({ address: verifier, abi: optimisticVerifierAbi, functionName: "referee" }),
    client.readContract({ address: verifier, abi: optimisticVerifierAbi, functionName: "token" }),
    client.readContract({ address: verifier, abi: optimisticVerifierAbi, functionName: "config" }),
  ]);
  const bond = oc.minBond > vconfig.minBond ? oc.minBond : vconfig.minBond;
  const minWindow =
    BigInt(oc.minWindow) > BigInt(vconfig.minWindow) ? BigInt(oc.minWindow) : vconfig.minWindow;
  const window = minWindow + BigInt(config.windowMargin ?? 30);
  const me = client.account.address.toLowerCase();
  const claimMoves: MoveRecord[] = [];
  const models = new Map<string, Promise<OptimisticWeights>>();
  const weightsOf = (modelId: bigint) => {
    let m = models.get(modelId.toString());
    if (!m) {
      m = loadOptimisticModel({
        client,
        coordinator: config.coordinator,
        modelId,
        fromBlock: config.startBlock,
        fetchContent: config.fetchContent,
      }).then((x) => x.weights);
      m.catch(() => models.delete(modelId.toString()));
      models.set(modelId.toString(), m);
    }
    return m;
  };
  async function runOf(saved: SavedDelivery) {
    const w = await weightsOf(BigInt(saved.modelId));
    const p = optimisticProgramOf(w, saved.values);
    return { ...p, run: runFixed(p.spec, p.data, saved.fault) };
  }

  async function settleDue() {
    const s = await agent.state.read();
    const t = await agent.now();
    for (const [claimId, c] of Object.entries(s.claims)) {
      const saved = c.run as SavedDelivery | undefined;
      if (!saved?.output || saved.settled || c.asserter.toLowerCase() !== me) continue;
      if (t < c.windowEnds) continue;
      const onChain = await client.readContract({
        address: verifier,
        abi: optimisticVerifierAbi,
        functionName: "getClaim",
        args: [BigInt(claimId)],
      });
      const status = CLAIM_STATUSES[onChain.status];
      if (status === "Open" && Number(onChain.openGames) > 0) continue;
      try {
        const r = await settleOptimisticInferenceAndWait(client, {
          address: config.coordinator,
          request: fromSaved(saved.request),
          interval: saved.interval,
          output: { values: saved.output.map((v) => BigInt(v)) },
        });
        count(common, r.outcome === "fulfilled" ? "optimisticSettled" : "optimisticRefunded");
        logger.info(
          { claimId, requestId: saved.request.id, outcome: r.outcome, txHash: r.hash },
          r.outcome === "fulfilled"
            ? "claim final: paid, requester called back"
            : "claim rejected: requester refunded",
        );
        await agent.state.update((st) => {
          const x = st.claims[claimId]?.run as SavedDelivery | undefined;
          if (x) x.settled = r.outcome;
          const cl = st.claims[claimId];
          if (cl) cl.status = r.outcome === "fulfilled" ? "finalized" : "rejected";
          return st;
        });
      } catch (err) {
        const interval = await client.readContract({
          address: config.coordinator,
          abi: coprocessorCoordinatorAbi,
          functionName: "getInterval",
          args: [BigInt(String(saved.request.id).replace(/n$/, "")), saved.interval],
        });
        if (interval.status !== 5) {
          // Settled by someone else (a keeper, the requester): nothing left to do.
          await agent.state.update((st) => {
            const x = st.claims[claimId]?.run as SavedDelivery | undefined;
            if (x) x.settled = interval.status === 2 ? "fulfilled" : "disputed";
            return st;
          });
          continue;
        }
        logger.warn({ claimId, err: String(err) }, "settleOptimistic failed; retrying");
        await agent.state.update((st) => {
          const x = st.claims[claimId]?.run as SavedDelivery | undefined;
          if (x) x.settleError = String(err).slice(0, 300);
          return st;
        });
      }
    }
  }

  const agent = await createAgent(common, {
    client,
    verifier,
    startBlock: config.startBlock,
    stateDir: config.stateDir,
    stateFile: "coprocessor-claims.json",
    pollIntervalMs: config.pollIntervalMs,
    role: "asserter",
    programOf: async (claimId, claim) => {
      const saved = claim.run as SavedDelivery | undefined;
      if (!saved) throw new Error(`claim ${claimId} has no saved delivery`);
      const { spec, data, run } = await runOf(saved);
      return programViewOf(spec, data, run);
    },
    onClaim: async (claimId, claim) => {
      if (claim.asserter.toLowerCase() !== me) {
        await agent.state.update((s) => {
          delete s.claims[claimId];
          return s;
        });
        return;
      }
      await agent.state.update((s) => {
        const c = s.claims[claimId];
        if (c && c.status === "checking") c.status = "defending";
        return s;
      });
    },
    isMine: (claim) => claim?.asserter.toLowerCase() === me,
    onTick: settleDue,
  });

  async function ensureAllowance() {
    const allowance = await client.readContract({
      address: token,
      abi: noosTokenAbi,
      functionName: "allowance",
      args: [client.account.address, verifier],
    });
    if (allowance >= bond) return;
    const hash = await client.writeContract({
      address: token,
      abi: noosTokenAbi,
      functionName: "approve",
      args: [verifier, 2n ** 255n],
    });
    await client.waitForTransactionReceipt({ hash });
  }

  async function claim(request: CoprocessorRequest, interval: number, values: readonly string[]) {
    const saved: SavedDelivery = {
      modelId: request.modelId.toString(),
      values: [...values],
      request: toSaved(request),
      interval,
      ...(config.fault ? { fault: config.fault } : {}),
    };
    const { specBytes, specHash, run } = await runOf(saved);
    if (specHash.toLowerCase() !== request.inputHash.toLowerCase()) {
      throw new Error(
        `the program's spec hash ${specHash} is not the request's ${request.inputHash} (another model version or input)`,
      );
    }
    const output = outputOf(run);
    saved.output = output.map(String);
    const ticket = await client.readContract({
      address: config.coordinator,
      abi: coprocessorCoordinatorAbi,
      functionName: "ticketOf",
      args: [request.id, interval],
    });
    // A claim this node already posted for the interval (a restart between claim and delivery).
    const s = await agent.state.read();
    let claimId = BigInt(
      Object.entries(s.claims).find(([, c]) => {
        const x = c.run as SavedDelivery | undefined;
        return x && x.request.id === saved.request.id && x.interval === interval;
      })?.[0] ?? 0,
    );
    if (claimId === 0n) {
      const registered = await client.readContract({
        address: referee,
        abi: refereeAbi,
        functionName: "isRegistered",
        args: [specHash],
      });
      if (!registered) {
        const { request: tx } = await client.simulateContract({
          address: referee,
          abi: refereeAbi,
          functionName: "registerSpec",
          args: [specBytes],
          account: client.account as never,
        });
        await client.waitForTransactionReceipt({ hash: await client.writeContract(tx as never) });
      }
      await ensureAllowance();
      const receipt = await sendVerifier(
        { client, verifier, onMove: (m) => claimMoves.push(m) },
        0n,
        "postClaim",
        [0n, specHash, run.finalState, window, ticket, bond],
      );
      const [posted] = parseEventLogs({
        abi: optimisticVerifierAbi,
        logs: receipt.logs,
        eventName: "ClaimPosted",
      });
      claimId = (posted?.args as { claimId: bigint } | undefined)?.claimId ?? 0n;
      const windowEnds = Number((posted?.args as { windowEnds: bigint } | undefined)?.windowEnds);
      await agent.state.update((st) => {
        const known = st.claims[claimId.toString()];
        st.claims[claimId.toString()] = {
          games: [],
          ...known,
          leaseId: "0",
          asserter: client.account.address,
          specHash,
          finalState: run.finalState,
          windowEnds,
          status: "defending",
          run: saved as unknown as Record<string, unknown>,
        };
        return st;
      });
      count(common, "claimsPosted");
      logger.info(
        { requestId: request.id, interval, claimId, windowEnds },
        "optimistic claim posted: delivering, the callback waits for the window",
      );
    }
    const proof = encodeAbiParameters([{ type: "uint256" }], [claimId]);
    return { claimId, output, proof };
  }

  return { agent, claim, moves: () => claimMoves };
}

/** Where the node keeps its optimistic claims (beside coprocessor.json). */
export const optimisticStateFile = (stateDir: string) =>
  path.join(stateDir, "coprocessor-claims.json");
