// Cross-check: the Solidity Yuma epoch engine (through its harness, on a real anvil) against the
// SDK's TypeScript runEpoch, on random subnets with chained epochs. Every output integer must be
// equal: u16 terms, raw I32F32 bits, emissions, permits, active flags and the stored bonds (in order).

import {
  runEpoch,
  type SparseRow,
  type YumaOutput,
  type YumaParams,
  type YumaState,
} from "@noosphere/sdk";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestChain, type TestChain } from "./testing.js";
import {
  deployYumaHarness,
  loadYumaState,
  readYumaOutputs,
  runYumaEpoch,
  type YumaHarness,
} from "./yumaHarness.js";

/** Deterministic PRNG (xorshift128+ on BigInt-free 32-bit halves, splitmix seeded). */
function rng(seed: number) {
  let a = seed >>> 0 || 1;
  let b = (seed * 2654435761) >>> 0 || 2;
  const next = () => {
    let t = a;
    const s = b;
    a = s;
    t ^= t << 11;
    t ^= t >>> 8;
    b = (t ^ s ^ (s >>> 19)) >>> 0;
    return b;
  };
  for (let i = 0; i < 8; i++) next();
  const r = {
    u32: next,
    int: (lo: number, hi: number) => lo + (next() % (hi - lo + 1)),
    chance: (p: number) => next() / 2 ** 32 < p,
    pick: <T>(xs: readonly T[]): T => xs[next() % xs.length] as T,
    big: (bits: number) => {
      let v = 0n;
      for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(next());
      return v & ((1n << BigInt(bits)) - 1n);
    },
    shuffle: <T>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = next() % (i + 1);
        [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
      }
      return xs;
    },
  };
  return r;
}
type Rng = ReturnType<typeof rng>;

type Case = { seed: number; n: number; validators: number; dense: boolean };

function randomRow(r: Rng, n: number, self: number, dense: boolean): SparseRow {
  const cols = Array.from({ length: n }, (_, j) => j).filter(
    (j) => dense || r.chance(0.5) || j === self,
  );
  let picked = dense ? cols : cols.filter(() => r.chance(0.6));
  if (!dense && r.chance(0.15)) picked = [];
  if (r.chance(0.35)) r.shuffle(picked);
  return picked.map(
    (j) => [j, r.chance(0.1) ? 0 : r.chance(0.2) ? 65535 : r.int(0, 65535)] as [number, number],
  );
}

function randomParams(r: Rng, c: Case): YumaParams {
  const alphaLow = r.int(1638, 65535);
  return {
    tempo: BigInt(r.pick([1, 10, 99, 360])),
    kappa: r.pick([32767, 32767, r.int(0, 65535)]),
    bondsPenalty: r.pick([0, 65535, r.int(1, 65534)]),
    bondsMovingAverage: BigInt(r.pick([900_000, 975_000, r.int(0, 1_000_000)])),
    yuma3: r.chance(0.5),
    liquidAlpha: r.chance(0.5),
    alphaLow,
    alphaHigh: r.int(alphaLow, 65535),
    alphaSigmoidSteepness: r.pick([1000, 1000, r.int(-3000, 30000), r.int(0, 200)]),
    maxAllowedValidators: c.dense ? c.validators : r.int(0, c.n + 2),
    raoEmission: r.pick([1_000_000_000n, r.big(60), (1n << 64n) - 1n]),
    ownerUid: r.chance(0.4) ? r.int(0, c.n - 1) : null,
    stakeThreshold: r.chance(0.8) ? 0n : r.big(r.int(1, 40)),
    activityCutoff: BigInt(r.int(1, 60)),
    commitReveal: r.chance(0.4),
  };
}

