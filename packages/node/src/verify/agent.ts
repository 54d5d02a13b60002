// What the defender (the provider's side) and the watcher (`noos verifier start`) share: follow the
// verifier's events into a state file that belongs to one deployment (chain id, genesis hash,
// verifier address), keep the games this side plays, and play them to the end on a timer. A
// restart reads the state back and goes on: the runs are recomputed from the spec and the data
// (the program is deterministic), so nothing but ids and outcomes needs to be saved.
import path from "node:path";
import { type DecodedEvent, optimisticVerifierAbi } from "@noosphere/sdk";
import { type Address, type Hex, type PublicClient, parseAbi } from "viem";
import type { Common } from "../common.js";
import { count } from "../common.js";
import { follow, sleep } from "../follower.js";
import { deploymentKeyOf, openDeploymentState, type StateFile } from "../state.js";
import {
  CLAIM_STATUSES,
  type MoveRecord,
  type PlayerClient,
  type PlayerContext,
  playMove,
  type Role,
  readGame,
} from "./player.js";
import type { OpOutput, ProgramView } from "./program.js";

/** The referee functions and event the daemons use (IStepReferee). */
export const refereeAbi = parseAbi([
  "event SpecRegistered(bytes32 indexed specHash, bytes spec)",
  "function registerSpec(bytes spec) returns (bytes32)",
  "function isRegistered(bytes32 specHash) view returns (bool)",
  "function opName(bytes32 specHash, uint256 t, uint256 op) view returns (string)",
]);

export type ClaimRecord = {
  leaseId: string;
  asserter: Address;
  specHash: Hex;
  finalState: Hex;
  windowEnds: number;
  /**
   * checking: re-executing; agreed: same final state; challenged: a game is open;
   * defending: this side's own claim; unsupported / failed: could not re-execute (see error);
   * finalized / rejected: over.
   */
  status:
    | "checking"
    | "agreed"
    | "challenged"
    | "defending"
    | "unsupported"
    | "failed"
    | "finalized"
    | "rejected";
  /** The final state this side computed (watcher). */
  computedFinal?: Hex;
  error?: string;
  games: string[];
  /** Defender: what the provider needs to recompute its run after a restart. */
  run?: Record<string, unknown>;
};

export type GameRecord = {
  claimId: string;
  role: Role;
  status: "playing" | "won" | "lost" | "refunded";
  phase?: string;
  lo?: number;
  hi?: number;
  op?: number;
  element?: number;
  resolution?: string;
  moves: MoveRecord[];
  lastError?: string;
};

export type AgentState = {
  cursor?: bigint;
  claims: Record<string, ClaimRecord>;
  games: Record<string, GameRecord>;
  /**
   * Watcher: optimistic leases disputed by their tenant with no claim (resolveUnclaimed candidates;
   * `optimistic` once the manifest was read), the last market block scanned for them, and the leases
   * it resolved.
   */
  unclaimed?: {
    leases: Record<string, { optimistic?: boolean }>;
    scannedTo?: bigint;
    resolved: string[];
  };
};

export type AgentConfig = {
  client: PlayerClient;
  verifier: Address;
  startBlock: bigint;
  stateDir: string;
  stateFile: string;
  pollIntervalMs: number;
  role: Role;
  /** The program view of a claim (computed once per process, cached). */
  programOf: (claimId: string, claim: ClaimRecord) => Promise<ProgramView>;
  /** Called for every ClaimPosted (after it is recorded). */
  onClaim?: ((claimId: string, claim: ClaimRecord) => Promise<void>) | undefined;
  /** Whether a ClaimChallenged event is a game this side plays. */
  isMine: (claim: ClaimRecord | undefined, challenger: Address) => boolean;
  fetchOpOutput?: PlayerContext["fetchOpOutput"];
  /**
   * Testing: stop moving (the other side then wins by timeout); "reveal": make every move but
   * revealNodes (an asserter that will not show its op outputs on chain either).
   */
  silent?: boolean | "reveal" | undefined;
  /** Runs after each round of moves (the defender finalizes claims here). */
  onTick?: (() => Promise<void>) | undefined;
};

