// `noos demo subnet`: a live subnet on the devnet, every neuron its own process.
//   - the owner creates a subnet (commit-reveal on, short tempo);
//   - 5 miners serve digit classifiers of known quality (trained 1, 3, 20 epochs; one random; one
//     that goes offline once registered) with `noos subnet miner start`;
//   - 3 honest validators score them on their own private held-out digits, and 1 weight copier
//     commits the stake-weighted mean of the weights the others revealed (spec §6), all with
//     `noos subnet validator start`;
//   - a keeper (`noos subnet keeper`) runs each epoch when it is due and claims emissions;
//   - anvil mines on demand, so the keeper also mines a block every BLOCK_MS (subtensor: 12 s).
// It then reads the metagraph from the chain and reports Spearman(held-out quality, incentive)
// and the copier's dividends per unit of stake against the honest validators'.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DevnetInfo } from "@noosphere/devnet";
import {
  BaseError,
  createNoosClient,
  formatNoos,
  getSubnet,
  type NoosphereAddresses,
  noosphereActions,
  subnetRegistryAbi,
  subnetStakeRole,
} from "@noosphere/sdk";
import { createTestClient, type Hex, http, parseEther, publicActions } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { readContract } from "viem/actions";
import { stringify } from "yaml";
import {
  importTaskModule,
  type MetagraphRow,
  printMetagraphTable,
  readMetagraphRows,
} from "../commands/subnet.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../../bin/noos.js");
const taskFile = path.resolve(here, "../../../../examples/subnets/heldout/task.ts");

/** Blocks per epoch, and the demo's block time. */
const TEMPO = 20;
const BLOCK_MS = 200;
/** Epochs to run after every neuron is up (issue 12: at least 10 tempos with commit-reveal). */
const EPOCHS = 11;

type Role = "miner" | "validator" | "copier" | "keeper";
type Neuron = {
  name: string;
  role: Role;
  key: Hex;
  address: `0x${string}`;
  /** Miner: what it serves; validator: its stake. */
  model?: string;
  random?: number;
  offline?: boolean;
  stake?: string;
  part?: number;
  child?: ChildProcess;
  log?: string;
};

const MINERS: Pick<Neuron, "name" | "model" | "random" | "offline">[] = [
  { name: "miner-20-epochs", model: "epochs-20.onnx" },
  { name: "miner-3-epochs", model: "epochs-3.onnx" },
  { name: "miner-1-epoch", model: "epochs-1.onnx" },
  { name: "miner-random", random: 7 },
  { name: "miner-offline", model: "epochs-20.onnx", offline: true },
];
const VALIDATORS = [
  { name: "validator-a", stake: "1000", part: 0 },
  { name: "validator-b", stake: "800", part: 1 },
  { name: "validator-c", stake: "600", part: 2 },
];
const COPIER = { name: "copier", stake: "700" };

/** Spearman rank correlation (ties get their mean rank). */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const ranks = (v: readonly number[]) => {
    const order = v.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]?.x === order[i]?.x) j++;
      for (let k = i; k <= j; k++) r[(order[k] as { i: number }).i] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(rx);
  const my = mean(ry);
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < rx.length; i++) {
    const a = (rx[i] as number) - mx;
    const b = (ry[i] as number) - my;
    num += a * b;
    dx += a * a;
    dy += b * b;
  }
  return dx === 0 || dy === 0 ? 0 : num / Math.sqrt(dx * dy);
}

