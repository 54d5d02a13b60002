// The subtensor test scenarios of specs/yuma.md §7.1 rebuilt on the in-memory chain: the same
// registrations, set_weights calls (max-upscaled as stored) and blocks as the Rust tests, so the
// epoch inputs are the ones the assertions were made on. Used by the tests and by the generator
// of examples/subnet/. Block conventions (resolved against the asserted numbers):
// - mock subnets register every uid at the test's start block; a first epoch only issues permits;
// - `next_block_no_epoch` advances one block; set_weights sets LastUpdate to the current block;
// - Yuma3 scenarios: weights set at block b, epoch at b+1 (`run_epoch` = next block + epoch).
import { createSubnetChain, type SubnetChain } from "./chain.js";
import type { YumaOutput, YumaParams } from "./epoch.js";

const U16_MAX = 65535;

/** tests/mock.rs: kappa 32767, BMA 900 000, β = 1, Yuma2, no owner, rao 1e9, threshold 0. */
export function mockYuma2Params(tempo: bigint, maxAllowedValidators: number): YumaParams {
  return {
    tempo,
    kappa: 32767,
    bondsPenalty: 65535,
    bondsMovingAverage: 900_000n,
    yuma3: false,
    liquidAlpha: false,
    alphaLow: 45875,
    alphaHigh: 58982,
    alphaSigmoidSteepness: 1000,
    maxAllowedValidators,
    raoEmission: 1_000_000_000n,
    ownerUid: null,
    stakeThreshold: 0n,
  };
}

/** `setup_yuma_3_scenario`: β = 0, BMA 975 000, steepness 1000, liquid alpha (0.1, 0.3), 3 permits. */
export function yuma3ScenarioParams(liquidAlpha = true): YumaParams {
  return {
    tempo: 1n,
    kappa: 32767,
    bondsPenalty: 0,
    bondsMovingAverage: 975_000n,
    yuma3: true,
    liquidAlpha,
    // set_alpha_values_32(0.1, 0.3) stores floor(x·65535).
    alphaLow: 6553,
    alphaHigh: 19660,
    alphaSigmoidSteepness: 1000,
    maxAllowedValidators: 3,
    raoEmission: 1_000_000_000n,
    ownerUid: null,
    stakeThreshold: 0n,
  };
}

/** Weights per validator (uids 0..2) for one epoch, or null to keep the stored ones. */
export type Yuma3Step = { weights: number[][] | null; resetBondsOf?: number };

export type Yuma3Scenario = {
  name: string;
  stakes: bigint[];
  /** Server uids the weights refer to. */
  servers: number[];
  liquidAlpha: boolean;
  steps: Yuma3Step[];
};

const M = U16_MAX;
const H = Math.floor(U16_MAX / 2); // u16::MAX / 2 = 32767

function repeat3(row: number[]): number[][] {
  return [row, row, row];
}

/** The Yuma3 scenarios of tests/epoch.rs (weights transcribed from the Rust tests). */
export function yuma3Scenarios(): Yuma3Scenario[] {
  const s1 = [M, 0];
  const s2 = [0, M];
  const kappaTail: Yuma3Step[] = [{ weights: repeat3(s2) }, { weights: null }, { weights: null }];
  const oneSwitch = (liquidAlpha: boolean, name: string): Yuma3Scenario => ({
    name,
    stakes: [33n, 33n, 34n, 0n, 0n],
    servers: [3, 4],
    liquidAlpha,
    steps: [0, 1, 2, 3, 4, 5].map((e) => ({ weights: e === 2 ? [s1, s1, s2] : repeat3(s1) })),
  });
  const bondsReset: Yuma3Step[] = [];
  for (let e = 0; e <= 40; e++) {
    if (e === 0) bondsReset.push({ weights: repeat3(s1) });
    else if (e === 1) bondsReset.push({ weights: [s1, s2, s2] });
    else if (e <= 20)
      bondsReset.push(
        e === 20 ? { weights: repeat3(s2), resetBondsOf: 3 } : { weights: repeat3(s2) },
      );
    else if (e === 21) bondsReset.push({ weights: [s2, s1, s1] });
    else bondsReset.push({ weights: repeat3(s1) });
  }
  return [
    {
      name: "kappa_moves_first",
      stakes: [8n, 1n, 1n, 0n, 0n],
      servers: [3, 4],
      liquidAlpha: true,
      steps: [
        { weights: repeat3(s1) },
        { weights: [s2, s1, s1] },
        { weights: [s2, s2, s1] },
        ...kappaTail,
      ],
    },
    {
      name: "kappa_moves_second",
      stakes: [8n, 1n, 1n, 0n, 0n],
      servers: [3, 4],
      liquidAlpha: true,
      steps: [
        { weights: repeat3(s1) },
        { weights: [s1, s2, s1] },
        { weights: [s2, s2, s1] },
        ...kappaTail,
      ],
    },
    {
      name: "kappa_moves_last",
      stakes: [8n, 1n, 1n, 0n, 0n],
      servers: [3, 4],
      liquidAlpha: true,
      steps: [
        { weights: repeat3(s1) },
        { weights: [s1, s2, s1] },
        { weights: [s1, s2, s2] },
        ...kappaTail,
      ],
    },
    oneSwitch(true, "one_epoch_switch"),
    oneSwitch(false, "liquid_alpha_disabled"),
    {
      name: "stable_miner",
      stakes: [8n, 1n, 1n, 0n, 0n, 0n],
      servers: [3, 4, 5],
      liquidAlpha: true,
      steps: [
        { weights: repeat3([H, 0, H]) },
        {
          weights: [
            [H, 0, H],
            [0, H, H],
            [H, 0, H],
          ],
        },
        {
          weights: [
            [0, H, H],
            [0, H, H],
            [H, 0, H],
          ],
        },
        { weights: repeat3([0, H, H]) },
        { weights: null },
        { weights: null },
      ],
    },
    {
      name: "bonds_reset",
      stakes: [8n, 1n, 1n, 0n, 0n],
      servers: [3, 4],
      liquidAlpha: true,
      steps: bondsReset,
    },
  ];
}

