// node.yaml for `noos coprocessor start`: validated with zod; every error names the field.
import { readFile } from "node:fs/promises";
import { BaseError, parseDuration, parseNoos } from "@noosphere/sdk";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

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

export function parseCoprocessorFile(text: string, source = "node.yaml"): CoprocessorFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new CoprocessorConfigError(source, [`not valid YAML: ${String(cause)}`]);
  }
  const result = coprocessorFileSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw new CoprocessorConfigError(
      source,
      result.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`),
    );
  }
  const file = result.data;
  const problems: string[] = [];
  if (!file.devnet && !(file.rpcUrl && file.contracts))
    problems.push("devnet or rpcUrl + contracts: one is required");
  if (!file.privateKey && !file.keyEnv && file.devnetAccount === undefined)
    problems.push("privateKey, keyEnv or devnetAccount: one is required");
  if (file.models.length === 0 && !file.serveAll)
    problems.push("models or serveAll: the node must serve something");
  if (problems.length) throw new CoprocessorConfigError(source, problems);
  return file;
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
