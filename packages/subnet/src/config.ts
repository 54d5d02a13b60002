// miner.yaml, validator.yaml and keeper.yaml: validated with zod; every error names the field and
// what it accepts. Where the chain is and which key signs come from the command line (--dir /
// --network / --private-key / --account), as for every other `noos` command; these files hold
// what is particular to the neuron. The `task:` block is the subnet author's, handed to the task
// module unread.
import { readFile } from "node:fs/promises";
import { BaseError, parseDuration } from "@noosphere/sdk";
import { isAddress } from "viem";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const noos = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount of NOOS, e.g. "100"');
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, 'a duration such as "500ms", "2s", "5m" or "1h"');
const address = z.string().refine((a) => isAddress(a), "a 0x-prefixed 20-byte address");
const netuid = z.number().int().min(1).max(65535);
const task = z.record(z.string(), z.unknown()).default({});

export const minerFileSchema = z
  .object({
    netuid,
    /** Register the hotkey if it holds no uid yet, burning at most `maxRegistrationFee`. */
    register: z.boolean().default(true),
    maxRegistrationFee: noos.default("10"),
    axon: z
      .object({
        host: z.string().default("127.0.0.1"),
        /** 0: any free port. */
        port: z.number().int().min(0).max(65535).default(0),
        /** The URL published on chain, when it differs from http://host:port (NAT, proxy). */
        externalUrl: z.url().optional(),
      })
      .strict()
      .default({ host: "127.0.0.1", port: 0 }),
    /** Who may query this miner, and how much (the axon's policy). */
    policy: z
      .object({
        /** Request timestamps older or newer than this are refused. */
        timeWindow: duration.default("8s"),
        /** Stake (NOOS, subnet role) a caller's hotkey needs besides a validator permit. */
        minValidatorStake: noos.default("0"),
        blacklist: z.array(address).default([]),
        maxBodyBytes: z.number().int().min(1).default(1_048_576),
        ratePerMinute: z.number().int().min(1).default(600),
      })
      .strict()
      .default({
        timeWindow: "8s",
        minValidatorStake: "0",
        blacklist: [],
        maxBodyBytes: 1_048_576,
        ratePerMinute: 600,
      }),
    stateDir: z.string().default("."),
    task,
  })
  .strict();

export const validatorFileSchema = z
  .object({
    netuid,
    register: z.boolean().default(true),
    maxRegistrationFee: noos.default("10"),
    /** Stake (NOOS) to hold in the subnet's role; topped up at start. Permits go by stake. */
    stake: noos.default("0"),
    stateDir: z.string().default("."),
    query: z
      .object({
        /** Pause between two rounds (Bittensor's template: 5 s). */
        interval: duration.default("1s"),
        /** Miners queried per round (template: 50); 0 = every miner with an endpoint. */
        sampleSize: z.number().int().min(0).default(0),
        /** Per-query timeout (template: 12 s). */
        timeout: duration.default("2s"),
      })
      .strict()
      .default({ interval: "1s", sampleSize: 0, timeout: "2s" }),
    scores: z
      .object({
        /** Moving average: s = alpha * reward + (1 - alpha) * s (template: 0.1). */
        alpha: z.number().gt(0).max(1).default(0.1),
      })
      .strict()
      .default({ alpha: 0.1 }),
    weights: z
      .object({
        /** Blocks between two weight settings (or commits); never below the subnet's rate limit. */
        everyBlocks: z.number().int().min(1).default(100),
        /** Weights = score^exponent: > 1 sharpens the gap between good and middling miners. */
        exponent: z.number().min(0.1).max(10).default(1),
        /** Weights version key (the subnet's key is used when it is higher). */
        versionKey: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ everyBlocks: 100, exponent: 1, versionKey: 0 }),
    /**
     * Attack demo only: query nobody and commit the stake-weighted mean of the weights the other
     * validators revealed (a weight copier, spec §6).
     */
    copyWeights: z.boolean().default(false),
    task,
  })
  .strict();

export const keeperFileSchema = z
  .object({
    netuids: z.array(netuid).min(1),
    /** How often to check whether an epoch is due. */
    interval: duration.default("1s"),
    /** Epoch work per transaction (0: the whole epoch in one). */
    maxColumns: z.number().int().min(0).default(0),
    /** Whose emission to claim after epochs: every hotkey of the subnets, only the keeper, or none. */
    claim: z.enum(["all", "self", "none"]).default("all"),
    /** Claim after every N finished epochs. */
    claimEvery: z.number().int().min(1).default(1),
    /**
     * Development chains only (anvil mines on demand): also mine an empty block this often, so
     * that tempos pass without traffic. Unset on a real chain.
     */
    mineEvery: duration.optional(),
  })
  .strict();

export type MinerFile = z.infer<typeof minerFileSchema>;
export type ValidatorFile = z.infer<typeof validatorFileSchema>;
export type KeeperFile = z.infer<typeof keeperFileSchema>;

export class SubnetConfigError extends BaseError {
  constructor(source: string, problems: string[]) {
    super(`Invalid config ${source}: ${problems.length} problem(s).`, {
      name: "SubnetConfigError",
      metaMessages: problems,
    });
  }
}

function parseWith<S extends z.ZodType>(schema: S, text: string, source: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new SubnetConfigError(source, [`not valid YAML: ${String(cause)}`]);
  }
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    throw new SubnetConfigError(
      source,
      result.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`),
    );
  }
  return result.data;
}

export const parseMinerFile = (text: string, source = "miner.yaml"): MinerFile =>
  parseWith(minerFileSchema, text, source);
export const parseValidatorFile = (text: string, source = "validator.yaml"): ValidatorFile =>
  parseWith(validatorFileSchema, text, source);
export const parseKeeperFile = (text: string, source = "keeper.yaml"): KeeperFile =>
  parseWith(keeperFileSchema, text, source);

async function readConfig(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new SubnetConfigError(file, [
      `not readable (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    ]);
  }
}

export const loadMinerFile = async (file: string) => parseMinerFile(await readConfig(file), file);
export const loadValidatorFile = async (file: string) =>
  parseValidatorFile(await readConfig(file), file);
export const loadKeeperFile = async (file: string) => parseKeeperFile(await readConfig(file), file);

/** "500ms" / "2s" / "5m" -> milliseconds. */
export function durationMs(value: string, field: string): number {
  const ms = /^(\d+)ms$/.exec(value);
  return ms ? Number(ms[1]) : parseDuration(value, field) * 1000;
}
