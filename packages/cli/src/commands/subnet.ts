import { readFile } from "node:fs/promises";
import {
  compareCommitReveal,
  epochOutputToJson,
  InvalidParameterError,
  parseEpochInput,
  parseJsonBig,
  runEpoch,
  simulateWeightCopying,
  stringifyJsonBig,
  type WeightCopyingResult,
} from "@noosphere/sdk";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printJson, printTable } from "../output.js";

const proportion = (u16: number | undefined) => ((u16 ?? 0) / 65535).toFixed(4);

function integerOption(field: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value)))
    throw new InvalidParameterError({ field, expected: `an integer >= ${min}`, received: value });
  return Number(value);
}

async function readEpochInput(file: string): Promise<unknown> {
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

/** `noos subnet epoch|simulate`: Yuma Consensus as a pure function; no devnet needed. */
export function registerSubnet(program: Command, globals: () => GlobalOptions) {
  const subnet = program
    .command("subnet")
    .description(
      "incentive subnets: Yuma Consensus epochs (bit-exact with subtensor) and simulations",
    );

  subnet
    .command("epoch")
    .description(
      "run one Yuma epoch on a state file ({ params, input_state }, see specs/yuma-io.md)",
    )
    .requiredOption("--input <file>", "epoch input JSON")
    .action(async (options: { input: string }) => {
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
      (options: {
        epochs: string;
        commitReveal?: boolean;
        both?: boolean;
        seed: string;
        yuma2?: boolean;
      }) => {
        const common = {
          epochs: integerOption("--epochs", options.epochs, 1),
          seed: integerOption("--seed", options.seed, 0),
          yuma3: !options.yuma2,
        };
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
}
