// Yuma3 / liquid-alpha trajectories of subtensor's tests (specs/yuma.md §7.1 T5): dividends within
// 1e-3 as subtensor asserts, and the bond targets of the tests (which subtensor itself never
// compares, because of a `.skip(3)`) within 1e-3 too.
import { describe, expect, it } from "vitest";
import type { YumaOutput } from "./epoch.js";
import { runYuma3Scenario, yuma3Scenarios } from "./scenarios.js";

type Targets = { dividends: number[][]; bonds: number[][][]; bondColumns: number[] };

// Transcribed from tests/epoch.rs (targets_dividends, targets_bonds per epoch).
const TARGETS: Record<string, Targets> = {
  kappa_moves_first: {
    bondColumns: [3, 4],
    dividends: [
      [0.8, 0.1, 0.1, 0, 0],
      [1.0, 0, 0, 0, 0],
      [0.9382, 0.0618, 0, 0, 0],
      [0.8819, 0.0773, 0.0407, 0, 0],
      [0.8564, 0.0844, 0.0592, 0, 0],
      [0.8418, 0.0884, 0.0697, 0, 0],
    ],
    bonds: [
      [
        [0.1013, 0],
        [0.1013, 0],
        [0.1013, 0],
      ],
      [
        [0.0908, 0.1013],
        [0.3697, 0],
        [0.3697, 0],
      ],
      [
        [0.0815, 0.1924],
        [0.317, 0.1013],
        [0.558, 0],
      ],
      [
        [0.0731, 0.2742],
        [0.2765, 0.1924],
        [0.4306, 0.1013],
      ],
      [
        [0.0656, 0.3478],
        [0.2435, 0.2742],
        [0.3589, 0.1924],
      ],
      [
        [0.0588, 0.4139],
        [0.2157, 0.3478],
        [0.3089, 0.2742],
      ],
    ],
  },
  kappa_moves_second: {
    bondColumns: [3, 4],
    dividends: [
      [0.8, 0.1, 0.1, 0, 0],
      [0.8446, 0.0498, 0.1056, 0, 0],
      [0.6868, 0.3132, 0, 0, 0],
      [0.7421, 0.209, 0.0489, 0, 0],
      [0.7625, 0.1706, 0.0669, 0, 0],
      [0.773, 0.1508, 0.0762, 0, 0],
    ],
    bonds: [
      [
        [0.1013, 0],
        [0.1013, 0],
        [0.1013, 0],
      ],
      [
        [0.1924, 0],
        [0.0908, 0.2987],
        [0.1924, 0],
      ],
      [
        [0.1715, 0.1013],
        [0.0815, 0.3697],
        [0.4336, 0],
      ],
      [
        [0.1531, 0.1924],
        [0.0731, 0.4336],
        [0.3608, 0.1013],
      ],
      [
        [0.1369, 0.2742],
        [0.0656, 0.491],
        [0.3103, 0.1924],
      ],
      [
        [0.1225, 0.3478],
        [0.0588, 0.5426],
        [0.2712, 0.2742],
      ],
    ],
  },
  kappa_moves_last: {
    bondColumns: [3, 4],
    dividends: [
      [0.8, 0.1, 0.1, 0, 0],
      [0.8446, 0.0498, 0.1056, 0, 0],
      [0.8966, 0.0333, 0.0701, 0, 0],
      [0.4663, 0.321, 0.2127, 0, 0],
      [0.5976, 0.234, 0.1683, 0, 0],
      [0.6592, 0.1932, 0.1475, 0, 0],
    ],
    bonds: [
      [
        [0.1013, 0],
        [0.1013, 0],
        [0.1013, 0],
      ],
      [
        [0.1924, 0],
        [0.0908, 0.2987],
        [0.1924, 0],
      ],
      [
        [0.2742, 0],
        [0.0815, 0.5081],
        [0.1715, 0.2987],
      ],
      [
        [0.2416, 0.1013],
        [0.0731, 0.558],
        [0.1531, 0.3697],
      ],
      [
        [0.2141, 0.1924],
        [0.0656, 0.6028],
        [0.1369, 0.4336],
      ],
      [
        [0.1903, 0.2742],
        [0.0588, 0.643],
        [0.1225, 0.491],
      ],
    ],
  },
  one_epoch_switch: {
    bondColumns: [3, 4],
    dividends: [
      [0.33, 0.33, 0.34, 0, 0],
      [0.33, 0.33, 0.34, 0, 0],
      [0.3782, 0.3782, 0.2436, 0, 0],
      [0.3628, 0.3628, 0.2745, 0, 0],
      [0.3541, 0.3541, 0.2917, 0, 0],
      [0.3487, 0.3487, 0.3026, 0, 0],
    ],
    bonds: [
      [
        [0.1013, 0],
        [0.1013, 0],
        [0.1013, 0],
      ],
      [
        [0.1924, 0],
        [0.1924, 0],
        [0.1924, 0],
      ],
      [
        [0.2742, 0],
        [0.2742, 0],
        [0.1715, 0.2987],
      ],
      [
        [0.3478, 0],
        [0.3478, 0],
        [0.2554, 0.2618],
      ],
      [
        [0.4139, 0],
        [0.4139, 0],
        [0.3309, 0.2312],
      ],
      [
        [0.4733, 0],
        [0.4733, 0],
        [0.3987, 0.2051],
      ],
    ],
  },
  // The Rust targets are 3 wide here: read as columns [2, 3, 4] (nobody weights uid 2, so its
  // entry is 0; the other two match s1, s2 under α = 0.025).
  liquid_alpha_disabled: {
    bondColumns: [2, 3, 4],
    dividends: [
      [0.33, 0.33, 0.34, 0, 0],
      [0.33, 0.33, 0.34, 0, 0],
      [0.3734, 0.3734, 0.2532, 0, 0],
      [0.3611, 0.3611, 0.2779, 0, 0],
      [0.3541, 0.3541, 0.2919, 0, 0],
      [0.3495, 0.3495, 0.3009, 0, 0],
    ],
    bonds: [
      [
        [0, 0.025, 0],
        [0, 0.025, 0],
        [0, 0.025, 0],
      ],
      [
        [0, 0.0494, 0],
        [0, 0.0494, 0],
        [0, 0.0494, 0],
      ],
      [
        [0, 0.0731, 0],
        [0, 0.0731, 0],
        [0, 0.0481, 0.025],
      ],
      [
        [0, 0.0963, 0],
        [0, 0.0963, 0],
        [0, 0.0719, 0.0244],
      ],
      [
        [0, 0.1189, 0],
        [0, 0.1189, 0],
        [0, 0.0951, 0.0238],
      ],
      [
        [0, 0.1409, 0],
        [0, 0.1409, 0],
        [0, 0.1178, 0.0232],
      ],
    ],
  },
  stable_miner: {
    bondColumns: [3, 4, 5],
    dividends: [
      [0.8, 0.1, 0.1, 0, 0, 0],
      [0.8226, 0.0745, 0.1028, 0, 0, 0],
      [0.775, 0.1685, 0.0565, 0, 0, 0],
      [0.7864, 0.1372, 0.0764, 0, 0, 0],
      [0.7912, 0.1241, 0.0847, 0, 0, 0],
      [0.7937, 0.1173, 0.089, 0, 0, 0],
    ],
    bonds: [
      [
        [0.0507, 0, 0.0507],
        [0.0507, 0, 0.0507],
        [0.0507, 0, 0.0507],
      ],
      [
        [0.0962, 0, 0.0962],
        [0.0455, 0.1, 0.0962],
        [0.0962, 0, 0.0962],
      ],
      [
        [0.0863, 0.0507, 0.1371],
        [0.0408, 0.1405, 0.1371],
        [0.177, 0, 0.1371],
      ],
      [
        [0.0774, 0.0962, 0.1739],
        [0.0367, 0.177, 0.1739],
        [0.1579, 0.0507, 0.1739],
      ],
      [
        [0.0694, 0.1371, 0.2069],
        [0.0329, 0.2097, 0.2069],
        [0.1411, 0.0962, 0.2069],
      ],
      [
        [0.0623, 0.1739, 0.2366],
        [0.0296, 0.2391, 0.2366],
        [0.1263, 0.1371, 0.2366],
      ],
    ],
  },
};

