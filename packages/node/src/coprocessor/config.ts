// node.yaml for `noos coprocessor start`: validated with zod; every error names the field.
import { readFile } from "node:fs/promises";
import { BaseError, parseDuration, parseNoos } from "@noosphere/sdk";
import { z } from "zod";
import { parseConfigFile } from "../configFile.js";

const noos = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount of NOOS, e.g. "0.01"');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address");

export const coprocessorFileSchema = z
  .object({
    /** A devnet directory (reads devnet.json) ... */
    devnet: z.string().optional(),
    /** ... or an RPC URL and the contracts. */
    rpcUrl: z.url().optional(),
    contracts: z
      .object({
        coprocessor: address,
        modelRegistry: address,
        staking: address,
        token: address,
      })
      .strict()
      .optional(),
    privateKey: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex key")
      .optional(),
    keyEnv: z.string().optional(),
    devnetAccount: z.number().int().min(0).max(9).optional(),
    listen: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535),
      })
      .strict(),
    /** Stake held in the coprocessor role (at least the coordinator's minimum). */
    stake: noos.default("100"),
    /** Payment token of the fees (default: the deployment's NOOS). */
    token: address.optional(),
    /** Models served from the start, each with its fee per delivery. */
    models: z.array(z.object({ id: z.number().int().min(1), fee: noos }).strict()).default([]),
    /** Serve any registered model (its artifacts fetched on its first request) at this fee. */
    serveAll: z.object({ fee: noos }).strict().optional(),
    stateDir: z.string(),
    storeDir: z.string().optional(),
    pollInterval: z.string().default("250ms"),
    /** Prove single-threaded: less memory, ~1.3x the proving time. */
    singleThread: z.boolean().default(false),
    /** Testing only: deliver a wrong output, to see redundant verification catch it. */
    testing: z
      .object({ corruptOutput: z.boolean().default(false) })
      .strict()
      .optional(),
  })
  .strict();

export type CoprocessorFile = z.infer<typeof coprocessorFileSchema>;

export class CoprocessorConfigError extends BaseError {
  constructor(source: string, problems: string[]) {
    super(`Invalid coprocessor node config ${source}: ${problems.length} problem(s).`, {
      name: "CoprocessorConfigError",
      metaMessages: problems,
    });
  }
}

/** Parses and validates node.yaml text. */
export function parseCoprocessorFile(text: string, source = "node.yaml"): CoprocessorFile {
  return parseConfigFile(
    text,
    coprocessorFileSchema,
    (p) => new CoprocessorConfigError(source, p),
    (file) =>
      file.models.length === 0 && !file.serveAll
        ? ["models or serveAll: the node must serve something"]
        : [],
  );
}

export async function loadCoprocessorFile(path: string): Promise<CoprocessorFile> {
  return parseCoprocessorFile(await readFile(path, "utf8"), path);
}

/** Amounts in wei and the poll interval in ms. */
export function coprocessorSettings(file: CoprocessorFile) {
  const ms = /^(\d+)ms$/.exec(file.pollInterval);
  return {
    stake: parseNoos(file.stake, "stake"),
    models: file.models.map((m, i) => ({
      modelId: BigInt(m.id),
      fee: parseNoos(m.fee, `models[${i}].fee`),
    })),
    serveAll: file.serveAll ? { fee: parseNoos(file.serveAll.fee, "serveAll.fee") } : undefined,
    pollIntervalMs: ms ? Number(ms[1]) : parseDuration(file.pollInterval, "pollInterval") * 1000,
  };
}
