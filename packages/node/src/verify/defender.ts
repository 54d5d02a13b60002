// The provider's side of optimistic verification: after it submits an optimistic job's result to
// the market, it registers the program's spec, posts the claim with its bond (which freezes the
// payment until the window ends), answers every move of every game against the claim from its own
// run (recomputed from the spec and the input after a restart: the program is deterministic), serves
// its op outputs to challengers (GET /verify/games/<gameId>/ops/<t>/<op>: the values behind the
// roots it posted, so an honest challenger can name the wrong element at once; a challenger that
// cannot get them asks on chain instead, requestNodes, and the player answers with revealNodes from
// the same run), and finalizes the claim once the window has passed with no game open (the market
// then pays it).
// State: `<stateDir>/defender.json`, keyed by chain id + genesis hash + verifier address.

import type { TableFormat } from "@noosphere/ml";
import { noosTokenAbi, optimisticVerifierAbi } from "@noosphere/sdk";
import { type Address, type Hex, keccak256, parseEventLogs } from "viem";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { type Agent, type ClaimRecord, createAgent, refereeAbi, summarize } from "./agent.js";
import {
  decodeSpec,
  type FixedJobInputs,
  fixedDataOfJob,
  programViewOf,
  runFixed,
} from "./fixedJob.js";
import {
  CLAIM_STATUSES,
  type MoveRecord,
  type PlayerClient,
  readGame,
  sendVerifier,
} from "./player.js";
import type { ProgramFault, ProgramView } from "./program.js";

/** What the provider knows after running an optimistic job (JobResult.optimistic). */
export type OptimisticJob = {
  /** The program spec, as the referee registers it. */
  spec: Hex;
  finalState: Hex;
  /** Seconds; from the manifest. */
  challengeWindow: number;
  /** Token units; from the manifest. */
  bond: bigint;
  /** The input, by CID, its format and label column (to recompute the run). */
  inputCid: string;
  format: TableFormat | "json";
  labelsColumn?: string | number | undefined;
  /** The job's kind (default training) and, for inference and evaluation, its ONNX model by CID. */
  kind?: FixedJobInputs["kind"] | undefined;
  modelCid?: string | undefined;
};

export type DefenderConfig = {
  client: PlayerClient;
  contracts: { verifier: Address; referee: Address; token: Address };
  stateDir: string;
  startBlock: bigint;
  /** Reads content by CID (the provider's content store). */
  fetchContent: (cid: string) => Promise<Uint8Array>;
  pollIntervalMs?: number | undefined;
  /** Testing: the provider's run carries this fault (it must defend the wrong result it posted). */
  fault?: ProgramFault | undefined;
  /** Testing: post claims, then never move (the challenger wins by timeout); "reveal": never reveal. */
  silent?: boolean | "reveal" | undefined;
};

export type Defender = {
  agent: Agent;
  /** Posts the claim for a lease whose result was just submitted (idempotent per lease). */
  claim: (leaseId: bigint, job: OptimisticJob, resultHash: Hex) => Promise<bigint>;
  /** GET routes for the provider's status server (undefined: not ours). */
  routes: (path: string) => Promise<unknown>;
  status: () => Promise<unknown>;
  moves: () => Promise<MoveRecord[]>;
  done: Promise<void>;
};

type SavedRun = {
  spec: Hex;
  inputCid: string;
  format: TableFormat | "json";
  labelsColumn?: string | number;
  kind?: FixedJobInputs["kind"];
  modelCid?: string;
  fault?: ProgramFault;
};

