// Writes the epoch state files of this folder (`<name>.json`, the `{ params, input_state }` input of
// `noos subnet epoch`) and their outputs (`<name>.expected.json`, from the implementation that
// reproduces every subtensor assertion in packages/sdk/src/yuma/*.test.ts).
//
//   npx tsx examples/subnet/generate.ts          (then: npx biome check --write examples/subnet)
//
// The states come from the subtensor test scenarios (specs/yuma.md §7.1) replayed on the
// in-memory chain, plus two built here for the permit, owner, threshold and commit-reveal paths.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createSubnetChain,
  defaultSubnetParams,
  epochInputToJson,
  epochOutputToJson,
  runEpoch,
  stringifyJsonBig,
  type YumaParams,
  type YumaState,
  yumaScenarios,
} from "@noosphere/sdk";

const dir = path.dirname(fileURLToPath(import.meta.url));

type Example = { name: string; note: string; params: YumaParams; state: YumaState };

function withoutCommits(state: YumaState): YumaState {
  const { commitBlock: _unused, ...rest } = state;
  return rest;
}

/** State of a Yuma3 scenario just before epoch `epoch`. */
function yuma3State(name: string, epoch: number): { params: YumaParams; state: YumaState } {
  const scenario = yumaScenarios.yuma3Scenarios().find((s) => s.name === name);
  if (!scenario) throw new Error(name);
  let captured: { params: YumaParams; state: YumaState } | undefined;
  yumaScenarios.runYuma3Scenario(scenario, (e, chain) => {
    if (e === epoch) captured = { params: chain.params, state: withoutCommits(chain.state()) };
  });
  if (!captured) throw new Error(`${name} has no epoch ${epoch}`);
  return captured;
}

const examples: Example[] = [];

{
  const chain = yumaScenarios.testBondsChain();
  examples.push({
    name: "yuma2-test-bonds",
    note: "subtensor test_bonds, first weighted epoch (block 2): = yuma-example.json epoch 0",
    params: chain.params,
    state: withoutCommits(chain.state()),
  });
  chain.epoch();
  for (const [uid, uids] of [
    [0, [0]],
    [1, [1]],
    [2, [2]],
  ] as const) {
    chain.setWeights(uid, [...uids], [65535]);
    chain.advance();
    chain.epoch();
  }
  chain.setWeights(2, [7], [65535]);
  chain.advance();
  examples.push({
    name: "yuma2-clipping",
    note: "subtensor test_bonds at block 6: only uids 2 and 3 weight server 7, so consensus is 0 on servers 4-6 and uid 3's weights there are clipped away",
    params: chain.params,
    state: withoutCommits(chain.state()),
  });
}

{
  const chain = yumaScenarios.testActiveStakeChain();
  chain.epoch();
  chain.advance(15n - chain.block());
  chain.setWeights(0, [2, 3], [32767, 32767]);
  examples.push({
    name: "yuma2-inactive",
    note: "subtensor test_active_stake at block 15: uid 1's weights are older than the 13-block activity cutoff, so its stake is masked and its bonds decay",
    params: chain.params,
    state: withoutCommits(chain.state()),
  });
}

{
  const { params, state } = yuma3State("liquid_alpha_disabled", 3);
  examples.push({
    name: "yuma3",
    note: "subtensor test_yuma_3_liquid_alpha_disabled before epoch 3: Yuma3 bonds (EMA α = 0.025), validator C moved to server 2 one epoch earlier",
    params,
    state,
  });
}

{
  const { params, state } = yuma3State("kappa_moves_first", 3);
  examples.push({
    name: "yuma3-liquid-alpha",
    note: "subtensor test_yuma_3_kappa_moves_first before epoch 3: Yuma3 with liquid alpha (0.1, 0.3), steepness 1000, no bonds penalty",
    params,
    state,
  });
}

{
  // 5 validators but 3 permits; an owner (uid 9) keeps its self-weight and its permit; uid 4 is
  // under the stake threshold.
  const params = defaultSubnetParams({
    maxAllowedValidators: 3,
    ownerUid: 9,
    stakeThreshold: 15_000_000_000n,
    commitReveal: false,
  });
  const stake = [50n, 40n, 30n, 20n, 10n, 0n, 0n, 0n, 0n, 0n].map((s) => s * 1_000_000_000n);
  const chain = createSubnetChain({ params, stake, registrationBlock: 0n });
  chain.epoch();
  const servers = [5, 6, 7, 8, 9];
  const rows = [
    [60000, 40000, 20000, 10000, 5000],
    [65535, 30000, 20000, 10000, 0],
    [50000, 50000, 20000, 0, 10000],
    [0, 0, 0, 65535, 0],
    [0, 0, 0, 0, 65535],
  ];
  for (let e = 0; e < 3; e++) {
    chain.advance(180n);
    rows.forEach((row, v) => {
      chain.setWeights(v, servers, row);
    });
    chain.setWeights(9, [9, 5], [65535, 1000]);
    chain.advance(180n);
    if (e < 2) chain.epoch();
  }
  examples.push({
    name: "unpermitted-validators",
    note: "Yuma3 defaults with max_allowed_validators 3: uids 3 and 4 hold no permit (uid 4 is also under the stake threshold), their weights are masked; owner uid 9 keeps its self-weight and permit",
    params,
    state: withoutCommits(chain.state()),
  });
}

{
  // Commit-reveal sniping mask: uid 5 re-registers at block 1445 while validator 0 still has a
  // pending commit from block 1441 (its newer commit at 1448 set LastUpdate, so the outdated mask
  // keeps its row): min commit block 1441 < 1445 drops (0, 5). Validators 1 and 2 committed only at 1448.
  const params = defaultSubnetParams({ commitReveal: true });
  const stake = [30n, 30n, 40n, 0n, 0n, 0n].map((s) => s * 1_000_000_000n);
  const chain = createSubnetChain({ params, stake, registrationBlock: 0n });
  chain.epoch();
  const servers = [3, 4, 5];
  for (let e = 0; e < 4; e++) {
    chain.advance(180n);
    for (let v = 0; v < 3; v++) {
      chain.commit(v);
      chain.reveal(v, servers, [65535, 30000 + 10000 * v, 20000]);
    }
    chain.advance(180n);
    chain.epoch();
  }
  chain.advance(10n);
  const state = chain.state();
  state.blockAtRegistration[5] = 1445n;
  state.lastUpdate[0] = 1448n;
  state.lastUpdate[1] = 1448n;
  state.lastUpdate[2] = 1448n;
  state.commitBlock = [1441n, 1448n, 1448n, null, null, null];
  state.lastMechanismStepBlock = 1440n;
  examples.push({
    name: "commit-reveal-sniped",
    note: "commit-reveal on: validator 0's pending commit predates uid 5's re-registration, so its weight on uid 5 is masked (§3.5 step 4); last_mechanism_step_block sets the bond mask",
    params,
    state,
  });
}

for (const ex of examples) {
  const input = { note: ex.note, ...epochInputToJson(ex.params, ex.state) };
  const output = epochOutputToJson(runEpoch(ex.params, ex.state));
  writeFileSync(path.join(dir, `${ex.name}.json`), `${stringifyJsonBig(input)}\n`);
  writeFileSync(path.join(dir, `${ex.name}.expected.json`), `${stringifyJsonBig(output)}\n`);
  process.stdout.write(`wrote ${ex.name}.json and ${ex.name}.expected.json\n`);
}
