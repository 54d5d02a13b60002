// Compute-to-data inside the provider's job runner: for a manifest with `data:`, check (before
// decrypting) that this provider serves the asset, that the job's algorithm hash is on the asset's
// allow-list and that the lease's tenant holds an order; then decrypt the input into the job's
// folder (it is removed with the folder) and, when the publisher said so, let only metrics out.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  algorithmHashOf,
  getLease,
  type InputRef,
  inferInputFormat,
  type JobManifest,
  type NoosReadClient,
} from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { checkComputeJob, DataAccessRefusedError } from "./access.js";
import type { DataChain } from "./chain.js";
import { readDecrypted } from "./ecies.js";

export type DataJobsConfig = {
  client: NoosReadClient;
  market: Address;
  chain: DataChain;
  store: ContentStore;
  /** The provider's key: the one the asset's files are encrypted to. */
  privateKey: Hex;
};

export type PreparedDataInput = {
  inputPath: string;
  /** The asset file the job reads (encrypted CID) and its format. */
  input: InputRef;
  metricsOnly: boolean;
  did: string;
};

export type DataJobs = {
  /** Checks a `data:` job and writes its decrypted input into `dir`; throws a refusal otherwise. */
  prepare(p: { leaseId: bigint; manifest: JobManifest; dir: string }): Promise<PreparedDataInput>;
};

export function createDataJobs(config: DataJobsConfig): DataJobs {
  const provider = privateKeyToAccount(config.privateKey).address;
  return {
    async prepare({ leaseId, manifest, dir }) {
      const did = manifest.data;
      if (!did) throw new Error("not a data job");
      const lease = await getLease(config.client, { address: config.market, leaseId });
      const access = await checkComputeJob({
        chain: config.chain,
        store: config.store,
        provider,
        did,
        consumer: lease.tenant,
        algorithm: algorithmHashOf(manifest),
      });
      // No `input`: the asset's (first) file is the input. An `input` must be one of its files.
      const cid = manifest.input && "cid" in manifest.input ? manifest.input.cid : undefined;
      const files = access.service.files;
      const file = manifest.input ? files.find((f) => f.cid === cid) : files[0];
      if (!file) {
        throw new DataAccessRefusedError(
          "bad_request",
          `input ${manifest.input ? (cid ?? "(a path)") : "(none)"} is not a file of ${did}; its compute files: ${files.map((f) => f.cid).join(", ") || "none"}.`,
        );
      }
      const format = manifest.input?.format ?? inferInputFormat(file.name) ?? "csv";
      const inputPath = path.join(dir, `data-${file.name.replace(/[^\w.-]/g, "_")}`);
      await writeFile(inputPath, await readDecrypted(config.store, config.privateKey, file), {
        mode: 0o600,
      });
      const metricsOnly =
        access.metadata.metricsOnly || access.service.compute?.outputs === "metrics";
      return { inputPath, input: { cid: file.cid, format }, metricsOnly, did };
    },
  };
}

/**
 * A result document with metrics only: numbers and short strings stay, artifacts (model files)
 * and per-row outputs (arrays, objects) are dropped.
 */
export function metricsOnlyResult(result: Record<string, unknown>, artifactNames: string[]) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) {
    if (typeof v === "number" || typeof v === "boolean") out[k] = v;
    else if (typeof v === "string" && !artifactNames.includes(v) && v.length <= 200) out[k] = v;
  }
  out.outputs = "metrics";
  return out;
}