function randomState(r: Rng, c: Case): YumaState {
  const n = c.n;
  const current = BigInt(r.int(1000, 5000));
  const validators = new Set<number>(
    r.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, c.validators),
  );
  const stake = Array.from({ length: n }, (_, i) => {
    if (c.dense) return validators.has(i) ? BigInt(r.int(1, 1_000_000)) * 1_000_000_000n : 0n;
    return r.pick([
      0n,
      BigInt(r.int(1, 100)),
      r.big(40),
      r.big(40),
      r.big(62),
      r.chance(0.05) ? (1n << 64n) - 1n : 0n,
    ]);
  });
  const blockAtRegistration = Array.from({ length: n }, () =>
    r.chance(0.85) ? BigInt(r.int(1, 900)) : current - BigInt(r.int(0, 80)),
  );
  const lastUpdate = Array.from({ length: n }, (_, i) =>
    c.dense && validators.has(i)
      ? current - 1n
      : current - BigInt(r.chance(0.85) ? r.int(0, 20) : r.int(0, 90)),
  );
  const validatorPermit = Array.from({ length: n }, (_, i) =>
    c.dense ? validators.has(i) : r.chance(0.65),
  );
  const weights = Array.from({ length: n }, (_, i) =>
    c.dense
      ? validators.has(i)
        ? randomRow(r, n, i, true)
        : []
      : r.chance(0.75)
        ? randomRow(r, n, i, false)
        : [],
  );
  const seedBonds = !c.dense && r.chance(0.35);
  const bonds = Array.from({ length: n }, (_, i) =>
    seedBonds && r.chance(0.6) ? randomRow(r, n, i, false) : [],
  );
  const commitBlock = Array.from({ length: n }, () =>
    r.chance(0.5) ? null : current - BigInt(r.int(0, 200)),
  );
  return {
    n,
    currentBlock: current,
    stake,
    weights,
    bonds,
    lastUpdate,
    blockAtRegistration,
    validatorPermit,
    commitBlock,
    lastMechanismStepBlock: r.chance(0.5) ? 0n : current - BigInt(r.int(1, 400)),
  };
}

/** Between epochs: blocks pass, some rows are re-set, a uid may be re-registered, stakes move. */
async function mutate(
  r: Rng,
  h: YumaHarness,
  netuid: number,
  c: Case,
  state: YumaState,
  out: YumaOutput,
): Promise<YumaState> {
  const n = state.n;
  const current = state.currentBlock + BigInt(r.int(1, 120));
  const next: YumaState = {
    ...state,
    currentBlock: current,
    bonds: out.bondsU16Stored.map((row) => row.map(([u, v]) => [u, v] as [number, number])),
    validatorPermit: out.newValidatorPermit.slice(),
    lastMechanismStepBlock: state.currentBlock,
    weights: state.weights.map((row) => row.slice()),
    lastUpdate: state.lastUpdate.slice(),
    blockAtRegistration: state.blockAtRegistration.slice(),
    stake: state.stake.slice(),
  };
  const calls: Hex[] = [];
  const rows = c.dense ? 2 : r.int(0, Math.min(n, 4));
  for (let k = 0; k < rows; k++) {
    const i = r.int(0, n - 1);
    const row = randomRow(r, n, i, c.dense && state.weights[i]?.length === n);
    next.weights[i] = row;
    next.lastUpdate[i] = current - BigInt(r.int(0, 3));
    calls.push(h.encode("setWeights", [netuid, i, row.map(([u]) => u), row.map(([, v]) => v)]));
    calls.push(h.encode("setLastUpdate", [netuid, i, next.lastUpdate[i]]));
  }
  if (!c.dense && r.chance(0.3)) {
    const u = r.int(0, n - 1);
    const reg = current - BigInt(r.int(0, 5));
    next.blockAtRegistration[u] = reg;
    next.weights[u] = [];
    next.bonds[u] = [];
    next.validatorPermit[u] = false;
    calls.push(h.encode("resetUid", [netuid, u, reg]));
  }
  if (!c.dense && r.chance(0.5)) {
    const i = r.int(0, n - 1);
    next.stake[i] = r.big(r.int(1, 50));
    calls.push(h.encode("setStakes", [netuid, next.stake]));
  }
  if (calls.length > 0) await h.write("multicall", [calls]);
  return next;
}

function firstDifference(chain: YumaOutput, ts: YumaOutput): string | null {
  for (const key of Object.keys(ts) as Array<keyof YumaOutput>) {
    const a = JSON.stringify(chain[key], (_, v) => (typeof v === "bigint" ? v.toString() : v));
    const b = JSON.stringify(ts[key], (_, v) => (typeof v === "bigint" ? v.toString() : v));
    if (a !== b) {
      const ca = chain[key] as unknown[];
      const cb = ts[key] as unknown[];
      const i = cb.findIndex(
        (v, k) =>
          JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}` : x)) !==
          JSON.stringify(ca[k], (_, x) => (typeof x === "bigint" ? `${x}` : x)),
      );
      const show = (v: unknown) =>
        JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}` : x));
      return `${key}[${i}]: chain ${show(ca[i])} vs ts ${show(cb[i])}`;
    }
  }
  return null;
}