// test_yuma_3_bonds_reset: targets at selected epochs only.
const BONDS_RESET: Record<number, { dividends: number[]; bonds: number[][] }> = {
  0: {
    dividends: [0.8, 0.1, 0.1, 0, 0],
    bonds: [
      [0.1013, 0],
      [0.1013, 0],
      [0.1013, 0],
    ],
  },
  1: {
    dividends: [0.8944, 0.0528, 0.0528, 0, 0],
    bonds: [
      [0.1924, 0],
      [0.0908, 0.2987],
      [0.0908, 0.2987],
    ],
  },
  2: {
    dividends: [0.523, 0.2385, 0.2385, 0, 0],
    bonds: [
      [0.1715, 0.1013],
      [0.0815, 0.3697],
      [0.0815, 0.3697],
    ],
  },
  19: {
    dividends: [0.7919, 0.104, 0.104, 0, 0],
    bonds: [
      [0.0269, 0.8539],
      [0.0131, 0.8975],
      [0.0131, 0.8975],
    ],
  },
  20: {
    dividends: [0.7928, 0.1036, 0.1036, 0, 0],
    bonds: [
      [0, 0.8687],
      [0, 0.9079],
      [0, 0.9079],
    ],
  },
  21: {
    dividends: [0.8467, 0.0766, 0.0766, 0, 0],
    bonds: [
      [0, 0.882],
      [0.2987, 0.6386],
      [0.2987, 0.6386],
    ],
  },
  40: {
    dividends: [0.7928, 0.1036, 0.1036, 0, 0],
    bonds: [
      [0.8687, 0.0578],
      [0.9079, 0.0523],
      [0.9079, 0.0523],
    ],
  },
};

