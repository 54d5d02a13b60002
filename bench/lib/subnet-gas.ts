// bench/subnet.ts section "gasPerTempo": what one tempo costs on chain at the demo's size
// (`noos demo subnet`: 5 miners, 3 validators and a copier, 9 uids), with commit-reveal on
// (each validator commits, then reveals in the next epoch) and off (each sets its weights), plus
// the epoch (one runEpoch transaction) and the keeper's claims. Gas is the receipts' gasUsed.
import { generateWeightsSalt } from "@noosphere/sdk";
import { parseEther } from "viem";
import { mean as average, round, summarize } from "./stats.js";
import { type BenchSection, runEpoch, setupSubnet } from "./subnet-setup.js";

const MINERS = [10, 11, 12, 13, 14];
const VALIDATORS = [15, 16, 17, 18];
const TEMPOS = 5;

/** Weights as a validator of the demo sets them: a spread over the 5 miners (uids 0..4). */
const weightsFor = (v: number, tempo: number) => ({
  uids: [0, 1, 2, 3, 4],
  values: [65535, 50000 - 1000 * v, 30000 + 500 * tempo, 2000, 1],
});

export const gasPerTempo: BenchSection = {
  name: "gasPerTempo",
  about: `gas per tempo at the demo's size (9 uids: 5 miners, 4 validators incl. the copier): commit + reveal per validator with commit-reveal on, setWeights per validator with it off, one runEpoch (whole epoch in one transaction), one claim per account; ${TEMPOS} tempos each, receipts' gasUsed`,
  async run({ net, log }) {
    const stakes = new Map(VALIDATORS.map((v, i) => [v, parseEther(String(1000 - 100 * i))]));
    const gas = {
      commitWeights: [] as number[],
      revealWeights: [] as number[],
      setWeights: [] as number[],
      runEpochCommitReveal: [] as number[],
      runEpochDirect: [] as number[],
      claim: [] as number[],
    };

    // Commit-reveal on: commit in tempo t, reveal in t + 1 (then commit again).
    const cr = await setupSubnet(net, {
      owner: 1,
      neurons: [...MINERS, ...VALIDATORS],
      stakes,
      hyperparams: { commitReveal: true, revealPeriodEpochs: 1n },
    });
    let pending = new Map<number, ReturnType<typeof weightsFor> & { salt: `0x${string}` }>();
    for (let t = 0; t <= TEMPOS; t++) {
      for (const [v, w] of pending) {
        const { receipt } = await net.client(v).revealWeightsAndWait({ netuid: cr.netuid, ...w });
        gas.revealWeights.push(Number(receipt.gasUsed));
      }
      pending = new Map();
      if (t < TEMPOS) {
        for (const [i, v] of VALIDATORS.entries()) {
          const w = { ...weightsFor(i, t), salt: generateWeightsSalt() };
          const { receipt } = await net.client(v).commitWeightsAndWait({ netuid: cr.netuid, ...w });
          gas.commitWeights.push(Number(receipt.gasUsed));
          pending.set(v, w);
        }
      }
      const epoch = await runEpoch(net, cr.netuid);
      // The first epochs run before any reveal: only those with weights in force count.
      if (t > 0) gas.runEpochCommitReveal.push(sumGas(epoch.receipts));
    }

    // Commit-reveal off: setWeights every tempo.
    const direct = await setupSubnet(net, {
      owner: 1,
      neurons: [...MINERS, ...VALIDATORS],
      stakes,
      hyperparams: { commitReveal: false },
    });
    for (let t = 0; t < TEMPOS; t++) {
      for (const [i, v] of VALIDATORS.entries()) {
        const { receipt } = await net
          .client(v)
          .setWeightsAndWait({ netuid: direct.netuid, ...weightsFor(i, t) });
        gas.setWeights.push(Number(receipt.gasUsed));
      }
      gas.runEpochDirect.push(sumGas((await runEpoch(net, direct.netuid)).receipts));
    }

    // The keeper's claims: one per account with emission.
    const keeper = net.client(0);
    for (const i of [...MINERS, ...VALIDATORS]) {
      const account = net.accounts[i]?.address as `0x${string}`;
      if ((await keeper.getClaimable({ account })) === 0n) continue;
      const { receipt } = await keeper.claimEmissionAndWait({ account });
      gas.claim.push(Number(receipt.gasUsed));
    }

    const mean = (xs: number[]) => (xs.length ? round(average(xs), 0) : 0);
    const v = VALIDATORS.length;
    const perTempo = {
      commitReveal:
        mean(gas.commitWeights) * v + mean(gas.revealWeights) * v + mean(gas.runEpochCommitReveal),
      direct: mean(gas.setWeights) * v + mean(gas.runEpochDirect),
      claimsAll: mean(gas.claim) * (MINERS.length + VALIDATORS.length),
    };
    log(
      `gas per tempo (9 uids, 4 validators): commit-reveal ${perTempo.commitReveal}, direct ${perTempo.direct}, claims ${perTempo.claimsAll}`,
    );
    return {
      uids: MINERS.length + VALIDATORS.length,
      validators: v,
      tempos: TEMPOS,
      gasPerTransaction: Object.fromEntries(
        Object.entries(gas).map(([k, xs]) => [k, { ...summarize(xs), mean: mean(xs) }]),
      ),
      gasPerTempo: perTempo,
    };
  },
};

const sumGas = (receipts: { receipt: { gasUsed: bigint } }[]) =>
  receipts.reduce((a, r) => a + Number(r.receipt.gasUsed), 0);