export async function createDefender(common: Common, config: DefenderConfig): Promise<Defender> {
  const { client, contracts, logger } = { ...config, logger: common.logger };
  const me = client.account.address.toLowerCase();
  const claimMoves: MoveRecord[] = [];

  async function programOf(claimId: string, claim: ClaimRecord): Promise<ProgramView> {
    const saved = claim.run as SavedRun | undefined;
    if (!saved) throw new Error(`claim ${claimId} has no saved run`);
    const spec = decodeSpec(saved.spec);
    const data = await fixedDataOfJob(
      {
        kind: saved.kind ?? "training",
        inputCid: saved.inputCid,
        format: saved.format,
        labelsColumn: saved.labelsColumn,
        modelCid: saved.modelCid,
      },
      spec,
      config.fetchContent,
    );
    const run = runFixed(spec, data, saved.fault);
    if (run.finalState.toLowerCase() !== claim.finalState.toLowerCase()) {
      logger.error(
        { claimId, recomputed: run.finalState, claimed: claim.finalState },
        "the recomputed run does not end in the claimed state",
      );
    }
    return programViewOf(spec, data, run);
  }

  async function finalizeDue() {
    const s = await agent.state.read();
    const t = await agent.now();
    for (const [claimId, c] of Object.entries(s.claims)) {
      if (c.status !== "defending" || t < c.windowEnds) continue;
      if (Object.values(s.games).some((g) => g.claimId === claimId && g.status === "playing")) {
        continue;
      }
      const onChain = (await client.readContract({
        address: contracts.verifier,
        abi: optimisticVerifierAbi,
        functionName: "getClaim",
        args: [BigInt(claimId)],
      })) as { status: number; openGames: number };
      const status = CLAIM_STATUSES[onChain.status];
      if (status !== "Open") {
        await agent.state.update((st) => {
          const cl = st.claims[claimId];
          if (cl) cl.status = status === "Finalized" ? "finalized" : "rejected";
          return st;
        });
        continue;
      }
      if (Number(onChain.openGames) > 0) continue;
      try {
        await sendVerifier(
          { client, verifier: contracts.verifier, onMove: (m) => claimMoves.push(m) },
          0n,
          "finalize",
          [BigInt(claimId)],
        );
        count(common, "claimsFinalized");
        logger.info({ claimId, leaseId: c.leaseId }, "claim finalized: the market pays the lease");
      } catch (err) {
        logger.warn({ claimId, err: String(err) }, "finalize failed; retrying");
      }
    }
  }

  const agent = await createAgent(common, {
    client,
    verifier: contracts.verifier,
    startBlock: config.startBlock,
    stateDir: config.stateDir,
    stateFile: "defender.json",
    pollIntervalMs: config.pollIntervalMs ?? 500,
    role: "asserter",
    programOf,
    onClaim: async (claimId, claim) => {
      if (claim.asserter.toLowerCase() !== me) {
        // Not ours: forget it (the defender keeps only its own claims).
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
    silent: config.silent,
    onTick: finalizeDue,
  });

  async function ensureAllowance(bond: bigint) {
    const allowance = await client.readContract({
      address: contracts.token,
      abi: noosTokenAbi,
      functionName: "allowance",
      args: [client.account.address, contracts.verifier],
    });
    if (allowance >= bond) return;
    const hash = await client.writeContract({
      address: contracts.token,
      abi: noosTokenAbi,
      functionName: "approve",
      args: [contracts.verifier, 2n ** 255n],
    });
    await client.waitForTransactionReceipt({ hash });
  }

  async function claim(leaseId: bigint, job: OptimisticJob, resultHash: Hex): Promise<bigint> {
    const specHash = keccak256(job.spec);
    const run: SavedRun = {
      spec: job.spec,
      inputCid: job.inputCid,
      format: job.format,
      ...(job.labelsColumn === undefined ? {} : { labelsColumn: job.labelsColumn }),
      ...(job.kind ? { kind: job.kind } : {}),
      ...(job.modelCid ? { modelCid: job.modelCid } : {}),
      ...(config.fault ? { fault: config.fault } : {}),
    };
    const existing = (await client.readContract({
      address: contracts.verifier,
      abi: optimisticVerifierAbi,
      functionName: "claimOfLease",
      args: [leaseId],
    })) as bigint;
    let claimId = existing;
    if (claimId === 0n) {
      const registered = await client.readContract({
        address: contracts.referee,
        abi: refereeAbi,
        functionName: "isRegistered",
        args: [specHash],
      });
      if (!registered) {
        const { request } = await client.simulateContract({
          address: contracts.referee,
          abi: refereeAbi,
          functionName: "registerSpec",
          args: [job.spec],
          account: client.account as never,
        });
        const hash = await client.writeContract(request as never);
        await client.waitForTransactionReceipt({ hash });
      }
      await ensureAllowance(job.bond);
      const receipt = await sendVerifier(
        { client, verifier: contracts.verifier, onMove: (m) => claimMoves.push(m) },
        0n,
        "postClaim",
        [leaseId, specHash, job.finalState, BigInt(job.challengeWindow), resultHash, job.bond],
      );
      const [posted] = parseEventLogs({
        abi: optimisticVerifierAbi,
        logs: receipt.logs,
        eventName: "ClaimPosted",
      });
      claimId = (posted?.args as { claimId: bigint } | undefined)?.claimId ?? 0n;
      count(common, "claimsPosted");
    }
    const onChain = (await client.readContract({
      address: contracts.verifier,
      abi: optimisticVerifierAbi,
      functionName: "getClaim",
      args: [claimId],
    })) as { windowEnds: bigint; asserter: Address };
    await agent.state.update((s) => {
      const known = s.claims[claimId.toString()];
      s.claims[claimId.toString()] = {
        games: [],
        ...known,
        leaseId: leaseId.toString(),
        asserter: onChain.asserter,
        specHash,
        finalState: job.finalState,
        windowEnds: Number(onChain.windowEnds),
        status:
          known?.status === "finalized" || known?.status === "rejected"
            ? known.status
            : "defending",
        run,
      };
      return s;
    });
    logger.info(
      { leaseId, claimId, windowEnds: Number(onChain.windowEnds) },
      "claim posted: defending it until the window ends",
    );
    return claimId;
  }

  async function routes(path: string): Promise<unknown> {
    const m = /^\/verify\/games\/(\d+)\/ops\/(\d+)\/(\d+)$/.exec(path);
    if (!m) return undefined;
    const [, gameId, t, op] = m as unknown as [string, string, string, string];
    const game = (await agent.state.read()).games[gameId];
    if (!game) return undefined;
    const view = await readGame(client, contracts.verifier, BigInt(gameId));
    // Only the transition the game is about (the values behind the roots already posted).
    if (Number(t) !== view.lo) return undefined;
    const program = await agent.program(game.claimId);
    return {
      gameId,
      t: Number(t),
      op: Number(op),
      values: program.opOutput(Number(t), Number(op)),
    };
  }

  const status = async () => summarize(await agent.state.read());
  const done = agent.run();
  return {
    agent,
    claim,
    routes,
    status,
    moves: async () => [
      ...claimMoves,
      ...Object.values((await agent.state.read()).games).flatMap((g) => g.moves),
    ],
    done,
  };
}
