import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SubnetHyperparams, WeightCopyingResult } from "@noosphere/sdk";
import type { Command } from "commander";
import type { Address } from "viem";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson, printTable } from "../output.js";

// The SDK (viem), @noosphere/node and @noosphere/subnet load inside the actions: `noos subnet
// --help` loads commander and this file only.
const load = async () => ({
  ...(await import("@noosphere/sdk")),
  ...(await import("../context.js")),
  readContract: (await import("viem/actions")).readContract,
});

const proportion = (u16: number | undefined) => ((u16 ?? 0) / 65535).toFixed(4);

async function integerOption(field: string, value: string, min: number): Promise<number> {
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    const { InvalidParameterError } = await import("@noosphere/sdk");
    throw new InvalidParameterError({ field, expected: `an integer >= ${min}`, received: value });
  }
  return Number(value);
}

async function readEpochInput(file: string): Promise<unknown> {
  const { InvalidParameterError, parseJsonBig } = await import("@noosphere/sdk");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new InvalidParameterError({
      field: "--input",
      expected: "a readable JSON file",
      received: file,
      cause: err,
    });
  }
  try {
    return parseJsonBig(text);
  } catch (err) {
    throw new InvalidParameterError({
      field: "--input",
      expected: `valid JSON (${err instanceof Error ? err.message : String(err)})`,
      received: file,
    });
  }
}

function printSimulation(result: WeightCopyingResult): void {
  process.stdout.write(
    `\n${result.commitReveal ? "with" : "without"} commit-reveal (copier ${result.copierLag} tempo(s) stale, ${result.yuma3 ? "Yuma3" : "Yuma2"}, ${result.epochs} epochs, seed ${result.seed})\n`,
  );
  printTable(
    result.validators.map((v) => ({
      uid: v.uid,
      role: v.role,
      stake: v.stake,
      dividends: v.dividends,
      "dividends/stake": v.dividendsPerStake.toExponential(4),
      "mean vtrust": v.meanValidatorTrust.toFixed(4),
    })),
  );
  process.stdout.write(
    `copier/honest dividends per stake: ${result.copierHonestRatio.toFixed(4)} (copier ${result.copierDividendsPerStake.toExponential(4)}, honest ${result.honestDividendsPerStake.toExponential(4)})\n`,
  );
}

/**
 * `noos subnet ...`: epoch|simulate run Yuma Consensus as a pure function (no chain); the rest act
 * on the SubnetRegistry (create, register, hyperparams, metagraph, weights, claim) or run a
 * neuron (miner start, validator start, keeper).
 */