/**
 * `setup_yuma_3_scenario` (register at block 1, permit epoch at block 2) then one epoch per step:
 * weights set at block b, epoch at b+1. `onEpoch` sees the chain just before each epoch runs.
 */
export function runYuma3Scenario(
  scenario: Yuma3Scenario,
  onEpoch?: (epoch: number, chain: SubnetChain) => void,
): YumaOutput[] {
  const chain = createSubnetChain({
    params: yuma3ScenarioParams(scenario.liquidAlpha),
    stake: scenario.stakes,
    registrationBlock: 1n,
  });
  chain.advance();
  chain.epoch();
  const outputs: YumaOutput[] = [];
  scenario.steps.forEach((step, epoch) => {
    for (const [uid, row] of (step.weights ?? []).entries())
      chain.setWeights(uid, scenario.servers, row);
    if (step.resetBondsOf !== undefined) chain.resetBondsColumn(step.resetBondsOf);
    chain.advance();
    onEpoch?.(epoch, chain);
    outputs.push(chain.epoch());
  });
  return outputs;
}

/** `test_bonds` (Yuma2): n = 8, stakes [1,2,3,4,0,0,0,0], registered at block 1, tempo 1. */
export function testBondsChain(): SubnetChain {
  const chain = createSubnetChain({
    params: mockYuma2Params(1n, 8),
    stake: [1n, 2n, 3n, 4n, 0n, 0n, 0n, 0n],
    registrationBlock: 1n,
  });
  chain.epoch(); // permits
  chain.advance();
  for (let uid = 0; uid < 4; uid++)
    chain.setWeights(uid, [4, 5, 6, 7], [16383, 32767, (16383 * 3) | 0, M]);
  return chain;
}

/** `test_active_stake` (Yuma2): n = 4, stake 1 each, registered at block 0, tempo 1. */
export function testActiveStakeChain(activityCutoff?: bigint): SubnetChain {
  const params = mockYuma2Params(1n, 4);
  if (activityCutoff !== undefined) params.activityCutoff = activityCutoff;
  const chain = createSubnetChain({ params, stake: [1n, 1n, 1n, 1n], registrationBlock: 0n });
  chain.epoch(); // permits
  chain.advance();
  for (let uid = 0; uid < 2; uid++) chain.setWeights(uid, [2, 3], [H, H]);
  return chain;
}

/** `distribute_nodes`: interleave 0 = validators first, 1 = every (n/v)-th uid is a validator. */
export function distributeNodes(validatorsN: number, networkN: number, interleave: 0 | 1) {
  const validators: number[] = [];
  const servers: number[] = [];
  for (let uid = 0; uid < networkN; uid++) {
    const isValidator =
      interleave === 0 ? uid < validatorsN : uid % Math.floor(networkN / validatorsN) === 0;
    (isValidator ? validators : servers).push(uid);
  }
  return { validators, servers };
}

/**
 * `test_512_graph` via `init_run_epochs`: 64 validators with 328 125 000 000 000 stake each set
 * u16::MAX/512 on every server (stored max-upscaled), servers optionally self-weight; tempo
 * u16::MAX−1; a permit epoch, then weights at block 1 and `epochs` epochs at block 1.
 */
export function run512Graph(interleave: 0 | 1, serverSelf: boolean, epochs = 3) {
  const networkN = 512;
  const { validators, servers } = distributeNodes(64, networkN, interleave);
  const stake = new Array<bigint>(networkN).fill(0n);
  for (const v of validators) stake[v] = 328_125_000_000_000n;
  const chain = createSubnetChain({
    params: mockYuma2Params(65534n, validators.length),
    stake,
    registrationBlock: 0n,
  });
  chain.advance(); // new_test_ext(1): the chain starts at block 1
  chain.epoch(); // permits
  const w = Math.floor(U16_MAX / networkN);
  for (const v of validators)
    chain.setWeights(
      v,
      servers,
      servers.map(() => w),
    );
  if (serverSelf) for (const s of servers) chain.setWeights(s, [s], [M]);
  let out = chain.epoch();
  for (let e = 1; e < epochs; e++) out = chain.epoch();
  return { validators, servers, out, chain };
}