const SMALL = Number(process.env.YUMA_CROSSCHECK_SMALL ?? 100);
const FULL = Number(process.env.YUMA_CROSSCHECK_FULL ?? 3);
const EPOCHS = 3;

function cases(): Case[] {
  const r = rng(20_260_701);
  const out: Case[] = [];
  for (let k = 0; k < SMALL; k++) {
    const n = k < 80 ? r.int(1, 16) : r.int(17, 72);
    out.push({ seed: r.u32(), n, validators: r.int(0, n), dense: false });
  }
  for (let k = 0; k < FULL; k++) out.push({ seed: r.u32(), n: 256, validators: 64, dense: true });
  return out;
}

// The harness artifact comes from `npm run build:contracts` (forge builds test/ too); without it
// deployYumaHarness fails with a message saying so: the test is never skipped.
describe("Yuma epoch: Solidity engine == TypeScript runEpoch", () => {
  let chain: TestChain;
  let h: YumaHarness;

  beforeAll(async () => {
    chain = await startTestChain({
      args: [
        "--gas-limit",
        "3000000000",
        "--base-fee",
        "0",
        "--gas-price",
        "0",
        "--disable-code-size-limit",
      ],
    });
    h = await deployYumaHarness(
      chain.publicClient,
      chain.accounts[0]?.address as Address,
      2_900_000_000n,
    );
  });
  afterAll(async () => {
    await chain?.stop();
  });

  const all = cases();
  it(`agrees on ${all.length} random subnets x ${EPOCHS} chained epochs`, {
    timeout: 600_000,
  }, async () => {
    let compared = 0;
    const stats = {
      liquidActive: 0,
      unsortedRows: 0,
      nonzeroConsensus: 0,
      nonzeroDividends: 0,
      fallback: 0,
      bonds: 0,
    };
    for (const [k, c] of all.entries()) {
      const netuid = k + 1;
      const r = rng(c.seed);
      const params = randomParams(r, c);
      let state = randomState(r, c);
      await loadYumaState(h, netuid, params, state);
      for (let e = 0; e < EPOCHS; e++) {
        const t0 = performance.now();
        const ts = runEpoch(params, state);
        const t1 = performance.now();
        // chunk sizes vary: one unit, a few columns, everything
        const budget = c.dense
          ? 2000n
          : BigInt(r.pick(c.n <= 16 ? [1, 5, 100_000, 100_000] : [c.n, 100_000]));
        await runYumaEpoch(h, netuid, state.currentBlock, budget);
        const onChain = await readYumaOutputs(h, netuid, c.n);
        if (process.env.YUMA_CROSSCHECK_TIMING)
          console.log(
            `#${k} n=${c.n} e${e} ts ${(t1 - t0).toFixed(0)}ms chain ${(performance.now() - t1).toFixed(0)}ms`,
          );
        const diff = firstDifference(onChain, ts);
        const where = `subnet #${k} (seed ${c.seed}, n ${c.n}, ${params.yuma3 ? "yuma3" : "yuma2"}${params.liquidAlpha ? "+liquid" : ""}, bp ${params.bondsPenalty}) epoch ${e}`;
        expect(diff, where).toBeNull();
        const cNonzero = ts.consensusBits.some((x) => x !== 0n);
        if (cNonzero) stats.nonzeroConsensus++;
        if (params.yuma3 && params.liquidAlpha && cNonzero) stats.liquidActive++;
        if (
          state.weights.some((row) =>
            row.some(([u], t) => t > 0 && u < (row[t - 1] as [number, number])[0]),
          )
        )
          stats.unsortedRows++;
        if (ts.dividendsBits.some((x) => x !== 0n)) stats.nonzeroDividends++;
        else stats.fallback++;
        if (ts.bondsU16Stored.some((row) => row.length > 0)) stats.bonds++;
        compared++;
        if (e + 1 < EPOCHS) state = await mutate(r, h, netuid, c, state, ts);
      }
    }
    expect(compared).toBe(all.length * EPOCHS);
    if (process.env.YUMA_CROSSCHECK_TIMING) console.log("coverage", stats);
    // the random cases must reach the interesting paths
    expect(stats.liquidActive).toBeGreaterThan(20);
    expect(stats.nonzeroDividends).toBeGreaterThan(100);
  });
});