export function registerSubnet(program: Command, globals: () => GlobalOptions) {
  const subnet = program
    .command("subnet")
    .description(
      "incentive subnets: create and join one, run miners, validators and a keeper (examples/subnets/template), read the metagraph; Yuma Consensus epochs (bit-exact with subtensor) and simulations",
    );

  subnet
    .command("epoch")
    .description(
      "run one Yuma epoch on a state file ({ params, input_state }, see specs/yuma-io.md)",
    )
    .requiredOption("--input <file>", "epoch input JSON")
    .action(async (options: { input: string }) => {
      const { epochOutputToJson, parseEpochInput, runEpoch, stringifyJsonBig } = await load();
      const { params, state } = parseEpochInput(await readEpochInput(options.input));
      const out = runEpoch(params, state);
      if (globals().json) {
        process.stdout.write(`${stringifyJsonBig(epochOutputToJson(out))}\n`);
        return;
      }
      process.stdout.write(
        `n ${state.n}, block ${state.currentBlock}, ${params.yuma3 ? "Yuma3" : "Yuma2"}${params.liquidAlpha ? " + liquid alpha" : ""}, emission ${params.raoEmission}\n`,
      );
      printTable(
        out.consensusU16.map((_, uid) => ({
          uid,
          "stake weight": proportion(out.stakeWeightU16[uid]),
          consensus: proportion(out.consensusU16[uid]),
          incentive: proportion(out.incentiveU16[uid]),
          dividends: proportion(out.dividendsU16[uid]),
          vtrust: proportion(out.validatorTrustU16[uid]),
          emission: out.emission[uid] ?? 0n,
          permit: out.newValidatorPermit[uid] ? "yes" : "no",
          active: out.active[uid] ? "yes" : "no",
        })),
      );
    });

  subnet
    .command("simulate")
    .description(
      "weight-copying experiment: honest validators vs a copier of public weights, with and without commit-reveal",
    )
    .option("--epochs <n>", "epochs to run", "50")
    .option("--commit-reveal", "only the run with commit-reveal")
    .option("--no-commit-reveal", "only the run without commit-reveal")
    .option("--both", "both runs (the default)")
    .option("--seed <n>", "PRNG seed for miner qualities and scoring noise", "1")
    .option("--yuma2", "use Yuma2 bonds instead of Yuma3")
    .action(
      async (options: {
        epochs: string;
        commitReveal?: boolean;
        both?: boolean;
        seed: string;
        yuma2?: boolean;
      }) => {
        const common = {
          epochs: await integerOption("--epochs", options.epochs, 1),
          seed: await integerOption("--seed", options.seed, 0),
          yuma3: !options.yuma2,
        };
        const { compareCommitReveal, simulateWeightCopying } = await load();
        const runs: WeightCopyingResult[] = [];
        if (options.both || options.commitReveal === undefined) {
          const both = compareCommitReveal(common);
          runs.push(both.withoutCommitReveal, both.withCommitReveal);
        } else runs.push(simulateWeightCopying({ ...common, commitReveal: options.commitReveal }));
        if (globals().json) {
          printJson({ runs });
          return;
        }
        for (const r of runs) printSimulation(r);
      },
    );

  registerSubnetChain(subnet, globals);
  registerSubnetDaemons(subnet, globals);
}

// ------------------------------------------------------------------ chain commands

/** The owner-settable hyperparameters and how each is written on the command line. */
const HYPERPARAM_KINDS: Record<keyof SubnetHyperparams, "bigint" | "number" | "boolean" | "noos"> =
  {
    tempo: "bigint",
    immunityPeriod: "bigint",
    weightsSetRateLimit: "bigint",
    revealPeriodEpochs: "bigint",
    bondsMovingAverage: "bigint",
    weightsVersionKey: "bigint",
    registrationFee: "noos",
    activityCutoffFactorMilli: "number",
    maxAllowedUids: "number",
    minAllowedWeights: "number",
    bondsPenalty: "number",
    alphaLow: "number",
    alphaHigh: "number",
    alphaSigmoidSteepness: "number",
    yuma3: "boolean",
    liquidAlpha: "boolean",
    commitReveal: "boolean",
  };

/** `key=value` pairs -> a partial hyperparameter set; errors name the key and what it takes. */
export async function parseHyperparamAssignments(
  pairs: readonly string[],
): Promise<Partial<SubnetHyperparams>> {
  const { InvalidParameterError, parseAmount } = await load();
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = pair.slice(0, eq) as keyof SubnetHyperparams;
    const value = pair.slice(eq + 1);
    const kind = eq > 0 ? HYPERPARAM_KINDS[key] : undefined;
    if (!kind) {
      throw new InvalidParameterError({
        field: "--set",
        expected: `key=value with key one of ${Object.keys(HYPERPARAM_KINDS).join(", ")}`,
        received: pair,
      });
    }
    if (kind === "boolean") {
      if (value !== "true" && value !== "false")
        throw new InvalidParameterError({ field: key, expected: "true or false", received: value });
      out[key] = value === "true";
    } else if (kind === "noos") out[key] = parseAmount(key, value);
    else {
      if (!/^-?\d+$/.test(value))
        throw new InvalidParameterError({ field: key, expected: "an integer", received: value });
      out[key] = kind === "bigint" ? BigInt(value) : Number(value);
    }
  }
  return out as Partial<SubnetHyperparams>;
}

