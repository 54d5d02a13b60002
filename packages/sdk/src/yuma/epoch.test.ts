// Yuma2 assertions of subtensor's tests/epoch.rs (specs/yuma.md §7.1 T1–T4) and the worked
// example specs/yuma-example.json, reproduced bit-exactly.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createSubnetChain } from "./chain.js";
import { runEpoch, type YumaOutput } from "./epoch.js";
import {
  epochInputToJson,
  epochOutputToJson,
  parseEpochInput,
  parseJsonBig,
  stringifyJsonBig,
} from "./io.js";
import { mockYuma2Params, run512Graph, testActiveStakeChain, testBondsChain } from "./scenarios.js";

// specs/yuma-example.json, vendored (reformatted by biome, same values).
const examplePath = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "testdata/yuma-example.json",
);

type Example = {
  vector: {
    params: unknown;
    epochs: Array<{ input_state: unknown; output: Record<string, unknown> }>;
  };
};

function loadExample(): Example {
  return parseJsonBig(readFileSync(examplePath, "utf8")) as Example;
}

/** Canonical text with every integer written exactly, so number vs bigint never matters. */
const canon = (v: unknown) => stringifyJsonBig(parseJsonBig(stringifyJsonBig(v, 0)), 0);

const bondAt = (out: YumaOutput, i: number, j: number) =>
  out.bondsU16Stored[i]?.find(([k]) => k === j)?.[1] ?? 0;
const column = (out: YumaOutput, j: number, rows = [0, 1, 2, 3]) =>
  rows.map((i) => bondAt(out, i, j));

describe("yuma-example.json (V1_test_bonds_yuma2)", () => {
  const example = loadExample();
  it.each([0, 1])("epoch %i: every output integer equal", (k) => {
    const epoch = example.vector.epochs[k];
    if (!epoch) throw new Error("missing epoch");
    const { params, state } = parseEpochInput({
      params: example.vector.params,
      input_state: epoch.input_state,
    });
    const out = epochOutputToJson(runEpoch(params, state));
    expect(Object.keys(out)).toEqual(Object.keys(epoch.output));
    for (const key of Object.keys(epoch.output))
      expect([key, canon(out[key])]).toEqual([key, canon(epoch.output[key])]);
  });

  it("the two epochs chain: epoch 1's bonds are epoch 0's stored bonds", () => {
    const [e0, e1] = example.vector.epochs;
    const { params, state } = parseEpochInput({
      params: example.vector.params,
      input_state: e0?.input_state,
    });
    const out = runEpoch(params, state);
    expect(canon(out.bondsU16Stored)).toBe(
      canon((e1?.input_state as { bonds: unknown } | undefined)?.bonds),
    );
  });

  it("the reconstructed test_bonds chain produces exactly the example's inputs", () => {
    const chain = testBondsChain();
    const params = chain.params;
    const { commitBlock: _c0, ...s0 } = chain.state();
    expect(canon(epochInputToJson(params, s0).input_state)).toBe(
      canon(example.vector.epochs[0]?.input_state),
    );
    chain.epoch();
    chain.setWeights(0, [0], [65535]);
    chain.advance();
    const { commitBlock: _c1, ...s1 } = chain.state();
    expect(canon(epochInputToJson(params, s1).input_state)).toBe(
      canon(example.vector.epochs[1]?.input_state),
    );
  });
});

describe("T1 test_bonds (Yuma2)", () => {
  it("reproduces every asserted bond, step by step, and the traced emission", () => {
    const chain = testBondsChain();
    let out = chain.epoch(); // block 2
    expect(column(out, 4)).toEqual([16383, 32767, 49151, 65535]);
    expect(out.emission).toEqual([
      49999998n,
      99999999n,
      150000000n,
      200000001n,
      49998779n,
      100000610n,
      149996337n,
      200004272n,
    ]);
    // I ≈ [.., 0.0999975582, 0.2000012207, 0.2999926752, 0.4000085455]
    expect(out.incentiveBits.slice(4).map((b) => Number(b) / 2 ** 32)).toEqual(
      [0.0999975582, 0.2000012207, 0.2999926752, 0.4000085455].map((x) => expect.closeTo(x, 10)),
    );

    chain.setWeights(0, [0], [65535]); // uid0 self-weight only
    chain.advance();
    out = chain.epoch(); // block 3
    expect(column(out, 4)).toEqual([14582, 32767, 49151, 65535]);

    chain.setWeights(1, [1], [65535]);
    chain.advance();
    out = chain.epoch(); // block 4
    expect(column(out, 4)).toEqual([12603, 28321, 49151, 65535]);

    chain.setWeights(2, [2], [65535]);
    chain.advance();
    out = chain.epoch(); // block 5: no weights survive; stake fallback
    expect(column(out, 7)).toEqual([12602, 28320, 49150, 65535]);
    expect(out.emission.slice(0, 4)).toEqual([99999999n, 199999999n, 299999999n, 399999999n]);

    chain.setWeights(2, [7], [65535]); // val3 -> srv4 only: consensus on srv4 only, clipping
    chain.advance();
    out = chain.epoch(); // block 6
    expect(column(out, 7)).toEqual([10951, 24609, 49150, 65535]);
    expect(out.emission).toEqual([
      36443733n,
      81898628n,
      163565493n,
      218092144n,
      0n,
      0n,
      0n,
      500000000n,
    ]);

    chain.advance();
    out = chain.epoch(); // block 7
    expect(column(out, 7)).toEqual([9559, 21482, 49150, 65535]);
    expect(out.emission.slice(0, 4)).toEqual([32799427n, 73706612n, 168638129n, 224855830n]);

    chain.advance();
    out = chain.epoch(); // block 8
    expect(column(out, 7)).toEqual([8376, 18824, 49150, 65535]);
    expect(out.emission.slice(0, 4)).toEqual([29518068n, 66336137n, 173203134n, 230942659n]);
  });
});