export type Agent = {
  state: StateFile<AgentState>;
  /** Starts following and playing; resolves when `common.signal` aborts. */
  run: () => Promise<void>;
  program: (claimId: string) => Promise<ProgramView>;
  /** Chain time: the later of the latest block's timestamp and the wall clock. */
  now: () => Promise<number>;
  arity: number;
};

export async function createAgent(common: Common, config: AgentConfig): Promise<Agent> {
  const { client, verifier, logger } = { ...config, logger: common.logger };
  const state = await openDeploymentState<AgentState>({
    file: path.join(config.stateDir, config.stateFile),
    deployment: await deploymentKeyOf(client, verifier),
    initial: () => ({ claims: {}, games: {} }),
    onReset: (message, details) => logger.warn(details, message),
  });
  const verifierConfig = (await client.readContract({
    address: verifier,
    abi: optimisticVerifierAbi,
    functionName: "config",
  })) as unknown as { arity: number };
  const arity = Number(verifierConfig.arity);
  const me = client.account.address.toLowerCase();

  const programs = new Map<string, Promise<ProgramView>>();
  const program = async (claimId: string) => {
    let p = programs.get(claimId);
    if (!p) {
      const claim = (await state.read()).claims[claimId];
      if (!claim) throw new Error(`claim ${claimId} is not known here`);
      p = config.programOf(claimId, claim);
      p.catch(() => programs.delete(claimId));
      programs.set(claimId, p);
    }
    return p;
  };

  const now = async () => {
    const block = await client.getBlock({ blockTag: "latest" });
    return Math.max(Number(block.timestamp), Math.floor(Date.now() / 1000));
  };

  async function onEvent(event: DecodedEvent) {
    const args = event.args as Record<string, unknown>;
    switch (event.eventName) {
      case "ClaimPosted": {
        const claimId = String(args.claimId);
        const record: ClaimRecord = {
          leaseId: String(args.leaseId),
          asserter: args.asserter as Address,
          specHash: args.specHash as Hex,
          finalState: args.finalState as Hex,
          windowEnds: Number(args.windowEnds),
          status: "checking",
          games: [],
        };
        let isNew = false;
        await state.update((s) => {
          const known = s.claims[claimId];
          if (known) {
            s.claims[claimId] = { ...record, ...known, windowEnds: record.windowEnds };
          } else {
            s.claims[claimId] = record;
            isNew = true;
          }
          return s;
        });
        if (isNew || (await state.read()).claims[claimId]?.status === "checking") {
          const claim = (await state.read()).claims[claimId] as ClaimRecord;
          await config.onClaim?.(claimId, claim).catch((err: unknown) => {
            logger.error({ claimId, err: String(err) }, "could not handle the claim");
          });
        }
        return;
      }
      case "ClaimChallenged": {
        const claimId = String(args.claimId);
        const gameId = String(args.gameId);
        const s = await state.read();
        if (!config.isMine(s.claims[claimId], args.challenger as Address)) return;
        await state.update((st) => {
          st.games[gameId] ??= { claimId, role: config.role, status: "playing", moves: [] };
          const claim = st.claims[claimId];
          if (claim && !claim.games.includes(gameId)) claim.games.push(gameId);
          return st;
        });
        logger.info({ claimId, gameId, role: config.role }, "game started");
        return;
      }
      case "GameResolved": {
        const gameId = String(args.gameId);
        const winner = String(args.winner).toLowerCase();
        await state.update((s) => {
          const game = s.games[gameId];
          if (!game) return s;
          const iWon =
            winner === me ||
            (config.role === "asserter" &&
              winner === s.claims[game.claimId]?.asserter.toLowerCase());
          game.status = /^0x0+$/.test(winner) ? "refunded" : iWon ? "won" : "lost";
          game.phase = "Resolved";
          return s;
        });
        return;
      }
      case "ClaimFinalized":
      case "ClaimRejected": {
        const claimId = String(args.claimId);
        await state.update((s) => {
          const claim = s.claims[claimId];
          if (claim) claim.status = event.eventName === "ClaimFinalized" ? "finalized" : "rejected";
          return s;
        });
        return;
      }
    }
  }

  async function playAll() {
    if (config.silent === true) return;
    const s = await state.read();
    const t = await now();
    for (const [gameId, game] of Object.entries(s.games)) {
      if (game.status !== "playing") continue;
      try {
        if (
          config.silent === "reveal" &&
          (await readGame(client, verifier, BigInt(gameId))).phase === "Reveal"
        )
          continue;
        const moves: MoveRecord[] = [];
        const ctx: PlayerContext = {
          client,
          verifier,
          arity,
          fetchOpOutput: config.fetchOpOutput,
          onMove: (m) => moves.push(m),
          fromBlock: config.startBlock,
        };
        const outcome = await playMove(
          ctx,
          config.role,
          BigInt(gameId),
          () => program(game.claimId),
          t,
        );
        const view = await readGame(client, verifier, BigInt(gameId));
        await state.update((st) => {
          const g = st.games[gameId];
          if (!g) return st;
          g.moves.push(...moves);
          g.phase = view.phase;
          g.lo = view.lo;
          g.hi = view.hi;
          g.op = view.op;
          g.element = view.element;
          g.resolution = view.resolution;
          delete g.lastError;
          if (view.phase === "Resolved") {
            const winner = view.winner.toLowerCase();
            const asserter = st.claims[g.claimId]?.asserter.toLowerCase();
            const iWon = config.role === "asserter" ? winner === asserter : winner === me;
            g.status = /^0x0+$/.test(winner) ? "refunded" : iWon ? "won" : "lost";
          }
          return st;
        });
        if (outcome.kind === "moved" || outcome.kind === "timedOut") {
          count(common, "moves");
          logger.info(
            {
              gameId,
              move: outcome.kind === "moved" ? outcome.move : "timeout",
              lo: view.lo,
              hi: view.hi,
            },
            "game move",
          );
        }
      } catch (err) {
        count(common, "moveErrors");
        const message = (err as { shortMessage?: string }).shortMessage ?? String(err);
        logger.warn({ gameId, err: message }, "game move failed; retrying");
        await state.update((st) => {
          const g = st.games[gameId];
          if (g) g.lastError = message;
          return st;
        });
      }
    }
  }

  async function run() {
    const following = follow(common, {
      client: client as unknown as Pick<PublicClient, "getBlockNumber" | "getLogs">,
      address: verifier,
      abi: optimisticVerifierAbi,
      fromBlock: config.startBlock,
      loadCursor: async () => (await state.read()).cursor,
      saveCursor: async (block) => {
        await state.update((s) => {
          s.cursor = block;
          return s;
        });
      },
      onEvent,
      pollIntervalMs: config.pollIntervalMs,
    });
    const playing = (async () => {
      while (!common.signal.aborted) {
        await playAll().catch((err: unknown) =>
          logger.warn({ err: String(err) }, "playing the games failed"),
        );
        if (config.silent !== true) {
          await config
            .onTick?.()
            .catch((err: unknown) => logger.warn({ err: String(err) }, "periodic check failed"));
        }
        await sleep(config.pollIntervalMs, common.signal);
      }
    })();
    await Promise.all([following, playing]);
  }

  return { state, run, program, now, arity };
}