function netuidArg(value: string): Promise<number> {
  return integerOption("netuid", value, 1);
}

/** A metagraph row as `noos subnet metagraph --json` and `noos demo subnet --json` print it. */
export type MetagraphRow = {
  uid: number;
  hotkey: Address;
  /** Stake in the subnet's role, NOOS. */
  stake: string;
  validatorPermit: boolean;
  consensus: number;
  incentive: number;
  dividends: number;
  validatorTrust: number;
  /** Last epoch's emission, NOOS. */
  emission: string;
  lastUpdate: number;
  active: boolean;
  endpoint: string;
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The chain's metagraph of a subnet (terms of the last epoch). */
export async function readMetagraphRows(
  client: Parameters<typeof import("@noosphere/sdk").getNeurons>[0],
  registry: Address,
  netuid: number,
): Promise<{ subnet: import("@noosphere/sdk").Subnet; rows: MetagraphRow[] }> {
  const { ALPHA_UNIT, getNeurons, getSubnet, formatNoos } = await import("@noosphere/sdk");
  const { getAddress } = await import("viem");
  const [subnet, neurons] = await Promise.all([
    getSubnet(client, { address: registry, netuid }),
    getNeurons(client, { address: registry, netuid }),
  ]);
  const rows = neurons.map(
    (n): MetagraphRow => ({
      uid: n.uid,
      hotkey: getAddress(n.hotkey),
      stake: formatNoos(n.stake * ALPHA_UNIT),
      validatorPermit: n.validatorPermit,
      consensus: round6(n.terms.consensus / 65535),
      incentive: round6(n.terms.incentive / 65535),
      dividends: round6(n.terms.dividends / 65535),
      validatorTrust: round6(n.terms.validatorTrust / 65535),
      emission: formatNoos(n.terms.emission * ALPHA_UNIT),
      lastUpdate: Number(n.lastUpdate),
      active: n.terms.active,
      endpoint: n.endpoint,
    }),
  );
  return { subnet, rows };
}

export function printMetagraphTable(
  rows: readonly MetagraphRow[],
  extra?: (uid: number) => Record<string, string>,
): void {
  printTable(
    rows.map((r) => ({
      uid: r.uid,
      hotkey: `${r.hotkey.slice(0, 10)}…`,
      stake: r.stake,
      permit: r.validatorPermit ? "yes" : "no",
      consensus: r.consensus.toFixed(4),
      incentive: r.incentive.toFixed(4),
      dividends: r.dividends.toFixed(4),
      vtrust: r.validatorTrust.toFixed(4),
      emission: r.emission,
      updated: r.lastUpdate,
      ...(extra?.(r.uid) ?? {}),
      endpoint: r.endpoint || "-",
    })),
  );
}

function registerSubnetChain(subnet: Command, globals: () => GlobalOptions) {
  subnet
    .command("create")
    .description("create a subnet owned by the signing account, locking the current lock cost")
    .option("--max-lock <noos>", "most NOOS to lock (default: the current lock cost)")
    .option(
      "--set <key=value...>",
      "hyperparameters to set right after (e.g. tempo=20 commitReveal=true)",
    )
    .action(async (opts: { maxLock?: string; set?: string[] }) => {
      const { parseAmount, readContract, subnetRegistryAbi, walletClient } = await load();
      const options = globals();
      const changes = await parseHyperparamAssignments(opts.set ?? []);
      const { client, connection } = await walletClient(options);
      const registry = connection.contracts.subnetRegistry;
      const lock =
        opts.maxLock !== undefined
          ? parseAmount("--max-lock", opts.maxLock)
          : await readContract(client, {
              address: registry,
              abi: subnetRegistryAbi,
              functionName: "lockCost",
            });
      await client.approveAndWait({ spender: registry, amount: lock });
      const created = await client.createSubnetAndWait({ maxLock: lock });
      if (Object.keys(changes).length > 0)
        await client.setHyperparamsAndWait({ netuid: created.netuid, hyperparams: changes });
      if (options.json)
        printJson({
          netuid: created.netuid,
          owner: client.account.address,
          locked: created.event.locked,
          tx: created.hash,
        });
      else
        process.stdout.write(
          `created subnet ${created.netuid}, locked ${noos(created.event.locked)} (tx ${created.hash})\n`,
        );
    });

  subnet
    .command("register")
    .description(
      "register the signing account as a hotkey (miner or validator) of a subnet, burning the fee",
    )
    .argument("<netuid>", "subnet id")
    .option("--max-fee <noos>", "most NOOS to burn (default: the current fee)")
    .action(async (netuidText: string, opts: { maxFee?: string }) => {
      const { parseAmount, walletClient } = await load();
      const options = globals();
      const netuid = await netuidArg(netuidText);
      const { client, connection } = await walletClient(options);
      const info = await client.getSubnet({ netuid });
      const fee =
        opts.maxFee !== undefined
          ? parseAmount("--max-fee", opts.maxFee)
          : info.hyperparams.registrationFee;
      await client.approveAndWait({ spender: connection.contracts.subnetRegistry, amount: fee });
      const { uid, hash, event } = await client.registerNeuronAndWait({ netuid, maxFee: fee });
      if (options.json)
        printJson({
          netuid,
          uid,
          hotkey: client.account.address,
          fee: event.fee,
          replaced: event.replaced,
          tx: hash,
        });
      else
        process.stdout.write(
          `registered ${client.account.address} as uid ${uid} of subnet ${netuid} (burned ${noos(event.fee)}, tx ${hash})\n`,
        );
    });

  subnet
    .command("hyperparams")
    .description("show a subnet's hyperparameters, or change them (owner) with --set key=value ...")
    .argument("<netuid>", "subnet id")
    .option("--set <key=value...>", "hyperparameters to change")
    .action(async (netuidText: string, opts: { set?: string[] }) => {
      const { getSubnet, readClient, walletClient } = await load();
      const options = globals();
      const netuid = await netuidArg(netuidText);
      if (opts.set?.length) {
        const changes = await parseHyperparamAssignments(opts.set);
        const { client } = await walletClient(options);
        await client.setHyperparamsAndWait({ netuid, hyperparams: changes });
      }
      const { client, connection } = await readClient(options);
      const info = await getSubnet(client, {
        address: connection.contracts.subnetRegistry,
        netuid,
      });
      if (options.json) {
        printJson({
          netuid,
          owner: info.owner,
          epochIndex: info.epochIndex,
          nextEpochBlock: info.nextEpochBlock,
          hyperparams: info.hyperparams,
          protocol: info.protocol,
        });
        return;
      }
      printFields({
        netuid,
        owner: info.owner,
        n: info.n,
        "epoch index": info.epochIndex,
        "next epoch block": info.nextEpochBlock,
      });
      printFields(
        Object.fromEntries(
          Object.entries({ ...info.hyperparams, ...info.protocol }).map(([k, v]) => [
            k,
            k === "registrationFee" ? noos(v as bigint) : (v as string | number | bigint | boolean),
          ]),
        ),
      );
    });

  subnet
    .command("metagraph")
    .description(
      "the chain's view of a subnet: uids, hotkeys, stake, permits and the last epoch's terms",
    )
    .argument("<netuid>", "subnet id")
    .action(async (netuidText: string) => {
      const { readClient } = await load();
      const options = globals();
      const netuid = await netuidArg(netuidText);
      const { client, connection } = await readClient(options);
      const block = await client.getBlockNumber();
      const { subnet: info, rows } = await readMetagraphRows(
        client,
        connection.contracts.subnetRegistry,
        netuid,
      );
      if (options.json) {
        printJson({
          netuid,
          block,
          epochIndex: info.epochIndex,
          tempo: info.hyperparams.tempo,
          commitReveal: info.hyperparams.commitReveal,
          neurons: rows,
        });
        return;
      }
      process.stdout.write(
        `subnet ${netuid}: ${info.n} uids, epoch ${info.epochIndex}, tempo ${info.hyperparams.tempo}, commit-reveal ${info.hyperparams.commitReveal ? "on" : "off"}, block ${block}\n`,
      );
      printMetagraphTable(rows);
    });

  subnet
    .command("weights")
    .description(
      "show the weights every uid has set (revealed), or set the signing hotkey's with --set uid=weight,... (committed, with the salt saved, when commit-reveal is on; --reveal reveals it)",
    )
    .argument("<netuid>", "subnet id")
    .option("--set <uid=weight,...>", "relative weights, e.g. 3=1,4=0.5")
    .option("--reveal", "reveal the commits saved by an earlier --set")
    .action(async (netuidText: string, opts: { set?: string; reveal?: boolean }) => {
      const { getSubnet, readClient, readContract, subnetRegistryAbi } = await load();
      const options = globals();
      const netuid = await netuidArg(netuidText);
      if (opts.set !== undefined || opts.reveal) {
        await writeWeights(options, netuid, opts);
        return;
      }
      const { client, connection } = await readClient(options);
      const registry = connection.contracts.subnetRegistry;
      const { n } = await getSubnet(client, {
        address: registry,
        netuid,
      });
      const rows = [];
      for (let uid = 0; uid < n; uid++) {
        const [uids, values] = await readContract(client, {
          address: registry,
          abi: subnetRegistryAbi,
          functionName: "weightsOf",
          args: [netuid, uid],
        });
        if (uids.length > 0)
          rows.push({ uid, weights: uids.map((u, i) => ({ uid: u, value: values[i] as number })) });
      }
      if (options.json) {
        printJson({ netuid, weights: rows });
        return;
      }
      printTable(
        rows.map((r) => ({
          uid: r.uid,
          weights: r.weights.map((w) => `${w.uid}:${(w.value / 65535).toFixed(3)}`).join(" "),
        })),
        "no weights set yet",
      );
    });

  subnet
    .command("claim")
    .description("mint an account's credited subnet emission to it (default: the signing account)")
    .argument("[account]", "whose emission to claim (anyone may trigger it)")
    .action(async (account: string | undefined) => {
      const { parseAddress, walletClient } = await load();
      const options = globals();
      const { client } = await walletClient(options);
      const who = account ? parseAddress("account", account) : client.account.address;
      const claimable = await client.getClaimable({ account: who });
      if (claimable === 0n) {
        if (options.json) printJson({ account: who, amount: 0n });
        else process.stdout.write(`nothing to claim for ${who}\n`);
        return;
      }
      const { amount, hash } = await client.claimEmissionAndWait({ account: who });
      if (options.json) printJson({ account: who, amount, tx: hash });
      else process.stdout.write(`claimed ${noos(amount)} for ${who} (tx ${hash})\n`);
    });
}

/** `weights --set` / `--reveal`: commits are kept in <dir>/subnet-commits.json until revealed. */
async function writeWeights(
  options: GlobalOptions,
  netuid: number,
  opts: { set?: string; reveal?: boolean },
) {
  const { createStateFile } = await import("@noosphere/node/state");
  const { BaseError, generateWeightsSalt, InvalidParameterError, walletClient } = await load();
  const { client } = await walletClient(options);
  type Saved = {
    netuid: number;
    hotkey: Address;
    uids: number[];
    values: number[];
    salt: `0x${string}`;
    revealEpoch: string;
  };
  const file = createStateFile<Saved[]>(
    path.join(path.resolve(options.dir), "subnet-commits.json"),
    () => [],
  );
  if (opts.set !== undefined) {
    const pairs = opts.set
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const parsed = pairs.map((p) => {
      const m = /^(\d+)=(\d+(\.\d+)?)$/.exec(p);
      if (!m)
        throw new InvalidParameterError({
          field: "--set",
          expected: "uid=weight,... e.g. 3=1,4=0.5",
          received: p,
        });
      return { uid: Number(m[1]), w: Number(m[2]) };
    });
    const max = Math.max(...parsed.map((p) => p.w));
    if (!(max > 0))
      throw new InvalidParameterError({
        field: "--set",
        expected: "at least one weight > 0",
        received: opts.set,
      });
    const uids = parsed.map((p) => p.uid);
    const values = parsed.map((p) => Math.round((p.w / max) * 65535));
    const info = await client.getSubnet({ netuid });
    if (!info.hyperparams.commitReveal) {
      const { hash } = await client.setWeightsAndWait({ netuid, uids, values });
      if (options.json) printJson({ netuid, uids, values, tx: hash });
      else process.stdout.write(`weights set (tx ${hash})\n`);
      return;
    }
    const salt = generateWeightsSalt();
    const committed = await client.commitWeightsAndWait({ netuid, uids, values, salt });
    await file.update((all) => [
      ...all,
      {
        netuid,
        hotkey: client.account.address,
        uids,
        values,
        salt,
        revealEpoch: committed.revealEpoch.toString(),
      },
    ]);
    if (options.json)
      printJson({
        netuid,
        uids,
        values,
        commitHash: committed.commitHash,
        revealEpoch: committed.revealEpoch,
        tx: committed.hash,
      });
    else
      process.stdout.write(
        `weights committed (${committed.commitHash}); reveal at epoch ${committed.revealEpoch} with \`noos subnet weights ${netuid} --reveal\`\n`,
      );
    return;
  }
  const info = await client.getSubnet({ netuid });
  const mine = (await file.read()).filter(
    (c) =>
      c.netuid === netuid &&
      c.hotkey === client.account.address &&
      BigInt(c.revealEpoch) === info.epochIndex,
  );
  if (mine.length === 0)
    throw new BaseError(
      `No saved commit of ${client.account.address} is due at epoch ${info.epochIndex} of subnet ${netuid}.`,
      {
        name: "NothingToRevealError",
      },
    );
  for (const c of mine) {
    const { hash } = await client.revealWeightsAndWait({
      netuid,
      uids: c.uids,
      values: c.values,
      salt: c.salt,
    });
    await file.update((all) => all.filter((x) => x.salt !== c.salt));
    if (options.json) printJson({ netuid, uids: c.uids, values: c.values, tx: hash });
    else process.stdout.write(`weights revealed (tx ${hash})\n`);
  }
}

// ------------------------------------------------------------------ daemons

/**
 * Imports a module of a subnet task (TypeScript through tsx). From the compiled build, its
 * `@noosphere/*` imports resolve to the build too (taskResolve.ts).
 */
export async function importTaskModule<T = Record<string, unknown>>(file: string): Promise<T> {
  const resolved = path.resolve(file);
  if (!hooksRegistered) {
    hooksRegistered = true;
    (await import("tsx/esm/api")).register();
    if (/[\\/]dist[\\/]commands[\\/]subnet\.js$/.test(fileURLToPath(import.meta.url))) {
      const { register } = await import("node:module");
      register(new URL("../taskResolve.js", import.meta.url));
    }
  }
  try {
    return (await import(pathToFileURL(resolved).href)) as T;
  } catch (err) {
    const { InvalidParameterError } = await import("@noosphere/sdk");
    throw new InvalidParameterError({
      field: "--task",
      expected: `a task module (${err instanceof Error ? err.message : String(err)})`,
      received: file,
    });
  }
}
let hooksRegistered = false;

/** Imports a subnet task module and checks its default export. */
export async function loadTask(file: string) {
  const resolved = path.resolve(file);
  const mod = await importTaskModule<{ default?: unknown }>(resolved);
  const { defineTask } = await import("@noosphere/subnet");
  // biome-ignore lint/suspicious/noExplicitAny: any author's task
  const task = defineTask(mod.default as any);
  return { task, dir: path.dirname(resolved) };
}

async function daemonSetup(options: GlobalOptions, name: string) {
  const { createCommon } = await import("@noosphere/node/common");
  const { walletClient } = await import("../context.js");
  const { client, connection } = await walletClient(options);
  const common = createCommon({ name });
  return { common, client, contracts: connection.contracts };
}

function registerSubnetDaemons(subnet: Command, globals: () => GlobalOptions) {
  subnet
    .command("miner")
    .description("run a subnet miner")
    .command("start")
    .description(
      "serve a task's synapse on an axon and publish its URL on chain (runs until stopped)",
    )
    .requiredOption("--task <file>", "the subnet's task module (default export: defineTask(...))")
    .requiredOption("--config <file>", "miner.yaml")
    .action(async (opts: { task: string; config: string }) => {
      const { loadMinerFile, createMiner } = await import("@noosphere/subnet");
      const file = await loadMinerFile(opts.config);
      const { task, dir } = await loadTask(opts.task);
      const { common, client, contracts } = await daemonSetup(globals(), "noos-miner");
      const miner = await createMiner(common, {
        client,
        contracts,
        task,
        taskDir: dir,
        file,
        baseDir: path.dirname(path.resolve(opts.config)),
      });
      await miner.done;
    });

  subnet
    .command("validator")
    .description("run a subnet validator")
    .command("start")
    .description(
      "query miners, score them with the task's reward, set (commit-reveal) weights (runs until stopped)",
    )
    .requiredOption("--task <file>", "the subnet's task module (default export: defineTask(...))")
    .requiredOption("--config <file>", "validator.yaml")
    .action(async (opts: { task: string; config: string }) => {
      const { loadValidatorFile, createValidator } = await import("@noosphere/subnet");
      const file = await loadValidatorFile(opts.config);
      const { task, dir } = await loadTask(opts.task);
      const { common, client, contracts } = await daemonSetup(globals(), "noos-validator");
      const validator = await createValidator(common, {
        client,
        contracts,
        task,
        taskDir: dir,
        file,
        baseDir: path.dirname(path.resolve(opts.config)),
      });
      await validator.done;
    });

  subnet
    .command("keeper")
    .description("run subnets' epochs when they are due and claim emissions (runs until stopped)")
    .option("--config <file>", "keeper.yaml (instead of the flags)")
    .option("--netuid <n...>", "subnets to keep")
    .option("--interval <duration>", "how often to check", "1s")
    .option("--claim <who>", "all | self | none", "all")
    .option("--claim-every <epochs>", "claim after every N epochs", "1")
    .option("--max-columns <n>", "epoch work per transaction (0: all at once)", "0")
    .option(
      "--mine-every <duration>",
      "development chains (anvil mines on demand): also mine a block this often, e.g. 250ms",
    )
    .action(
      async (opts: {
        config?: string;
        netuid?: string[];
        interval: string;
        claim: string;
        claimEvery: string;
        maxColumns: string;
        mineEvery?: string;
      }) => {
        const { loadKeeperFile, keeperFileSchema, SubnetConfigError, createKeeper } = await import(
          "@noosphere/subnet"
        );
        let file: import("@noosphere/subnet").KeeperFile;
        if (opts.config) file = await loadKeeperFile(opts.config);
        else {
          const netuids: number[] = [];
          for (const n of opts.netuid ?? []) netuids.push(await integerOption("--netuid", n, 1));
          const parsed = keeperFileSchema.safeParse({
            netuids,
            interval: opts.interval,
            claim: opts.claim,
            claimEvery: await integerOption("--claim-every", opts.claimEvery, 1),
            maxColumns: await integerOption("--max-columns", opts.maxColumns, 0),
            ...(opts.mineEvery !== undefined ? { mineEvery: opts.mineEvery } : {}),
          });
          if (!parsed.success)
            throw new SubnetConfigError(
              "(flags)",
              parsed.error.issues.map((i) => `--${String(i.path[0] ?? "")}: ${i.message}`),
            );
          file = parsed.data;
        }
        const { common, client, contracts } = await daemonSetup(globals(), "noos-keeper");
        const keeper = createKeeper(common, { client, contracts, file });
        await keeper.done;
      },
    );
}
