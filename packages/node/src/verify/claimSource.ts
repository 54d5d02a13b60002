// How the watcher learns what a posted claim computed. A claim on the OptimisticVerifier names only
// a spec hash, a lease (0 for a standalone claim) and a final state; to re-execute it the watcher
// needs the program's data (the training set, the inference input and model weights...), which
// lives wherever the job came from. A claim source knows one such origin: the market-lease source
// (sources/market.ts) reads the lease's manifest; the coprocessor source (sources/coprocessor.ts)
// reads a coprocessor request. The watcher asks its sources in order and re-executes the first
// answer; a claim no source knows is recorded as "unsupported" (never challenged).
import type { FixedData, FixedSpec } from "@noosphere/ml";
import type { Address, Hex } from "viem";

/** A claim as posted (ClaimPosted + getClaim), with the spec bytes registered with the referee. */
export type PostedClaim = {
  claimId: bigint;
  /** The market lease, or 0n for a standalone claim (e.g. a coprocessor delivery). */
  leaseId: bigint;
  specHash: Hex;
  /** The spec's registered bytes (ARITHMETIC.md §2) and their decoding. */
  specBytes: Hex;
  spec: FixedSpec;
  asserter: Address;
  finalState: Hex;
  /** Unix seconds (chain time) when the challenge window closes. */
  windowEnds: number;
};

/** What the watcher re-executes: the program's spec and data (runProgram(spec, data)). */
export type ClaimProgram = {
  spec: FixedSpec;
  data: FixedData;
  /** For logs and GET /status: where the data came from, e.g. "lease 12 (inference)". */
  origin: string;
};

/**
 * One origin of claims. `program` returns undefined when the claim is not this source's (the
 * watcher then asks the next one); it throws UnsupportedClaimError (watcher.ts) when the claim is
 * its own but cannot be re-executed (the claim is then left alone), and any other error when
 * re-execution failed (recorded as "failed").
 */
export type ClaimSource = {
  name: string;
  program: (claim: PostedClaim) => Promise<ClaimProgram | undefined>;
};

/** Asks each source in order; the first answer wins. */
export async function programFromSources(
  sources: readonly ClaimSource[],
  claim: PostedClaim,
): Promise<(ClaimProgram & { source: string }) | undefined> {
  for (const s of sources) {
    const p = await s.program(claim);
    if (p) return { ...p, source: s.name };
  }
  return undefined;
}

export class UnsupportedClaimError extends Error {
  override name = "UnsupportedClaimError";
}
