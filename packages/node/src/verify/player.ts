// One move of an optimistic dispute game, for either side. The game contract says whose turn it
// is (phase); the player answers from its own run of the program (ProgramView):
//   asserter:   Bisect -> post the states at the split points; Trace -> open transition lo;
//               Open -> open the element the challenger named (the referee decides);
//   challenger: Choose -> the first sub-interval whose right end it disputes;
//               Pick -> the first op (and element) where the asserter's trace differs from its own:
//                       the element from the op output the asserter serves (if it is the tensor its
//                       root commits to), else by descent: requestNodes(op, 0, 0), then after each
//                       NodesRevealed the first differing node's subtree, down to the leaf words;
//   asserter:   Reveal -> revealNodes: the requested node's nodes 4 levels down and its proof.
// When the other side is to move and its deadline has passed, the player calls `timeout`.
// Every transaction's gas is recorded (the demo and the bench report them).
import { firstDifferingNode, fromHex, leafElement, nodeReveal, toHex } from "@noosphere/ml";
import {
  claimStatuses,
  gamePhases,
  gameResolutions,
  type NoosWalletClient,
  optimisticVerifierAbi,
} from "@noosphere/sdk";
import type { Address, Hex, PublicClient, TransactionReceipt } from "viem";
import { type OpOutput, type ProgramView, splitPoints } from "./program.js";

/** The OptimisticVerifier's enums by numeric value (the SDK's names). */
export const GAME_PHASES = gamePhases;
export type GamePhaseName = (typeof GAME_PHASES)[number];
export const RESOLUTIONS = gameResolutions;
export const CLAIM_STATUSES = claimStatuses;

export type Role = "asserter" | "challenger";

/** The client a player sends with: a viem wallet client with public actions. */
export type PlayerClient = NoosWalletClient;

export type GameView = {
  gameId: bigint;
  claimId: bigint;
  challenger: Address;
  phase: GamePhaseName;
  winner: Address;
  resolution: (typeof RESOLUTIONS)[number];
  deadline: number;
  lo: number;
  hi: number;
  op: number;
  element: number;
};

/** A transaction a player sent: what it was and what it cost. */
export type MoveRecord = {
  gameId: string;
  move: string;
  gasUsed: number;
  txHash: Hex;
  /** Block of the transaction (orders both sides' moves). */
  block?: number;
};

export type PlayerContext = {
  client: PlayerClient;
  verifier: Address;
  arity: number;
  /** Where the other side's op outputs come from (the asserter serves them); optional. */
  fetchOpOutput?:
    | ((gameId: bigint, t: number, op: number) => Promise<OpOutput | undefined>)
    | undefined;
  onMove?: ((record: MoveRecord) => void) | undefined;
  /** Where the game's events are searched from (the daemon's start block). Default 0. */
  fromBlock?: bigint | undefined;
};

export async function readGame(
  client: Pick<PublicClient, "readContract">,
  verifier: Address,
  gameId: bigint,
): Promise<GameView> {
  const g = (await client.readContract({
    address: verifier,
    abi: optimisticVerifierAbi,
    functionName: "getGame",
    args: [gameId],
  })) as unknown as {
    claimId: bigint;
    challenger: Address;
    phase: number;
    winner: Address;
    resolution: number;
    deadline: bigint;
    lo: bigint;
    hi: bigint;
    op: bigint;
    element: bigint;
  };
  return {
    gameId,
    claimId: g.claimId,
    challenger: g.challenger,
    phase: GAME_PHASES[g.phase] ?? "None",
    winner: g.winner,
    resolution: RESOLUTIONS[g.resolution] ?? "None",
    deadline: Number(g.deadline),
    lo: Number(g.lo),
    hi: Number(g.hi),
    op: Number(g.op),
    element: Number(g.element),
  };
}

/** Whose move a phase waits for. */
export function turnOf(phase: GamePhaseName): Role | undefined {
  if (phase === "Bisect" || phase === "Trace" || phase === "Open" || phase === "Reveal")
    return "asserter";
  if (phase === "Choose" || phase === "Pick") return "challenger";
  return undefined;
}

