// The tenant's view of an optimistic job: its result was posted, then the provider's claim holds
// the payment through the challenge window; a challenge opens a game (level A over steps, B over
// the step's operators, C over one element); the claim ends finalized (the provider is paid) or
// rejected (the tenant is refunded). `noos deploy` waits for that end; `noos job status` shows it.
import { type NoosphereClient, optimisticVerifierAbi } from "@noosphere/sdk";
import type { Address, Hex } from "viem";
import { sleep } from "../follower.js";
import { specBytesOf } from "../verify/agent.js";
import { CLAIM_STATUSES, readGame } from "../verify/player.js";

export type OptimisticGamePhase = {
  gameId: bigint;
  /** steps (level A: bisection over states), operators (level B), element (level C), over. */
  level: "steps" | "operators" | "element" | "over";
  lo: number;
  hi: number;
  phase: string;
  winner?: string | undefined;
};

export type OptimisticPhase = {
  phase: "result posted" | "challenge window" | "in dispute" | "finalized" | "rejected";
  claimId?: bigint | undefined;
  windowEnds?: bigint | undefined;
  games: OptimisticGamePhase[];
  /**
   * The fixed-point program the claim commits to (mlp-train, mlp-infer, mlp-eval, cnn-infer): an
   * optimistic job's result (the model, the logits, the accuracy) is that program's output, in
   * Q16.16, not a float runtime's.
   */
  program?: string | undefined;
  /** One line for people: `challenge window until 2026-12-06T23:59:00Z`, `in dispute (steps, 0..1001)`. */
  text: string;
};

/** The verifier's address in a deployment (undefined: no optimistic verification there). */
export function verifierOf(contracts: object): Address | undefined {
  return (contracts as { optimisticVerifier?: Address }).optimisticVerifier;
}

/** Where an optimistic lease stands now. */
export async function optimisticPhase(
  client: NoosphereClient,
  verifier: Address,
  leaseId: bigint,
): Promise<OptimisticPhase> {
  const claimId = (await client.readContract({
    address: verifier,
    abi: optimisticVerifierAbi,
    functionName: "claimOfLease",
    args: [leaseId],
  })) as bigint;
  if (claimId === 0n)
    return { phase: "result posted", games: [], text: "result posted (no claim yet)" };
  const claim = (await client.readContract({
    address: verifier,
    abi: optimisticVerifierAbi,
    functionName: "getClaim",
    args: [claimId],
  })) as { status: number; windowEnds: bigint; specHash: Hex };
  const program = await programOf(client, verifier, claim.specHash);
  const of = program ? `; output of the fixed-point program ${program} (Q16.16)` : "";
  const gameIds = (await client.readContract({
    address: verifier,
    abi: optimisticVerifierAbi,
    functionName: "gamesOf",
    args: [claimId],
  })) as bigint[];
  const games: OptimisticGamePhase[] = [];
  for (const gameId of gameIds) {
    const g = await readGame(client, verifier, gameId);
    const level =
      g.phase === "Resolved"
        ? "over"
        : g.phase === "Bisect" || g.phase === "Choose"
          ? "steps"
          : g.phase === "Trace"
            ? "operators"
            : "element";
    games.push({
      gameId,
      level,
      lo: g.lo,
      hi: g.hi,
      phase: g.phase,
      ...(g.phase === "Resolved" ? { winner: g.winner } : {}),
    });
  }
  const status = CLAIM_STATUSES[claim.status];
  const until = new Date(Number(claim.windowEnds) * 1000).toISOString();
  const open = games.filter((g) => g.level !== "over");
  if (status === "Finalized")
    return {
      phase: "finalized",
      claimId,
      windowEnds: claim.windowEnds,
      games,
      program,
      text: `finalized (claim ${claimId}): the provider is paid${of}`,
    };
  if (status === "Rejected")
    return {
      phase: "rejected",
      claimId,
      windowEnds: claim.windowEnds,
      games,
      program,
      text: `rejected (claim ${claimId}): a challenger proved the result wrong; the tenant is refunded`,
    };
  if (open.length > 0) {
    const first = open[0] as OptimisticGamePhase;
    const where =
      first.level === "steps"
        ? `steps ${first.lo}..${first.hi}`
        : first.level === "operators"
          ? `operators of step ${first.lo}`
          : `one element of step ${first.lo}`;
    return {
      phase: "in dispute",
      claimId,
      windowEnds: claim.windowEnds,
      games,
      program,
      text: `in dispute (level ${first.level}: ${where}; ${open.length} game${open.length > 1 ? "s" : ""})`,
    };
  }
  return {
    phase: "challenge window",
    claimId,
    windowEnds: claim.windowEnds,
    games,
    program,
    text: `challenge window until ${until}${of}`,
  };
}

const PROGRAM_KINDS: Record<string, string> = {
  "1": "mlp-train",
  "2": "mlp-infer",
  "3": "cnn-infer",
  "4": "mlp-eval",
};

/** Program kinds by verifier and spec hash (a spec's bytes never change; polls read it once). */
const programCache = new Map<string, string>();

/** The program kind of a claim's spec (word 0 of the bytes registered with the verifier's referee). */
async function programOf(
  client: NoosphereClient,
  verifier: Address,
  specHash: Hex,
): Promise<string | undefined> {
  const key = `${verifier}:${specHash}`.toLowerCase();
  const known = programCache.get(key);
  if (known) return known;
  const found = await readProgramOf(client, verifier, specHash);
  if (found) programCache.set(key, found);
  return found;
}

async function readProgramOf(
  client: NoosphereClient,
  verifier: Address,
  specHash: Hex,
): Promise<string | undefined> {
  try {
    const referee = (await client.readContract({
      address: verifier,
      abi: optimisticVerifierAbi,
      functionName: "referee",
    })) as Address;
    const bytes = await specBytesOf(client as never, referee, specHash);
    if (!bytes || bytes.length < 66) return undefined;
    const kind = BigInt(bytes.slice(0, 66)).toString();
    return PROGRAM_KINDS[kind] ?? `kind ${kind}`;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the claim of an optimistic lease ends (finalized or rejected), telling each new
 * phase; "unclaimed" when the provider posted no claim before `claimBy` (unix seconds, chain time).
 */
export async function waitOptimistic(p: {
  client: NoosphereClient;
  verifier: Address;
  leaseId: bigint;
  claimBy: bigint;
  onPhase?: ((phase: OptimisticPhase) => void) | undefined;
  pollIntervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
}): Promise<{ outcome: "finalized" | "rejected" | "unclaimed"; phase: OptimisticPhase }> {
  let last = "";
  for (;;) {
    const phase = await optimisticPhase(p.client, p.verifier, p.leaseId);
    if (phase.text !== last) {
      last = phase.text;
      p.onPhase?.(phase);
    }
    if (phase.phase === "finalized" || phase.phase === "rejected") {
      return { outcome: phase.phase, phase };
    }
    if (phase.phase === "result posted") {
      const now = (await p.client.getBlock()).timestamp;
      if (now >= p.claimBy) return { outcome: "unclaimed", phase };
    }
    await sleep(p.pollIntervalMs ?? 1000, p.signal);
    p.signal?.throwIfAborted();
  }
}
