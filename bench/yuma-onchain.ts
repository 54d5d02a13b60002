// Gas of one full Yuma epoch on chain (contracts/src/subnet/YumaEpochEngine.sol through its test
// harness), chunked so that every transaction stays under a gas cap (default 30M, common L2 block
// limit). Dense weights: every validator weights every uid. Each transaction takes the largest work
// budget whose eth_estimateGas fits the cap (what a keeper would do), so the count is minimal for
// that greedy schedule.
//
//   npx tsx bench/yuma-onchain.ts            (prints the 64x256 and 256x256 cases as JSON)
//
// `measureOnchainEpochGas(rpcUrl, options)` is the importable entry point (anvil or any dev node with
// an unlocked, funded first account and a block gas limit above the cap).
import { startAnvil } from "@noosphere/devnet";
import type { SparseRow, YumaParams, YumaState } from "@noosphere/sdk";
import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  http,
  type PublicClient,
  toHex,
} from "viem";
import {
  deployYumaHarness,
  loadYumaState,
  readYumaOutputs,
  type YumaHarness,
} from "../packages/devnet/src/yumaHarness.js";

export type OnchainEpochGasOptions = {
  validators?: number;
  uids?: number;
  yuma3?: boolean;
  liquidAlpha?: boolean;
  /** Per-transaction gas cap. Default 30_000_000. */
  maxTxGas?: bigint;
  /** Epochs to run back to back (the second one reuses storage slots: cheaper writes). Default 2. */
  epochs?: number;
};

export type OnchainEpochGas = {
  validators: number;
  uids: number;
  yuma3: boolean;
  liquidAlpha: boolean;
  /** Of the last epoch run (steady state: scratch and bond slots already non-zero). */
  transactions: number;
  gasPerTx: bigint[];
  budgetPerTx: bigint[];
  totalGas: bigint;
  maxTxGas: bigint;
  /** The first epoch on fresh storage (zero-to-non-zero writes). */
  firstEpoch: { transactions: number; gasPerTx: bigint[]; totalGas: bigint };
};

/** Deterministic dense subnet: validators 0..v-1 weight every uid, the rest are miners. */
export function denseSubnet(
  validators: number,
  uids: number,
  yuma3: boolean,
  liquidAlpha: boolean,
): { params: YumaParams; state: YumaState } {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const current = 10_000n;
  const weights: SparseRow[] = Array.from({ length: uids }, (_, i) =>
    i < validators
      ? Array.from({ length: uids }, (_, j) => [j, 1 + (rand() % 65535)] as [number, number])
      : [],
  );
  return {
    params: {
      tempo: 360n,
      kappa: 32767,
      bondsPenalty: 65535,
      bondsMovingAverage: 900_000n,
      yuma3,
      liquidAlpha,
      alphaLow: 45875,
      alphaHigh: 58982,
      alphaSigmoidSteepness: 1000,
      maxAllowedValidators: validators,
      raoEmission: 1_000_000_000_000n,
      ownerUid: null,
      stakeThreshold: 0n,
      activityCutoff: 5000n,
      commitReveal: false,
    },
    state: {
      n: uids,
      currentBlock: current,
      stake: Array.from({ length: uids }, (_, i) =>
        i < validators ? BigInt(1 + (rand() % 1000)) * 10n ** 12n : 0n,
      ),
      weights,
      bonds: Array.from({ length: uids }, () => []),
      lastUpdate: Array.from({ length: uids }, () => current - 1n),
      blockAtRegistration: Array.from({ length: uids }, () => 1n),
      validatorPermit: Array.from({ length: uids }, (_, i) => i < validators),
      lastMechanismStepBlock: 0n,
    },
  };
}

async function estimate(
  client: PublicClient,
  h: YumaHarness,
  data: `0x${string}`,
): Promise<bigint | null> {
  try {
    const g = await client.request({
      method: "eth_estimateGas",
      params: [{ from: h.sender.from, to: h.address, data, gas: toHex(h.sender.gas) }],
    });
    return BigInt(g);
  } catch {
    return null;
  }
}

