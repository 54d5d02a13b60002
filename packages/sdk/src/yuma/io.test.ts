import { describe, expect, it } from "vitest";
import { InvalidParameterError } from "../errors.js";
import { runEpoch } from "./epoch.js";
import { epochInputToJson, parseEpochInput, parseJsonBig, stringifyJsonBig } from "./io.js";

const params = {
  tempo: 360,
  kappa: 32767,
  bonds_penalty: 65535,
  bonds_moving_average: 900000,
  yuma3: true,
  liquid_alpha: false,
  alpha_low: 45875,
  alpha_high: 58982,
  alpha_sigmoid_steepness: 1000,
  max_allowed_validators: 64,
  rao_emission: 1000000000,
  owner_uid: null,
  stake_threshold: 0,
};
const inputState = {
  n: 3,
  current_block: 1000,
  stake: [10, 30, 0],
  weights: [[[2, 65535]], [[2, 65535]], []],
  bonds: [[], [], []],
  last_update: [900, 900, 0],
  block_at_registration: [0, 0, 0],
  validator_permit: [true, true, false],
};
const doc = (over: { params?: object; input_state?: object } = {}) => ({
  params: { ...params, ...over.params },
  input_state: { ...inputState, ...over.input_state },
});

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidParameterError) return e.field;
    throw e;
  }
  throw new Error("did not throw");
}

describe("parseJsonBig / stringifyJsonBig", () => {
  it("keeps integers beyond 2^53 exact and writes them back as numbers", () => {
    const text = '{"a": 18446744073709551615, "b": [1, -2.5, 9007199254740993], "c": "x\\"y"}';
    const v = parseJsonBig(text) as { a: bigint; b: unknown[]; c: string };
    expect(v.a).toBe(18446744073709551615n);
    expect(v.b).toEqual([1, -2.5, 9007199254740993n]);
    expect(v.c).toBe('x"y');
    expect(stringifyJsonBig(v, 0)).toBe(
      '{"a":18446744073709551615,"b":[1,-2.5,9007199254740993],"c":"x\\"y"}',
    );
  });
  it("rejects malformed JSON with an offset", () => {
    expect(() => parseJsonBig('{"a": }')).toThrow(/offset 6/);
    expect(() => parseJsonBig("[1, 2] x")).toThrow(/trailing/);
  });
});

describe("parseEpochInput", () => {
  it("parses the documented document; u64 as numbers, bigints or decimal strings", () => {
    const { params: p, state } = parseEpochInput(
      doc({
        params: { rao_emission: "18446744073709551615" },
        input_state: { stake: [10n, "30", 0] },
      }),
    );
    expect(p.raoEmission).toBe(18446744073709551615n);
    expect(state.stake).toEqual([10n, 30n, 0n]);
    expect(p.activityCutoff).toBeUndefined();
    expect(() => runEpoch(p, state)).not.toThrow();
  });

  it("accepts the optional commit-reveal / last-tempo / activity keys and round-trips", () => {
    const { params: p, state } = parseEpochInput(
      doc({
        params: { commit_reveal: true, activity_cutoff: 5000 },
        input_state: { commit_block: [850, null, null], last_mechanism_step_block: 720 },
      }),
    );
    expect([p.commitReveal, p.activityCutoff]).toEqual([true, 5000n]);
    expect([state.commitBlock, state.lastMechanismStepBlock]).toEqual([[850n, null, null], 720n]);
    const again = parseEpochInput(parseJsonBig(stringifyJsonBig(epochInputToJson(p, state))));
    expect(again).toEqual({ params: p, state });
  });

  it.each([
    [{ params: { kappa: 70000 } }, "params.kappa"],
    [{ params: { yuma3: "yes" } }, "params.yuma3"],
    [{ params: { alpha_sigmoid_steepness: 40000 } }, "params.alpha_sigmoid_steepness"],
    [{ params: { owner_uid: 3 } }, "params.owner_uid"],
    [{ params: { tempo: -1 } }, "params.tempo"],
    [{ params: { rao_emission: "1e9" } }, "params.rao_emission"],
    [{ input_state: { stake: [1, 2] } }, "input_state.stake"],
    [{ input_state: { stake: [1, 2.5, 3] } }, "input_state.stake[1]"],
    [{ input_state: { weights: [[[3, 1]], [], []] } }, "input_state.weights[0][0][0]"],
    [{ input_state: { weights: [[[1, 65536]], [], []] } }, "input_state.weights[0][0][1]"],
    [{ input_state: { bonds: [[[1]], [], []] } }, "input_state.bonds[0][0]"],
    [{ input_state: { validator_permit: [1, 0, 0] } }, "input_state.validator_permit[0]"],
    [{ input_state: { n: -1 } }, "input_state.n"],
    [{ input_state: { stake: [2n ** 62n, 2n ** 62n, 0] } }, "input_state.stake"],
  ])("names the bad field (case %#)", (over, field) => {
    expect(fieldOf(() => parseEpochInput(doc(over)))).toBe(field);
  });

  it("names missing sections and keys", () => {
    expect(fieldOf(() => parseEpochInput({ input_state: inputState }))).toBe("params");
    const { kappa: _k, ...noKappa } = params;
    expect(fieldOf(() => parseEpochInput({ params: noKappa, input_state: inputState }))).toBe(
      "params.kappa",
    );
    expect(fieldOf(() => parseEpochInput(null))).toBe("input");
  });
});