export async function runSubnetDemo(p: {
  dir: string;
  devnet: DevnetInfo;
  json: boolean;
  say: (line: string) => void;
}): Promise<Record<string, unknown>> {
  const { devnet } = p;
  const t0 = Date.now();
  const say = (line: string) =>
    p.say(line === "" ? "" : `[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);
  const contracts = devnet.contracts as NoosphereAddresses;
  const registry = contracts.subnetRegistry;
  const work = path.resolve(p.dir, "demos", "subnet");
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const deployerKey = devnet.accounts[0]?.privateKey;
  if (!deployerKey) throw new BaseError("The devnet has no dev account 0.");
  const wallet = (key: Hex) =>
    createNoosClient({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, privateKey: key }).extend(
      noosphereActions(contracts),
    );
  const deployer = wallet(deployerKey);
  const test = createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) }).extend(
    publicActions,
  );

  // 1. Fresh keys for every neuron, funded with gas and NOOS by the treasury.
  const fresh = (name: string, role: Role, extra: Partial<Neuron> = {}): Neuron => {
    const key = generatePrivateKey();
    return { name, role, key, address: privateKeyToAccount(key).address, ...extra };
  };
  const owner = fresh("owner", "keeper");
  const keeper = fresh("keeper", "keeper");
  const miners = MINERS.map((m) => fresh(m.name, "miner", m));
  const validators = VALIDATORS.map((v) => fresh(v.name, "validator", v));
  const copier = fresh(COPIER.name, "copier", { stake: COPIER.stake });
  const everyone = [owner, keeper, ...miners, ...validators, copier];
  const lock = await readContract(deployer, {
    address: registry,
    abi: subnetRegistryAbi,
    functionName: "lockCost",
  });
  say(`funding ${everyone.length} fresh keys (owner, keeper, 5 miners, 3 validators, copier)...`);
  for (const n of everyone) {
    await test.setBalance({ address: n.address, value: parseEther("100") });
    const amount =
      n === owner ? lock + parseEther("10") : parseEther(n.stake ?? "0") + parseEther("20");
    await deployer.transferAndWait({ to: n.address, amount });
  }

  // 2. The subnet: commit-reveal on, one weight setting per tempo at most.
  const ownerClient = wallet(owner.key);
  await ownerClient.approveAndWait({ spender: registry, amount: lock });
  const created = await ownerClient.createSubnetAndWait({ maxLock: lock });
  const { netuid } = created;
  const createdAt = created.receipt.blockNumber;
  await ownerClient.setHyperparamsAndWait({
    netuid,
    hyperparams: {
      tempo: BigInt(TEMPO),
      commitReveal: true,
      revealPeriodEpochs: 1n,
      weightsSetRateLimit: BigInt(TEMPO / 2),
      immunityPeriod: 1000n,
    },
  });
  say(`subnet ${netuid} created (tempo ${TEMPO} blocks, commit-reveal on)`);

  const children: Neuron[] = [];
  const start = async (n: Neuron, args: string[], config?: Record<string, unknown>) => {
    const home = path.join(work, n.name);
    await mkdir(home, { recursive: true });
    if (config)
      await writeFile(
        path.join(home, n.role === "miner" ? "miner.yaml" : "validator.yaml"),
        stringify(config),
      );
    n.log = path.join(home, `${n.name}.log`);
    const out = await open(n.log, "a");
    n.child = spawn(process.execPath, [noosBin, "--dir", p.dir, ...args], {
      stdio: ["ignore", out.fd, out.fd],
      env: { ...process.env, NOOS_PRIVATE_KEY: n.key, NOOS_LOG_LEVEL: "info" },
    });
    await out.close();
    children.push(n);
  };
  const stopAll = async (which: Neuron[] = children) => {
    await Promise.all(
      which.map(
        (n) =>
          new Promise<void>((resolve) => {
            const c = n.child;
            if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
            c.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            c.kill("SIGTERM");
          }),
      ),
    );
  };

  try {
    // 4. Every neuron as its own process.
    say(`starting 5 miners, 3 validators and 1 copier as separate processes...`);
    for (const m of miners) {
      await start(
        m,
        [
          "subnet",
          "miner",
          "start",
          "--task",
          taskFile,
          "--config",
          path.join(work, m.name, "miner.yaml"),
        ],
        {
          netuid,
          policy: { minValidatorStake: "100" },
          stateDir: ".",
          task: m.random !== undefined ? { random: m.random } : { model: m.model },
        },
      );
    }
    const validatorConfig = (stake: string, extra: Record<string, unknown>) => ({
      netuid,
      stake,
      stateDir: ".",
      query: { interval: "500ms", timeout: "3s" },
      scores: { alpha: 0.3 },
      weights: { everyBlocks: TEMPO / 2, exponent: 2 },
      ...extra,
    });
    for (const v of validators) {
      await start(
        v,
        [
          "subnet",
          "validator",
          "start",
          "--task",
          taskFile,
          "--config",
          path.join(work, v.name, "validator.yaml"),
        ],
        validatorConfig(v.stake as string, {
          task: { part: v.part, of: VALIDATORS.length, batch: 32 },
        }),
      );
    }
    await start(
      copier,
      [
        "subnet",
        "validator",
        "start",
        "--task",
        taskFile,
        "--config",
        path.join(work, copier.name, "validator.yaml"),
      ],
      validatorConfig(copier.stake as string, { copyWeights: true, task: {} }),
    );
    // 5. Wait until every neuron is registered, staked and (miners) serving.
    // Generous: ten processes starting at once on a loaded 2-core machine took 95 s.
    const deadline = Date.now() + 180_000;
    const role = subnetStakeRole(netuid);
    let offlineStopped = false;
    for (;;) {
      for (const n of children) {
        if (n.child?.exitCode !== null && n.child?.exitCode !== undefined && !n.offline) {
          const tail = (await readFile(n.log as string, "utf8").catch(() => "")).slice(-2000);
          throw new BaseError(`${n.name} exited with code ${n.child.exitCode}.`, {
            metaMessages: [tail],
          });
        }
      }
      const ready = await Promise.all(
        [...miners, ...validators, copier].map(async (n) => {
          const [registered, uid] = await readContract(deployer, {
            address: registry,
            abi: subnetRegistryAbi,
            functionName: "uidOf",
            args: [netuid, n.address],
          });
          if (!registered) return false;
          if (n.role === "miner") {
            const neuron = await deployer.getNeuron({ netuid, uid });
            return neuron.endpoint !== "";
          }
          const { staked } = await deployer.getStake({ account: n.address, role });
          return staked >= parseEther(n.stake as string);
        }),
      );
      const offline = miners.find((m) => m.offline) as Neuron;
      if (!offlineStopped && ready[miners.indexOf(offline)]) {
        await stopAll([offline]);
        offlineStopped = true;
        say(`  ${offline.name} registered and served, then went offline`);
      }
      if (ready.every(Boolean) && offlineStopped) break;
      if (Date.now() > deadline)
        throw new BaseError("Neurons not ready after 180 s.", {
          metaMessages: [`logs: ${work}/*/*.log`],
        });
      await new Promise((r) => setTimeout(r, 500));
    }
    // The keeper (the clock: epochs, permits) starts once every neuron is up, so that the
    // validators get their permits in the same epoch however unevenly the processes started.
    await start(keeper, [
      "subnet",
      "keeper",
      "--netuid",
      String(netuid),
      "--interval",
      "200ms",
      "--claim",
      "all",
      "--claim-every",
      "4",
      // The chain's clock: anvil mines on demand, the keeper mines a block every BLOCK_MS.
      "--mine-every",
      `${BLOCK_MS}ms`,
    ]);
    // The weight game starts with the first weights an honest validator commits: epochs and
    // earnings are counted from that block on. The copier can only copy weights once revealed,
    // one epoch later, and its own copy is revealed an epoch after that.
    const honest = new Set(validators.map((v) => v.address.toLowerCase()));
    // The 90 s count from the keeper's first epoch (permits are handed out there), not from its
    // spawn: on a loaded machine a process can take a minute to start.
    const before = (await getSubnet(deployer, { address: registry, netuid })).epochIndex;
    const keeperDeadline = Date.now() + 180_000;
    while ((await getSubnet(deployer, { address: registry, netuid })).epochIndex === before) {
      if (Date.now() > keeperDeadline)
        throw new BaseError("The keeper ran no epoch in 180 s.", {
          metaMessages: [`logs: ${work}/keeper/keeper.log`],
        });
      await new Promise((r) => setTimeout(r, 500));
    }
    const warmup = Date.now() + 90_000;
    let startBlock: bigint | undefined;
    while (startBlock === undefined) {
      const commits = await deployer.getContractEvents({
        address: registry,
        abi: subnetRegistryAbi,
        eventName: "WeightsCommitted",
        args: { netuid },
        fromBlock: createdAt,
      });
      startBlock = commits.find((c) =>
        honest.has(String(c.args.hotkey).toLowerCase()),
      )?.blockNumber;
      if (startBlock !== undefined) break;
      if (Date.now() > warmup)
        throw new BaseError("No validator committed weights in 90 s after the first epoch.", {
          metaMessages: [`logs: ${work}/*/*.log`],
        });
      await new Promise((r) => setTimeout(r, 500));
    }
    const atStart = { address: registry, abi: subnetRegistryAbi, blockNumber: startBlock } as const;
    const first = (
      await readContract(deployer, { ...atStart, functionName: "getSubnet", args: [netuid] })
    ).epochIndex;
    const claimableAtStart = new Map(
      await Promise.all(
        everyone.map(
          async (n) =>
            [
              n.address.toLowerCase(),
              await readContract(deployer, {
                ...atStart,
                functionName: "claimable",
                args: [n.address],
              }),
            ] as const,
        ),
      ),
    );
    say(
      `all neurons up; first honest weights committed at block ${startBlock} (epoch ${first}): counting ${EPOCHS} tempos from there...`,
    );

    // 6. Let the subnet run.
    const until = Date.now() + 150_000;
    let seen = first;
    for (;;) {
      const info = await getSubnet(deployer, { address: registry, netuid });
      if (info.epochIndex !== seen) {
        seen = info.epochIndex;
        say(`  epoch ${info.epochIndex} finished (block ${await deployer.getBlockNumber()})`);
      }
      if (info.epochIndex >= first + BigInt(EPOCHS)) break;
      for (const n of children) {
        if (!n.offline && n.child?.exitCode !== null && n.child?.exitCode !== undefined)
          throw new BaseError(`${n.name} exited with code ${n.child.exitCode}; see ${n.log}.`);
      }
      if (Date.now() > until)
        throw new BaseError(
          `Only ${info.epochIndex - first} epochs in 150 s; see ${work}/*/*.log.`,
        );
      await new Promise((r) => setTimeout(r, 300));
    }
    await stopAll();

    // 7. Claim what is left. Earned over the run = claims after the start - claimable at it.
    const last = (await getSubnet(deployer, { address: registry, netuid })).epochIndex;
    const keeperClient = wallet(keeper.key);
    for (const n of [...miners, ...validators, copier, owner]) {
      if ((await keeperClient.getClaimable({ account: n.address })) > 0n)
        await keeperClient.claimEmissionAndWait({ account: n.address });
    }
    const claims = await deployer.getContractEvents({
      address: registry,
      abi: subnetRegistryAbi,
      eventName: "EmissionClaimed",
      fromBlock: startBlock + 1n,
    });
    const earned = new Map<string, bigint>();
    for (const c of claims) {
      const a = (c.args.account as string).toLowerCase();
      earned.set(a, (earned.get(a) ?? 0n) + (c.args.amount as bigint));
    }
    const earnedBy = (n: Neuron) =>
      (earned.get(n.address.toLowerCase()) ?? 0n) -
      (claimableAtStart.get(n.address.toLowerCase()) ?? 0n);
    const epochs = Number(last - first);

    // 8. Quality: each miner's accuracy on the whole held-out split (what the validators sample).
    const heldout =
      await importTaskModule<typeof import("../../../../examples/subnets/heldout/task.js")>(
        taskFile,
      );
    const { loadDigitsSplit } = await importTaskModule<
      typeof import("../../../../examples/subnets/heldout/data.js")
    >(path.join(path.dirname(taskFile), "data.ts"));
    const { heldOut } = await loadDigitsSplit();
    const quality = new Map<string, number>();
    for (const m of miners) {
      if (m.offline) {
        quality.set(m.address.toLowerCase(), 0);
        continue;
      }
      const classify = await heldout.loadClassifier(
        m.random !== undefined ? { random: m.random } : { model: m.model },
        path.dirname(taskFile),
      );
      const labels = await classify(heldOut.map((s) => s.pixels));
      quality.set(
        m.address.toLowerCase(),
        labels.filter((l, i) => l === heldOut[i]?.label).length / heldOut.length,
      );
    }

    // 9. The chain's metagraph, with each neuron's role and quality.
    const { rows } = await readMetagraphRows(deployer, registry, netuid);
    const byAddress = new Map(everyone.map((n) => [n.address.toLowerCase(), n]));
    const metagraph = rows.map((r: MetagraphRow) => {
      const n = byAddress.get(r.hotkey.toLowerCase());
      const q = quality.get(r.hotkey.toLowerCase());
      return {
        ...r,
        name: n?.name ?? "?",
        role: n?.role ?? "?",
        ...(q !== undefined ? { quality: Math.round(q * 1e4) / 1e4 } : {}),
        earned: formatNoos(n ? earnedBy(n) : 0n),
      };
    });
    const minerRows = metagraph.filter((r) => r.role === "miner");
    const rho = spearman(
      minerRows.map((r) => r.quality ?? 0),
      minerRows.map((r) => r.incentive),
    );
    const perStake = (ns: Neuron[]) =>
      Number(ns.reduce((a, n) => a + earnedBy(n), 0n)) /
      Number(ns.reduce((a, n) => a + parseEther(n.stake as string), 0n));
    const honestPerStake = perStake(validators);
    const copierPerStake = perStake([copier]);
    const copierDividendRatio = honestPerStake > 0 ? copierPerStake / honestPerStake : Number.NaN;

    say("");
    say(`subnet ${netuid} after ${epochs} epochs (commit-reveal on), from the chain:`);
    if (!p.json)
      printMetagraphTable(rows, (uid) => {
        const r = metagraph[uid];
        return {
          name: r?.name ?? "",
          quality: r?.quality !== undefined ? r.quality.toFixed(4) : "-",
          earned: r?.earned ?? "0",
        };
      });
    say(`Spearman(held-out quality, incentive) over the 5 miners: ${rho.toFixed(4)}`);
    say(
      `copier dividends per NOOS staked / honest validators': ${copierDividendRatio.toFixed(4)} (copier ${copierPerStake.toExponential(3)}, honest ${honestPerStake.toExponential(3)})`,
    );
    say(`logs and state: ${work}`);
    return {
      ok: epochs >= 10 && rho >= 0.9 && copierDividendRatio < 1,
      netuid,
      epochs,
      tempo: TEMPO,
      blockMs: BLOCK_MS,
      spearman: Math.round(rho * 1e4) / 1e4,
      copierDividendRatio: Math.round(copierDividendRatio * 1e4) / 1e4,
      claims: claims.length,
      /** NOOS claimed (all of it) for what the counted epochs credited. */
      earned: formatNoos(everyone.reduce((a, n) => a + earnedBy(n), 0n)),
      metagraph,
      work,
    };
  } finally {
    await stopAll();
  }
}
