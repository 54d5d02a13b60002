import type { Address, ContractFunctionReturnType } from "viem";
import { readContract } from "viem/actions";
import type { NoosReadClient } from "../../client.js";
import { decodeContractError } from "../../errors.js";
import { optimisticVerifierAbi } from "../../generated/abis.js";
import {
  type GameLevel,
  type GamePhaseName,
  type GameResolutionName,
  type GameTurn,
  gameLevel,
  gamePhaseName,
  gameResolutionName,
  gameTurn,
} from "./types.js";

export type GetGameParameters = {
  /** OptimisticVerifier address. */
  address: Address;
  gameId: bigint;
};
export type Game = ContractFunctionReturnType<typeof optimisticVerifierAbi, "view", "getGame"> & {
  id: bigint;
  phaseName: GamePhaseName;
  resolutionName: GameResolutionName;
  /** Whose move the game waits for. */
  turn: GameTurn;
  /** A: states, B: the ops of one transition, C: one element. */
  level: GameLevel;
};
export type GetGameReturnType = Game;
export type GetGameErrorType = Error;

/** A dispute game with its phase, turn and level named (reverts with VerifierUnknownGame if there is none). */
export async function getGame(
  client: NoosReadClient,
  params: GetGameParameters,
): Promise<GetGameReturnType> {
  try {
    const game = await readContract(client, {
      address: params.address,
      abi: optimisticVerifierAbi,
      functionName: "getGame",
      args: [params.gameId],
    });
    const phaseName = gamePhaseName(game.phase);
    return {
      ...game,
      id: params.gameId,
      phaseName,
      resolutionName: gameResolutionName(game.resolution),
      turn: gameTurn(phaseName),
      level: gameLevel(phaseName),
    };
  } catch (err) {
    throw decodeContractError(err, optimisticVerifierAbi);
  }
}
