// Optimistic verification off chain: the provider's defender, the watcher, one game move.
export {
  type AgentState,
  type ClaimRecord,
  type GameRecord,
  refereeAbi,
  summarize,
} from "./agent.js";
export {
  type ClaimProgram,
  type ClaimSource,
  type PostedClaim,
  programFromSources,
  UnsupportedClaimError,
} from "./claimSource.js";
export {
  createDefender,
  type Defender,
  type DefenderConfig,
  type OptimisticJob,
} from "./defender.js";
export {
  decodeSpec,
  executeOptimisticTraining,
  fixedDataOfManifest,
  fixedDatasetOf,
  fixedDatasetOfText,
  programViewOf,
  runFixed,
  trainSpecOf,
} from "./fixedJob.js";
export {
  GAME_PHASES,
  type GameView,
  type MoveRecord,
  playMove,
  readGame,
  turnOf,
} from "./player.js";
export { type ProgramFault, type ProgramView, splitPoints } from "./program.js";
export { runOptimisticScenario, type ScenarioParameters, type ScenarioResult } from "./scenario.js";
export { marketLeaseSource } from "./sources/market.js";
export { createWatcher, type Watcher, type WatcherConfig } from "./watcher.js";