/** The registered bytes of a spec (the referee's SpecRegistered event). */
export async function specBytesOf(
  client: Pick<PublicClient, "getContractEvents">,
  referee: Address,
  specHash: Hex,
): Promise<Hex | undefined> {
  const events = await client.getContractEvents({
    address: referee,
    abi: refereeAbi,
    eventName: "SpecRegistered",
    args: { specHash },
    fromBlock: 0n,
  });
  return (events.at(-1)?.args as { spec?: Hex } | undefined)?.spec;
}

/** Summary of a state for GET /status. */
export function summarize(s: AgentState) {
  const games = Object.entries(s.games).map(([gameId, g]) => ({
    gameId,
    ...g,
    gas: g.moves.reduce((sum, m) => sum + m.gasUsed, 0),
  }));
  return {
    claims: Object.entries(s.claims).map(([claimId, c]) => ({
      claimId,
      ...c,
      run: undefined,
    })),
    games,
    totals: {
      claims: Object.keys(s.claims).length,
      games: games.length,
      won: games.filter((g) => g.status === "won").length,
      lost: games.filter((g) => g.status === "lost").length,
      transactions: games.reduce((n, g) => n + g.moves.length, 0),
      gas: games.reduce((n, g) => n + g.gas, 0),
    },
  };
}

export type { OpOutput };
export { CLAIM_STATUSES };
