// Optimistic verification through the SDK on a real anvil with the devnet's real MlpStepReferee and
// OptimisticVerifier: a small fixed-point training program (@noosphere/ml's executor), a corrupt asserter
// caught at the corrupted step by the referee's element check, a lying challenger that loses its bond, a
// silent asserter that loses by timeout, and the named errors of a late challenge and a bad sub-game.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import {
  createFixedDataset,
  encodeSpec,
  type FixedSpec,
  firstDivergence,
  openElement as openingOf,
  type ProgramRun,
  runProgram,
  transitionTrace,
} from "@noosphere/ml";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyActions } from "../../decorators/verify.js";
import { ContractRevertError } from "../../errors.js";
import { splitPoints } from "./getSplitPoints.js";

let net: TestDeployment;
let verifier: Address;
let referee: Address;
const BOND = parseEther("10");
const WINDOW = 600n;

// 8 features, 4 hidden, 3 classes, B = 4, 40 steps: states 0..41, two 32-way bisection rounds.
const features = Array.from({ length: 10 }, (_, i) =>
  Array.from({ length: 8 }, (_, f) => ((i * 7 + f * 3) % 11) / 8 - 0.5),
);
const labels = features.map((_, i) => i % 3);
const data = createFixedDataset(features, labels);
const spec: FixedSpec = {
  kind: "mlp-train",
  nIn: 8,
  nHidden: 4,
  nOut: 3,
  batch: 4,
  steps: 40,
  lrQ: 6554,
  muQ: 58982,
  seed: 11,
  initScaleW1Q: 32768,
  initScaleW2Q: 32768,
  n: data.n,
  dataRoot: data.root,
};
const honest = runProgram(spec, data, { checkpointEvery: 4 });
const CORRUPT_AFTER = 17; // state 18 is the first wrong one
const corrupt = runProgram(spec, data, {
  checkpointEvery: 4,
  corrupt: { transition: CORRUPT_AFTER, component: 2, element: 5 },
});

/** Client of dev account i with the deployment's actions and the verify actions bound. */
const actor = (i: number) => {
  const client = net.client(i);
  return Object.assign(
    client,
    verifyActions({ optimisticVerifier: verifier, stepReferee: referee })(client),
  );
};
const address = (i: number) => net.accounts[i]?.address as Address;

beforeAll(async () => {
  net = await startTestDeployment();
  const { optimisticVerifier, stepReferee } = net.deployment.contracts;
  if (!optimisticVerifier || !stepReferee) throw new Error("the devnet deployed no verifier");
  verifier = optimisticVerifier;
  referee = stepReferee;
  const { specHash } = await actor(0).registerSpecAndWait({ spec: encodeSpec(spec) });
  expect(specHash).toBe(honest.specHash);
  for (const i of [1, 2, 3])
    await actor(i).approveAndWait({ spender: verifier, amount: 10n ** 24n });
}, 180_000);
afterAll(async () => net?.stop());
withSnapshot(() => net.testClient, { beforeEach, afterEach });

/** Plays the game: the asserter defends `mine`, the challenger follows `theirs`. */
async function play(gameId: bigint, a: number, mine: ProgramRun, c: number, theirs: ProgramRun) {
  const asserter = actor(a);
  const challenger = actor(c);
  let game = await asserter.getGame({ gameId });
  const { arity } = await asserter.getVerifierConfig();
  let moves = 0;
  while (game.phaseName === "Bisect") {
    expect(game.turn).toBe("asserter");
    const points = await asserter.getSplitPoints({ lo: game.lo, hi: game.hi });
    expect(points).toEqual(splitPoints(game.lo, game.hi, BigInt(arity)));
    const states = points.map((p) => mine.stateAt(Number(p)) as Hex);
    await asserter.bisectStatesAndWait({ gameId, states });
    let index = points.findIndex((p, i) => theirs.stateAt(Number(p)) !== states[i]);
    if (index < 0) index = points.length;
    const { event } = await challenger.chooseIntervalAndWait({
      gameId,
      states,
      index: BigInt(index),
    });
    expect(event.hi - event.lo).toBeLessThanOrEqual(game.hi - game.lo);
    game = await asserter.getGame({ gameId });
    moves += 2;
  }
  expect(game.phaseName).toBe("Trace");
  const t = Number(game.lo);
  const trace = transitionTrace(spec, data, mine, t);
  await asserter.postTraceAndWait({ gameId, ...trace });
  const pick = firstDivergence(spec, data, theirs, t, trace.opRoots, trace.opOutputs);
  await challenger.pickElementAndWait({
    gameId,
    op: BigInt(pick.op),
    element: BigInt(pick.element),
  });
  const opening = openingOf(spec, data, mine, t, pick.op, pick.element);
  const { event, receipt } = await asserter.openElementAndWait({
    gameId,
    startComponents: trace.startComponents,
    opRoots: trace.opRoots,
    opening,
  });
  return { t, op: pick.opName, moves: moves + 3, winner: event.winner, gas: receipt.gasUsed };
}