describe("T2 test_active_stake (Yuma2)", () => {
  // Current rule: cutoff = 13889·tempo/1000 = 13 blocks at tempo 1 (test runs to cutoff+2 = 15);
  // the legacy 5000-block ActivityCutoff gives the spec's blocks 5002/5003 and the same numbers.
  it.each([
    ["dynamic cutoff (13 blocks)", undefined, 13n],
    ["legacy cutoff (5000 blocks)", 5000n, 5000n],
  ] as const)("%s", (_label, override, cutoff) => {
    const chain = testActiveStakeChain(override);
    let out = chain.epoch(); // block 1
    expect(out.dividendsU16.slice(0, 2)).toEqual([32767, 32767]);
    expect(out.emission).toEqual([250000000n, 250000000n, 250000000n, 250000000n]);
    for (const i of [0, 1]) {
      expect([bondAt(out, i, 0), bondAt(out, i, 1)]).toEqual([0, 0]);
      expect([bondAt(out, i, 2), bondAt(out, i, 3)]).toEqual([65535, 65535]);
    }

    chain.advance(cutoff + 2n - chain.block()); // uid1's weights become outdated
    chain.setWeights(0, [2, 3], [32767, 32767]);
    out = chain.epoch();
    expect(out.active).toEqual([true, false, false, false]);
    expect([out.dividendsU16[0], out.emission[0]]).toEqual([36044, 274999999n]);
    expect([out.dividendsU16[1], out.emission[1]]).toEqual([29490, 224999999n]);
    expect([bondAt(out, 0, 2), bondAt(out, 0, 3)]).toEqual([65535, 65535]);
    expect([bondAt(out, 1, 2), bondAt(out, 1, 3)]).toEqual([53619, 53619]);

    chain.setWeights(1, [2, 3], [32767, 32767]);
    chain.advance();
    out = chain.epoch();
    expect([out.dividendsU16[0], out.emission[0]]).toEqual([35716, 272501132n]);
    expect([out.dividendsU16[1], out.emission[1]]).toEqual([29818, 227498866n]);
    expect([bondAt(out, 0, 2), bondAt(out, 0, 3)]).toEqual([65535, 65535]);
    expect([bondAt(out, 1, 2), bondAt(out, 1, 3)]).toEqual([54712, 54712]);
  });
});

describe("T3 test_10_graph", () => {
  it("self-weights only: all terms 0 and the stake fallback emits 99999999 each", () => {
    const chain = createSubnetChain({
      params: mockYuma2Params(65534n, 128),
      stake: new Array<bigint>(10).fill(1n),
      registrationBlock: 0n,
    });
    chain.advance(); // run_to_block(1)
    for (let i = 0; i < 10; i++) chain.setWeights(i, [i], [65535]);
    const out = chain.epoch();
    expect(out.consensusU16).toEqual(new Array(10).fill(0));
    expect(out.incentiveU16).toEqual(new Array(10).fill(0));
    expect(out.dividendsU16).toEqual(new Array(10).fill(0));
    expect(out.emission).toEqual(new Array(10).fill(99999999n));
  });
});

describe("T4 test_512_graph", () => {
  it.each([
    [0, false],
    [0, true],
    [1, false],
    [1, true],
  ] as const)("interleave %i, server self-weight %s", (interleave, serverSelf) => {
    const { validators, servers, out } = run512Graph(interleave, serverSelf);
    const validator = validators[0] as number;
    const server = servers[0] as number;
    for (const v of validators) {
      expect([
        v,
        out.consensusU16[v],
        out.incentiveU16[v],
        out.dividendsU16[v],
        out.emission[v],
      ]).toEqual([v, 0, 0, 1023, 7812500n]);
      expect([bondAt(out, v, validator), bondAt(out, v, server)]).toEqual([0, 65535]);
    }
    for (const s of servers) {
      expect([
        s,
        out.consensusU16[s],
        out.incentiveU16[s],
        out.dividendsU16[s],
        out.emission[s],
      ]).toEqual([s, 146, 146, 0, 1116071n]);
      expect([bondAt(out, s, validator), bondAt(out, s, server)]).toEqual([0, 0]);
    }
  });
});
