// provider.yaml: validated with zod; every error names the field and what it accepts.
import { readFile } from "node:fs/promises";
import { BaseError, parseCpu, parseDuration, parseMemory, parseNoos } from "@noosphere/sdk";
import { z } from "zod";
import { parseConfigFile } from "../configFile.js";
import type { Capacity } from "./bidder.js";
import type { ScalePricing } from "./pricing.js";

const noos = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal amount of NOOS, e.g. "0.001"');

export const providerFileSchema = z
  .object({
    /** Where the chain and contracts are: a devnet directory (reads devnet.json) ... */
    devnet: z.string().optional(),
    /** ... or an explicit RPC URL and contract addresses. */
    rpcUrl: z.url().optional(),
    contracts: z
      .object({
        token: z.string(),
        params: z.string(),
        staking: z.string(),
        registry: z.string(),
        market: z.string(),
      })
      .optional(),
    /** The signing key; or `keyEnv`, the environment variable holding it. */
    privateKey: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte hex key")
      .optional(),
    keyEnv: z.string().optional(),
    /** With a devnet: use its dev account N. */
    devnetAccount: z.number().int().min(0).max(9).optional(),
    hostUri: z.string().optional(),
    listen: z.object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535),
    }),
    /** Port of the data endpoint (private downloads, publishers' key); default listen.port + 1. */
    dataPort: z.number().int().min(0).max(65535).optional(),
    attributes: z.record(z.string(), z.string()).default({}),
    stake: noos.default("100"),
    /**
     * Gone: the market takes no bid deposits (a bid needs `minProviderStake` of free stake). Named
     * here so that an old file gets a clear error rather than "unrecognized key".
     */
    bidDeposit: z
      .never({
        error:
          "bids take no deposit any more (the market checks the provider's free stake instead): remove this field",
      })
      .optional(),
    capacity: z.object({
      cpu: z.union([z.number().positive(), z.string()]).default(2),
      memory: z.union([z.number().positive(), z.string()]).default("4Gi"),
      gpus: z.number().int().min(0).default(0),
      maxJobs: z.number().int().min(1).default(2),
    }),
    pricing: z.object({
      cpuPerCore: noos,
      memoryPerGiB: noos.default("0"),
      gpuPerUnit: noos.default("0"),
      base: noos.default("0"),
      margin: z.number().min(0).max(10).default(0.1),
      minPricePerSecond: noos.default("0.000001"),
    }),
    job: z
      .object({
        memoryLimit: z.string().default("1Gi"),
        timeout: z.string().default("10m"),
        /** Warm worker processes; default capacity.maxJobs (one per job slot). */
        workers: z.number().int().min(1).max(64).optional(),
        /** Jobs a worker runs before a fresh process replaces it; 1: a new process per job. */
        jobsPerWorker: z.number().int().min(1).default(32),
      })
      .default({ memoryLimit: "1Gi", timeout: "10m", jobsPerWorker: 32 }),
    stateDir: z.string(),
    storeDir: z.string().optional(),
    withdrawInterval: z.string().default("30s"),
    pollInterval: z.string().default("500ms"),
  })
  .strict();

export type ProviderFile = z.infer<typeof providerFileSchema>;

export class ProviderConfigError extends BaseError {
  constructor(source: string, problems: string[]) {
    super(`Invalid provider config ${source}: ${problems.length} problem(s).`, {
      name: "ProviderConfigError",
      metaMessages: problems,
    });
  }
}

/** Parses and validates provider.yaml text. */
export function parseProviderFile(text: string, source = "provider.yaml"): ProviderFile {
  return parseConfigFile(text, providerFileSchema, (p) => new ProviderConfigError(source, p));
}

export async function loadProviderFile(path: string): Promise<ProviderFile> {
  return parseProviderFile(await readFile(path, "utf8"), path);
}

/** The numeric settings, in wei, millicores, bytes and milliseconds. */
export function providerSettings(file: ProviderFile) {
  const pricing: ScalePricing = {
    cpuPerCore: parseNoos(file.pricing.cpuPerCore, "pricing.cpuPerCore"),
    memoryPerGiB: parseNoos(file.pricing.memoryPerGiB, "pricing.memoryPerGiB"),
    gpuPerUnit: parseNoos(file.pricing.gpuPerUnit, "pricing.gpuPerUnit"),
    base: parseNoos(file.pricing.base, "pricing.base"),
    marginBps: Math.round(file.pricing.margin * 10_000),
    minPricePerSecond: parseNoos(file.pricing.minPricePerSecond, "pricing.minPricePerSecond"),
  };
  const capacity: Capacity = {
    cpuMillis: parseCpu(file.capacity.cpu, "capacity.cpu"),
    memoryBytes: parseMemory(file.capacity.memory, "capacity.memory"),
    gpus: file.capacity.gpus,
    maxJobs: file.capacity.maxJobs,
  };
  return {
    pricing,
    capacity,
    stake: parseNoos(file.stake, "stake"),
    jobMemoryBytes: parseMemory(file.job.memoryLimit, "job.memoryLimit"),
    jobTimeoutMs: parseDuration(file.job.timeout, "job.timeout") * 1000,
    jobWorkers: file.job.workers ?? capacity.maxJobs,
    jobsPerWorker: file.job.jobsPerWorker,
    withdrawIntervalMs: durationMs(file.withdrawInterval, "withdrawInterval"),
    pollIntervalMs: durationMs(file.pollInterval, "pollInterval"),
  };
}

/** Like parseDuration, plus "ms" for the short polling intervals. */
function durationMs(value: string, field: string): number {
  const ms = /^(\d+)ms$/.exec(value);
  return ms ? Number(ms[1]) : parseDuration(value, field) * 1000;
}