/** Sends one verifier transaction and waits for it; a revert throws (with the decoded error). */
export async function sendVerifier(
  ctx: Pick<PlayerContext, "client" | "verifier" | "onMove">,
  gameId: bigint,
  functionName: string,
  args: readonly unknown[],
): Promise<TransactionReceipt> {
  const { client } = ctx;
  const { request } = await client.simulateContract({
    address: ctx.verifier,
    abi: optimisticVerifierAbi,
    functionName: functionName as "timeout",
    args: args as [bigint],
    account: client.account as never,
    // Deadlines and windows are checked against the next block's time: a chain that mined
    // nothing for a while has an old `latest` timestamp, and `timeout` / `finalize` would look early.
    blockTag: "pending",
  });
  const hash = await client.writeContract(request as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
  ctx.onMove?.({
    gameId: gameId.toString(),
    move: functionName,
    gasUsed: Number(receipt.gasUsed),
    txHash: hash,
    block: Number(receipt.blockNumber),
  });
  return receipt;
}

/** The game events a player reads (what the other side posted, requested or revealed). */
type GameEventName = "StatesBisected" | "TracePosted" | "NodesRequested" | "NodesRevealed";

/** The latest event of `eventName` for the game (the states or trace the other side posted). */
async function lastGameEvent(
  client: Pick<PublicClient, "getContractEvents">,
  verifier: Address,
  eventName: GameEventName,
  gameId: bigint,
  fromBlock: bigint,
) {
  const events = await client.getContractEvents({
    address: verifier,
    abi: optimisticVerifierAbi,
    eventName: eventName as "TracePosted",
    args: { gameId },
    fromBlock,
  });
  // Only this event (an ABI without it would match every event of the verifier).
  const mine = (
    events as unknown as { eventName?: string; args: Record<string, unknown> }[]
  ).filter((e) => e.eventName === eventName);
  return mine.at(-1)?.args;
}

/** The challenger's next step of a descent: request node (level, index), or pick the element. */
export type DescentStep = { level: number; index: number } | { element: number };

/**
 * One step of the challenger's descent over an op's output tree, from its own tree (`mine`,
 * merkleLevels of its values) and what the asserter showed: its root (the start: request the root's
 * nodes; a one-leaf tree is its own root, so the element is read from it), or the nodes it revealed
 * under node (level, index) (request the first differing one's subtree; at the leaf words, the first
 * differing element).
 */
export function descentStep(
  mine: readonly Uint8Array[],
  shown: { root: Hex } | { level: number; index: number; nodes: readonly Hex[] },
): DescentStep {
  const d = mine.length - 1;
  if ("root" in shown) {
    if (d > 0) return { level: 0, index: 0 };
    // A single leaf (at most 8 elements): the root IS the leaf word of the asserter's values.
    const theirs = fromHex(shown.root);
    const own = mine[0] as Uint8Array;
    let q = 0;
    while (q < 7 && leafElement(own, q) === leafElement(theirs, q)) q++;
    return { element: q };
  }
  const next = firstDifferingNode(
    mine,
    shown.level,
    shown.index,
    shown.nodes.map((n) => fromHex(n)),
  );
  // Nodes that all agree hash to this side's node, which differed: the verifier would not have
  // taken them. Name the subtree's first element (the referee still decides).
  if (!next) return { element: 8 * shown.index * 2 ** (d - shown.level) };
  if (next.element !== undefined) return { element: next.element };
  return { level: next.level, index: next.index };
}

export type MoveOutcome =
  | { kind: "moved"; move: string }
  | { kind: "waiting" }
  | { kind: "timedOut" }
  | { kind: "resolved"; game: GameView };

/**
 * Looks at the game and makes this side's move if it is its turn (or ends the game by timeout if
 * the other side let its deadline pass). `now` is the chain's time in seconds.
 */
export async function playMove(
  ctx: PlayerContext,
  role: Role,
  gameId: bigint,
  programOf: () => Promise<ProgramView>,
  now: number,
): Promise<MoveOutcome> {
  const game = await readGame(ctx.client, ctx.verifier, gameId);
  if (game.phase === "Resolved" || game.phase === "None") return { kind: "resolved", game };
  const turn = turnOf(game.phase);
  if (turn !== role) {
    if (now > game.deadline) {
      await sendVerifier(ctx, gameId, "timeout", [gameId]);
      return { kind: "timedOut" };
    }
    return { kind: "waiting" };
  }
  const { client, verifier } = ctx;
  const program = await programOf();
  switch (game.phase) {
    case "Bisect": {
      const states = splitPoints(game.lo, game.hi, ctx.arity).map((t) => program.stateAt(t));
      await sendVerifier(ctx, gameId, "bisect", [gameId, states]);
      return { kind: "moved", move: "bisect" };
    }
    case "Choose": {
      const posted = await lastGameEvent(
        client,
        verifier,
        "StatesBisected",
        gameId,
        ctx.fromBlock ?? 0n,
      );
      if (!posted) return { kind: "waiting" };
      const states = posted.states as Hex[];
      const points = splitPoints(game.lo, game.hi, ctx.arity);
      // The first posted state this side disagrees with closes the interval it disputes; if it
      // agrees with all of them, it disputes the last interval (it disagrees with hi).
      let index = states.length;
      for (let j = 0; j < states.length; j++) {
        if (program.stateAt(points[j] as number).toLowerCase() !== states[j]?.toLowerCase()) {
          index = j;
          break;
        }
      }
      await sendVerifier(ctx, gameId, "chooseInterval", [gameId, states, BigInt(index)]);
      return { kind: "moved", move: "chooseInterval" };
    }
    case "Trace": {
      const trace = program.trace(game.lo);
      await sendVerifier(ctx, gameId, "postTrace", [
        gameId,
        trace.startComponents,
        trace.opRoots,
        trace.endComponents,
      ]);
      return { kind: "moved", move: "postTrace" };
    }
    case "Pick": {
      const posted = await lastGameEvent(
        client,
        verifier,
        "TracePosted",
        gameId,
        ctx.fromBlock ?? 0n,
      );
      if (!posted) return { kind: "waiting" };
      const theirRoots = posted.opRoots as Hex[];
      const pick = async (op: number, element: number): Promise<MoveOutcome> => {
        await sendVerifier(ctx, gameId, "pickElement", [gameId, BigInt(op), BigInt(element)]);
        return { kind: "moved", move: "pickElement" };
      };
      const request = async (op: number, level: number, index: number): Promise<MoveOutcome> => {
        await sendVerifier(ctx, gameId, "requestNodes", [
          gameId,
          BigInt(op),
          BigInt(level),
          BigInt(index),
        ]);
        return { kind: "moved", move: "requestNodes" };
      };
      // A descent under way: the asserter revealed the nodes under the last node requested.
      const revealed = await lastGameEvent(
        client,
        verifier,
        "NodesRevealed",
        gameId,
        ctx.fromBlock ?? 0n,
      );
      if (revealed) {
        const op = Number(revealed.op as bigint);
        const next = descentStep(program.opLevels(game.lo, op), {
          level: Number(revealed.level as bigint),
          index: Number(revealed.index as bigint),
          nodes: revealed.nodes as Hex[],
        });
        return "element" in next ? pick(op, next.element) : request(op, next.level, next.index);
      }
      const fetchOutput = ctx.fetchOpOutput;
      const first = await program.divergence(
        game.lo,
        theirRoots,
        fetchOutput ? (o) => fetchOutput(gameId, game.lo, o) : undefined,
      );
      if (first.elementKnown) return pick(first.op, first.element);
      // The asserter's values are not available: find the element by descent over its op tree.
      const start = descentStep(program.opLevels(game.lo, first.op), {
        root: theirRoots[first.op] as Hex,
      });
      return "element" in start
        ? pick(first.op, start.element)
        : request(first.op, start.level, start.index);
    }
    case "Reveal": {
      const asked = await lastGameEvent(
        client,
        verifier,
        "NodesRequested",
        gameId,
        ctx.fromBlock ?? 0n,
      );
      if (!asked) return { kind: "waiting" };
      const op = Number(asked.op as bigint);
      const level = Number(asked.level as bigint);
      const index = Number(asked.index as bigint);
      const maxLevels = Number(
        await client.readContract({
          address: verifier,
          abi: optimisticVerifierAbi,
          functionName: "revealLevels",
        }),
      );
      const trace = program.trace(game.lo);
      const r = nodeReveal(program.opLevels(game.lo, op), level, index, maxLevels);
      await sendVerifier(ctx, gameId, "revealNodes", [
        gameId,
        trace.startComponents,
        trace.opRoots,
        r.nodes.map((n) => toHex(n)),
        r.proof.map((n) => toHex(n)),
      ]);
      return { kind: "moved", move: "revealNodes" };
    }
    case "Open": {
      const trace = program.trace(game.lo);
      const opening = program.opening(game.lo, game.op, game.element);
      await sendVerifier(ctx, gameId, "openElement", [
        gameId,
        trace.startComponents,
        trace.opRoots,
        opening,
      ]);
      return { kind: "moved", move: "openElement" };
    }
  }
  return { kind: "waiting" };
}