/** One epoch, each transaction with the largest budget (binary search) whose estimate fits the cap. */
async function runCapped(
  client: PublicClient,
  h: YumaHarness,
  netuid: number,
  block: bigint,
  cap: bigint,
) {
  await h.write("setBlockOverride", [block]);
  const gasPerTx: bigint[] = [];
  const budgetPerTx: bigint[] = [];
  let prev = 256n;
  for (let tx = 0; tx < 1000; tx++) {
    const data = (b: bigint) =>
      encodeFunctionData({ abi: h.abi, functionName: "epochStep", args: [netuid, b] } as never);
    const fits = async (b: bigint) => ((await estimate(client, h, data(b))) ?? cap + 1n) <= cap;
    // bracket [lo, hi) around the previous budget, then bisect to ~3%
    let lo = prev;
    let hi = prev * 2n;
    if (await fits(lo)) {
      while (hi <= 1n << 16n && (await fits(hi))) {
        lo = hi;
        hi *= 2n;
      }
    } else {
      while (lo > 1n && !(await fits(lo))) {
        hi = lo;
        lo /= 2n;
      }
    }
    while (hi - lo > 1n && hi - lo > lo / 32n) {
      const mid = (lo + hi) / 2n;
      if (await fits(mid)) lo = mid;
      else hi = mid;
    }
    prev = lo;
    const r = await h.write("epochStep", [netuid, lo]);
    gasPerTx.push(r.gasUsed);
    budgetPerTx.push(lo);
    if (!(await h.read<boolean>("inProgress", [netuid]))) return { gasPerTx, budgetPerTx };
  }
  throw new Error("epoch did not finish in 1000 transactions");
}

/** Deploys the harness on `rpcUrl`, loads a dense subnet and measures full epochs under the cap. */
export async function measureOnchainEpochGas(
  rpcUrl: string,
  options: OnchainEpochGasOptions = {},
): Promise<OnchainEpochGas> {
  const validators = options.validators ?? 64;
  const uids = options.uids ?? 256;
  const yuma3 = options.yuma3 ?? true;
  const liquidAlpha = options.liquidAlpha ?? true;
  const cap = options.maxTxGas ?? 30_000_000n;
  const epochs = options.epochs ?? 2;
  const client = createPublicClient({ transport: http(rpcUrl) }) as PublicClient;
  const [from] = (await client.request({ method: "eth_accounts" as never })) as Address[];
  if (!from) throw new Error(`${rpcUrl} has no unlocked account`);
  // setup transactions are not capped (fixture loading); epoch steps are, via their estimates
  const h = await deployYumaHarness(client, from, 2_900_000_000n);
  const { params, state } = denseSubnet(validators, uids, yuma3, liquidAlpha);
  const netuid = 1;
  await loadYumaState(h, netuid, params, state);
  let first: { gasPerTx: bigint[]; budgetPerTx: bigint[] } | undefined;
  let last: { gasPerTx: bigint[]; budgetPerTx: bigint[] } | undefined;
  for (let e = 0; e < epochs; e++) {
    last = await runCapped(client, h, netuid, state.currentBlock + BigInt(e) * 360n, cap);
    first ??= last;
    const out = await readYumaOutputs(h, netuid, uids);
    if (!out.dividendsBits.some((d) => d !== 0n))
      throw new Error("bench epoch produced no dividends");
  }
  if (!first || !last) throw new Error("no epoch ran");
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  return {
    validators,
    uids,
    yuma3,
    liquidAlpha,
    transactions: last.gasPerTx.length,
    gasPerTx: last.gasPerTx,
    budgetPerTx: last.budgetPerTx,
    totalGas: sum(last.gasPerTx),
    maxTxGas: last.gasPerTx.reduce((a, b) => (a > b ? a : b), 0n),
    firstEpoch: {
      transactions: first.gasPerTx.length,
      gasPerTx: first.gasPerTx,
      totalGas: sum(first.gasPerTx),
    },
  };
}

async function main(): Promise<void> {
  const anvil = await startAnvil({
    port: 0,
    args: ["--gas-limit", "3000000000", "--base-fee", "0", "--gas-price", "0"],
  });
  try {
    const results = [];
    for (const [v, n] of [
      [64, 256],
      [256, 256],
    ] as const) {
      for (const [yuma3, liquidAlpha] of [
        [true, true],
        [true, false],
        [false, false],
      ] as const) {
        results.push(
          await measureOnchainEpochGas(anvil.rpcUrl, {
            validators: v,
            uids: n,
            yuma3,
            liquidAlpha,
          }),
        );
      }
    }
    console.log(JSON.stringify(results, (_, x) => (typeof x === "bigint" ? Number(x) : x), 2));
  } finally {
    await anvil.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
