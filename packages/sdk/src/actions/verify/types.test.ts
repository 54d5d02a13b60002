// The verifier's enum names: GamePhase.Reveal (7) is the asserter's move at level C.
import { describe, expect, it } from "vitest";
import { gameLevel, gamePhaseName, gameTurn } from "./types.js";

describe("game phase names", () => {
  it("names phase 7 Reveal: the asserter's turn, level C; the others keep their numbers", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(gamePhaseName)).toEqual([
      "None",
      "Bisect",
      "Choose",
      "Trace",
      "Pick",
      "Open",
      "Resolved",
      "Reveal",
    ]);
    expect(gameTurn("Reveal")).toBe("asserter");
    expect(gameLevel("Reveal")).toBe("C");
    expect(gameTurn("Pick")).toBe("challenger");
    expect(gameTurn("Resolved")).toBe("none");
  });
});
