// Optimistic-verification actions bound to a deployment's OptimisticVerifier and step referee:
// `client.extend(verifyActions({ optimisticVerifier, stepReferee }))`. Kept out of noosphereActions
// because older deployments have neither (NoosphereAddresses.optimisticVerifier is optional).
import type { Address } from "viem";
import {
  type BisectStatesParameters,
  bisectStates,
  bisectStatesAndWait,
} from "../actions/verify/bisectStates.js";
import {
  type ChallengeClaimParameters,
  challengeClaim,
  challengeClaimAndWait,
} from "../actions/verify/challengeClaim.js";
import {
  type ChooseIntervalParameters,
  chooseInterval,
  chooseIntervalAndWait,
} from "../actions/verify/chooseInterval.js";
import {
  type CloseGameParameters,
  closeGame,
  closeGameAndWait,
} from "../actions/verify/closeGame.js";
import {
  type FinalizeClaimParameters,
  finalizeClaim,
  finalizeClaimAndWait,
} from "../actions/verify/finalizeClaim.js";
import { type GetClaimParameters, getClaim } from "../actions/verify/getClaim.js";
import {
  type GetClaimOfLeaseParameters,
  getClaimOfLease,
} from "../actions/verify/getClaimOfLease.js";
import { type GetGameParameters, getGame } from "../actions/verify/getGame.js";
import {
  type GetGamesOfClaimParameters,
  getGamesOfClaim,
} from "../actions/verify/getGamesOfClaim.js";
import { type GetSplitPointsParameters, getSplitPoints } from "../actions/verify/getSplitPoints.js";
import { getVerifierConfig } from "../actions/verify/getVerifierConfig.js";
import {
  type OpenElementParameters,
  openElement,
  openElementAndWait,
} from "../actions/verify/openElement.js";
import {
  type PickElementParameters,
  pickElement,
  pickElementAndWait,
} from "../actions/verify/pickElement.js";
import {
  type PostClaimParameters,
  postClaim,
  postClaimAndWait,
} from "../actions/verify/postClaim.js";
import {
  type PostTraceParameters,
  postTrace,
  postTraceAndWait,
} from "../actions/verify/postTrace.js";
import {
  type RegisterSpecParameters,
  registerSpec,
  registerSpecAndWait,
} from "../actions/verify/registerSpec.js";
import {
  type ResolveUnclaimedParameters,
  resolveUnclaimed,
  resolveUnclaimedAndWait,
} from "../actions/verify/resolveUnclaimed.js";
import {
  type TimeoutGameParameters,
  timeoutGame,
  timeoutGameAndWait,
} from "../actions/verify/timeoutGame.js";
import type { NoosWalletClient } from "../client.js";

type Bound<P> = Omit<P, "address">;

export function verifyActions(addresses: { optimisticVerifier: Address; stepReferee: Address }) {
  const address = addresses.optimisticVerifier;
  const referee = addresses.stepReferee;
  return (client: NoosWalletClient) => ({
    registerSpec: (p: Omit<RegisterSpecParameters, "address">) =>
      registerSpec(client, { ...p, address: referee }),
    registerSpecAndWait: (p: Omit<RegisterSpecParameters, "address">) =>
      registerSpecAndWait(client, { ...p, address: referee }),
    postClaim: (p: Bound<PostClaimParameters>) => postClaim(client, { ...p, address }),
    postClaimAndWait: (p: Bound<PostClaimParameters>) =>
      postClaimAndWait(client, { ...p, address }),
    challengeClaim: (p: Bound<ChallengeClaimParameters>) =>
      challengeClaim(client, { ...p, address }),
    challengeClaimAndWait: (p: Bound<ChallengeClaimParameters>) =>
      challengeClaimAndWait(client, { ...p, address }),
    bisectStates: (p: Bound<BisectStatesParameters>) => bisectStates(client, { ...p, address }),
    bisectStatesAndWait: (p: Bound<BisectStatesParameters>) =>
      bisectStatesAndWait(client, { ...p, address }),
    chooseInterval: (p: Bound<ChooseIntervalParameters>) =>
      chooseInterval(client, { ...p, address }),
    chooseIntervalAndWait: (p: Bound<ChooseIntervalParameters>) =>
      chooseIntervalAndWait(client, { ...p, address }),
    postTrace: (p: Bound<PostTraceParameters>) => postTrace(client, { ...p, address }),
    postTraceAndWait: (p: Bound<PostTraceParameters>) =>
      postTraceAndWait(client, { ...p, address }),
    pickElement: (p: Bound<PickElementParameters>) => pickElement(client, { ...p, address }),
    pickElementAndWait: (p: Bound<PickElementParameters>) =>
      pickElementAndWait(client, { ...p, address }),
    openElement: (p: Bound<OpenElementParameters>) => openElement(client, { ...p, address }),
    openElementAndWait: (p: Bound<OpenElementParameters>) =>
      openElementAndWait(client, { ...p, address }),
    timeoutGame: (p: Bound<TimeoutGameParameters>) => timeoutGame(client, { ...p, address }),
    timeoutGameAndWait: (p: Bound<TimeoutGameParameters>) =>
      timeoutGameAndWait(client, { ...p, address }),
    closeGame: (p: Bound<CloseGameParameters>) => closeGame(client, { ...p, address }),
    closeGameAndWait: (p: Bound<CloseGameParameters>) =>
      closeGameAndWait(client, { ...p, address }),
    finalizeClaim: (p: Bound<FinalizeClaimParameters>) => finalizeClaim(client, { ...p, address }),
    finalizeClaimAndWait: (p: Bound<FinalizeClaimParameters>) =>
      finalizeClaimAndWait(client, { ...p, address }),
    resolveUnclaimed: (p: Bound<ResolveUnclaimedParameters>) =>
      resolveUnclaimed(client, { ...p, address }),
    resolveUnclaimedAndWait: (p: Bound<ResolveUnclaimedParameters>) =>
      resolveUnclaimedAndWait(client, { ...p, address }),
    getClaim: (p: Bound<GetClaimParameters>) => getClaim(client, { ...p, address }),
    getGame: (p: Bound<GetGameParameters>) => getGame(client, { ...p, address }),
    getGamesOfClaim: (p: Bound<GetGamesOfClaimParameters>) =>
      getGamesOfClaim(client, { ...p, address }),
    getClaimOfLease: (p: Bound<GetClaimOfLeaseParameters>) =>
      getClaimOfLease(client, { ...p, address }),
    getSplitPoints: (p: Bound<GetSplitPointsParameters>) =>
      getSplitPoints(client, { ...p, address }),
    getVerifierConfig: () => getVerifierConfig(client, { address }),
  });
}