const EPS = 1e-3;
const proportion = (u16: number) => u16 / 65535;
const bondProportion = (out: YumaOutput, i: number, j: number) =>
  proportion(out.bondsU16Stored[i]?.find(([k]) => k === j)?.[1] ?? 0);

function expectWithin(actual: number[], target: number[], label: string) {
  const diff = actual.map((a, k) => Math.abs(a - (target[k] as number)));
  const worst = Math.max(0, ...diff);
  expect(
    worst,
    `${label}: actual ${actual.map((a) => a.toFixed(4))} vs ${target}`,
  ).toBeLessThanOrEqual(EPS);
}

const scenarios = yuma3Scenarios();
const byName = (name: string) => {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new Error(name);
  return s;
};

describe("T5 Yuma3 scenarios (sparse production path)", () => {
  it.each(Object.keys(TARGETS))("%s: dividends and bonds of every epoch within 1e-3", (name) => {
    const targets = TARGETS[name] as Targets;
    const outputs = runYuma3Scenario(byName(name));
    expect(outputs).toHaveLength(targets.dividends.length);
    outputs.forEach((out, epoch) => {
      expectWithin(
        out.dividendsU16.map(proportion),
        targets.dividends[epoch] as number[],
        `${name} epoch ${epoch} D`,
      );
      for (const [v, row] of (targets.bonds[epoch] as number[][]).entries())
        expectWithin(
          targets.bondColumns.map((j) => bondProportion(out, v, j)),
          row,
          `${name} epoch ${epoch} bonds of validator ${v}`,
        );
    });
  });

  it("bonds_reset: targets at epochs 0, 1, 2, 19, 20, 21, 40 (column of uid 3 reset at epoch 20)", () => {
    const outputs = runYuma3Scenario(byName("bonds_reset"));
    expect(outputs).toHaveLength(41);
    for (const [epochText, target] of Object.entries(BONDS_RESET)) {
      const epoch = Number(epochText);
      const out = outputs[epoch] as YumaOutput;
      expectWithin(out.dividendsU16.map(proportion), target.dividends, `epoch ${epoch} D`);
      for (const [v, row] of target.bonds.entries())
        expectWithin(
          [3, 4].map((j) => bondProportion(out, v, j)),
          row,
          `epoch ${epoch} bonds ${v}`,
        );
    }
  });

  it("a wrong reading fails: without the reset at epoch 20 the bond to uid 3 is not 0", () => {
    const scenario = byName("bonds_reset");
    const noReset = { ...scenario, steps: scenario.steps.map((s) => ({ weights: s.weights })) };
    const out = runYuma3Scenario(noReset)[20] as YumaOutput;
    expect(bondProportion(out, 0, 3)).toBeGreaterThan(EPS);
  });
});