describe("optimistic verification SDK (real referee)", () => {
  it("catches a corrupt asserter at the corrupted step; its bond goes to the challenger less the burn", async () => {
    const a = actor(1);
    const posted = await a.postClaimAndWait({
      leaseId: 0n,
      specHash: corrupt.specHash,
      finalState: corrupt.finalState,
      challengeWindow: WINDOW,
      resultHash: keccak256(toHex("result")),
      bond: BOND,
    });
    const claimId = posted.event.claimId;
    const { event } = await actor(2).challengeClaimAndWait({
      claimId,
      challengerFinal: honest.finalState,
      bond: BOND,
    });
    const before = await actor(2).getTokenBalance({ account: address(2) });
    const result = await play(event.gameId, 1, corrupt, 2, honest);
    expect(result.t).toBe(CORRUPT_AFTER);
    // The bound on the final element check (referee + resolution + transfers).
    expect(result.gas).toBeLessThan(3_000_000n);
    if (process.env.VERIFY_GAS_LOG)
      console.log(JSON.stringify({ ...result, gas: String(result.gas) }));
    expect(result.winner).toBe(address(2));
    const claim = await a.getClaim({ claimId });
    expect(claim.statusName).toBe("Rejected");
    const game = await a.getGame({ gameId: event.gameId });
    expect(game.resolutionName).toBe("ElementChecked");
    expect(game.turn).toBe("none");
    expect(await actor(2).getTokenBalance({ account: address(2) })).toBe(
      before + BOND + BOND - BOND / 10n,
    );
    expect(await a.getGamesOfClaim({ claimId })).toEqual([event.gameId]);
  }, 120_000);

  it("an honest asserter beats a lying challenger, then finalizes after the window", async () => {
    const posted = await actor(1).postClaimAndWait({
      leaseId: 0n,
      specHash: honest.specHash,
      finalState: honest.finalState,
      challengeWindow: WINDOW,
      resultHash: keccak256(toHex("result")),
      bond: BOND,
    });
    const claimId = posted.event.claimId;
    const { event } = await actor(3).challengeClaimAndWait({
      claimId,
      challengerFinal: corrupt.finalState,
      bond: BOND,
    });
    const result = await play(event.gameId, 1, honest, 3, corrupt);
    expect(result.winner).toBe(address(1));
    await net.testClient.increaseTime({ seconds: Number(WINDOW) });
    const before = await actor(1).getTokenBalance({ account: address(1) });
    const fin = await actor(2).finalizeClaimAndWait({ claimId });
    expect(fin.event.claimId).toBe(claimId);
    expect(await actor(1).getTokenBalance({ account: address(1) })).toBe(before + BOND);
    expect((await actor(1).getClaim({ claimId })).statusName).toBe("Finalized");
  }, 120_000);

  it("a silent asserter loses by timeout; late challenges and mismatching sub-game endpoints are named errors", async () => {
    const posted = await actor(1).postClaimAndWait({
      leaseId: 0n,
      specHash: corrupt.specHash,
      finalState: corrupt.finalState,
      challengeWindow: WINDOW,
      resultHash: keccak256(toHex("result")),
      bond: BOND,
    });
    const claimId = posted.event.claimId;
    const { event } = await actor(2).challengeClaimAndWait({
      claimId,
      challengerFinal: honest.finalState,
      bond: BOND,
    });
    const gameId = event.gameId;
    // Too early to time out.
    await expect(actor(3).timeoutGame({ gameId })).rejects.toMatchObject({
      errorName: "VerifierDeadlineNotPassed",
    });
    await net.testClient.increaseTime({ seconds: 61 });
    const out = await actor(3).timeoutGameAndWait({ gameId });
    expect(out.event.winner).toBe(address(2));
    expect((await actor(3).getGame({ gameId })).resolutionName).toBe("AsserterTimedOut");

    // A second claim: a challenge after its window is rejected.
    const second = await actor(1).postClaimAndWait({
      leaseId: 0n,
      specHash: honest.specHash,
      finalState: honest.finalState,
      challengeWindow: 10n,
      resultHash: keccak256(toHex("result")),
      bond: BOND,
    });
    await net.testClient.increaseTime({ seconds: 11 });
    const late = actor(2).challengeClaim({
      claimId: second.event.claimId,
      challengerFinal: corrupt.finalState,
      bond: BOND,
    });
    await expect(late).rejects.toBeInstanceOf(ContractRevertError);
    await expect(late).rejects.toMatchObject({ errorName: "VerifierChallengeWindowClosed" });
  }, 120_000);

  it("a Level B trace whose endpoints do not match the parent's states is rejected", async () => {
    const posted = await actor(1).postClaimAndWait({
      leaseId: 0n,
      specHash: corrupt.specHash,
      finalState: corrupt.finalState,
      challengeWindow: WINDOW,
      resultHash: keccak256(toHex("result")),
      bond: BOND,
    });
    const { event } = await actor(2).challengeClaimAndWait({
      claimId: posted.event.claimId,
      challengerFinal: honest.finalState,
      bond: BOND,
    });
    const gameId = event.gameId;
    const a = actor(1);
    const c = actor(2);
    let game = await a.getGame({ gameId });
    while (game.phaseName === "Bisect") {
      const points = await a.getSplitPoints({ lo: game.lo, hi: game.hi });
      const states = points.map((p) => corrupt.stateAt(Number(p)) as Hex);
      await a.bisectStatesAndWait({ gameId, states });
      let index = points.findIndex((p, i) => honest.stateAt(Number(p)) !== states[i]);
      if (index < 0) index = points.length;
      await c.chooseIntervalAndWait({ gameId, states, index: BigInt(index) });
      game = await a.getGame({ gameId });
    }
    expect(game.level).toBe("B");
    // The honest trace of the disputed transition ends in a state that is not the asserter's: its
    // sub-game endpoints would not be the parent's disputed state.
    const t = Number(game.lo);
    const wrong = transitionTrace(spec, data, honest, t);
    await expect(a.postTrace({ gameId, ...wrong })).rejects.toMatchObject({
      errorName: "VerifierEndStateMismatch",
    });
    // A trace from another transition does not start at the agreed state.
    const other = transitionTrace(spec, data, corrupt, t - 1);
    await expect(a.postTrace({ gameId, ...other })).rejects.toMatchObject({
      errorName: "VerifierStartStateMismatch",
    });
  }, 120_000);
});
