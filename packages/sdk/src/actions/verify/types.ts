/** Names of the OptimisticVerifier's enums, indexed by their numeric value. */
export const claimStatuses = ["None", "Open", "Finalized", "Rejected"] as const;
export const gamePhases = [
  "None",
  "Bisect",
  "Choose",
  "Trace",
  "Pick",
  "Open",
  "Resolved",
  "Reveal",
] as const;
export const gameResolutions = [
  "None",
  "ElementChecked",
  "AsserterTimedOut",
  "ChallengerTimedOut",
  "ClaimRejected",
] as const;

export type ClaimStatusName = (typeof claimStatuses)[number];
export type GamePhaseName = (typeof gamePhases)[number];
export type GameResolutionName = (typeof gameResolutions)[number];
/** Who a game waits for: the claim's asserter, the game's challenger, or nobody (resolved). */
export type GameTurn = "asserter" | "challenger" | "none";
/** The level a phase belongs to: A (states), B (ops of one transition), C (one element; Reveal opens an op's nodes). */
export type GameLevel = "A" | "B" | "C" | "done";

export const claimStatusName = (status: number): ClaimStatusName => claimStatuses[status] ?? "None";
export const gamePhaseName = (phase: number): GamePhaseName => gamePhases[phase] ?? "None";
export const gameResolutionName = (r: number): GameResolutionName => gameResolutions[r] ?? "None";

/** Whose move a phase waits for. */
export function gameTurn(phase: GamePhaseName): GameTurn {
  if (phase === "Bisect" || phase === "Trace" || phase === "Open" || phase === "Reveal")
    return "asserter";
  if (phase === "Choose" || phase === "Pick") return "challenger";
  return "none";
}

/** The level of a phase. */
export function gameLevel(phase: GamePhaseName): GameLevel {
  if (phase === "Bisect" || phase === "Choose") return "A";
  if (phase === "Trace") return "B";
  if (phase === "Pick" || phase === "Open" || phase === "Reveal") return "C";
  return "done";
}
