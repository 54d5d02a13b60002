// Compute-to-data through real provider daemons on anvil: provider A serves an encrypted CSV;
// a buyer with an order trains on it through `data:` and gets the model and metrics. A job whose
// algorithm is not on the allow-list, a job leased to provider B (whose key cannot decrypt) and a
// job by a tenant without an order all end without a result, each refused for its own reason.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import {
  algorithmHashOf,
  buyDatatokensAndWait,
  ddoBytes,
  parseDdo,
  parseJobManifest,
  publishDataAssetAndWait,
  setDataMetadataAndWait,
  signProviderFee,
  startDataOrderAndWait,
} from "@noosphere/sdk";
import { type ContentStore, createStore } from "@noosphere/storage";
import { parseEther, sha256, stringToBytes, stringToHex, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { createJobRunner } from "../jobs/runner.js";
import { createProvider } from "../provider/provider.js";
import { deployJob } from "../tenant/deployJob.js";
import { createDataChain } from "./chain.js";
import { publicKeyOf, storeEncrypted } from "./ecies.js";
import { createDataJobs, type DataJobs } from "./job.js";

const PUB = 1;
const BUYER = 2;
const A = 3;
const B = 4;
const STRANGER = 5;

let net: TestDeployment;
let dir: string;
let store: ContentStore;
const stops: (() => Promise<void>)[] = [];

// Two separable classes: label = x0 > x1.
const rows = Array.from({ length: 200 }, (_, i) => {
  const x0 = (i * 37) % 100;
  const x1 = (i * 61) % 100;
  return `${x0},${x1},${x0 > x1 ? 1 : 0}`;
});
const csv = stringToBytes(`x0,x1,label\n${rows.join("\n")}\n`);

const manifestText = (cid: string, did: string, epochs: number) => `version: "1"
kind: training
input: { cid: ${cid}, format: csv }
data: ${did}
training:
  architecture: { layers: [2, 8, 2] }
  optimizer: { name: sgd, learningRate: 0.5 }
  epochs: ${epochs}
  batchSize: 16
  seed: 7
  labelsColumn: label
resources: { cpu: 1, memory: 256Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: none }
deadline: 10m
bidWindow: 10s
`;

/** Why each data job was refused, per provider: the refusals below must be the right ones. */
const refusals: string[] = [];
const observed = (index: number, jobs: DataJobs): DataJobs => ({
  prepare: (p) =>
    jobs.prepare(p).catch((err: unknown) => {
      refusals.push(`${index}:${(err as { refusal?: string }).refusal ?? String(err)}`);
      throw err;
    }),
});

async function startProvider(index: number) {
  const common = createCommon({ handleSignals: false, logLevel: "silent" });
  const client = net.client(index);
  const c = net.deployment.contracts;
  const runJob = createJobRunner({
    store,
    workDir: path.join(dir, `provider-${index}`, "work"),
    memoryBytes: 512n * 1024n ** 2n,
    timeoutMs: 120_000,
    workers: 1,
    dataJobs: observed(
      index,
      createDataJobs({
        client,
        market: c.market,
        chain: createDataChain(client, c.dataNftFactory as `0x${string}`),
        store,
        privateKey: net.accounts[index]?.privateKey as `0x${string}`,
      }),
    ),
  });
  const provider = await createProvider(common, {
    client,
    contracts: c,
    startBlock: await client.getBlockNumber(),
    hostUri: "http://127.0.0.1:0",
    // Tenants pin a job to this provider by placement (see deploy below).
    attributes: [{ key: "node", value: String(index) }],
    stake: parseEther("150"),
    pricing: {
      cpuPerCore: parseEther("0.0001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 1024n ** 3n, gpus: 0, maxJobs: 2 },
    stateDir: path.join(dir, `provider-${index}`),
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 60_000,
    pollIntervalMs: 50,
    runJob,
  });
  stops.push(async () => {
    common.shutdown();
    await provider.done;
    await runJob.close();
  });
}

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-c2d-"));
  store = createStore({ kind: "local", dir: path.join(dir, "store") });
  await startProvider(A);
  await startProvider(B);
}, 120_000);
afterAll(async () => {
  for (const stop of stops) await stop();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("compute-to-data e2e", () => {
  it("test_c2d_allowedJobTrains_refusedJobsEndWithoutResult", async () => {
    const c = net.deployment.contracts;
    const a = net.accounts[A] as NonNullable<(typeof net.accounts)[number]>;
    const provider = { address: a.address, url: "http://127.0.0.1:1" };
    const file = await storeEncrypted(
      store,
      { address: a.address, publicKey: publicKeyOf(a.privateKey) },
      csv,
      "xy.csv",
    );
    const publisher = net.client(PUB);
    const pub = await publishDataAssetAndWait(publisher, {
      address: c.dataNftFactory as `0x${string}`,
      name: "XY",
      symbol: "XY",
      provider,
      metadataCid: "pending",
      metadataHash: sha256(stringToHex("pending")),
      computeOnly: true,
      allowedAlgorithms: [],
      pricing: { kind: "fixed", baseToken: c.token, rate: parseEther("2") },
    });
    const allowedText = manifestText(file.cid, pub.did, 20);
    const algorithm = algorithmHashOf(parseJobManifest(allowedText));
    const ddo = parseDdo({
      id: pub.did,
      chainId: net.anvil.chainId,
      nftAddress: pub.nft,
      metadata: { created: "2026-12-06", updated: "2026-12-06", name: "XY" },
      services: [
        {
          id: "0",
          type: "compute",
          files: [file],
          datatokenAddress: pub.datatoken,
          serviceEndpoint: provider.url,
          compute: { allow: [algorithm], outputs: "all" },
        },
      ],
    });
    const meta = await store.add(ddoBytes(ddo));
    await setDataMetadataAndWait(publisher, {
      address: pub.nft,
      provider,
      metadataCid: meta.cid,
      metadataHash: sha256(ddoBytes(ddo)),
      computeOnly: true,
    });
    const { setAlgorithmAllowedAndWait } = await import("@noosphere/sdk");
    await setAlgorithmAllowedAndWait(publisher, {
      address: pub.nft,
      algorithms: [algorithm],
      allowed: true,
    });

    // The buyer gets an order (1 DT at 2 NOOS, free provider quote signed by A).
    const buyer = net.client(BUYER);
    await buyDatatokensAndWait(buyer, {
      address: c.fixedRateExchange as `0x${string}`,
      exchangeId: pub.exchangeId,
    });
    const now = (await net.publicClient.getBlock()).timestamp;
    const fee = await signProviderFee({
      account: a.account,
      chainId: net.anvil.chainId,
      datatoken: pub.datatoken,
      consumer: buyer.account.address,
      serviceIndex: 0,
      fee: {
        providerFeeToken: zeroAddress,
        providerFeeAmount: 0n,
        validity: 0n,
        quoteDeadline: now + 600n,
        providerData: "0x",
      },
    });
    await startDataOrderAndWait(buyer, { address: pub.datatoken, providerFee: fee });

    const write = async (name: string, text: string) => {
      const p = path.join(dir, name);
      await writeFile(p, text);
      return p;
    };
    // The market leases an order to its best bid only: a placement naming the provider's own
    // attribute makes it the only one that bids, so the job goes to it.
    const deploy = async (tenant: number, manifestPath: string, to: number) =>
      deployJob({
        client: net.client(tenant),
        contracts: c,
        store,
        manifestPath: await write(
          path.basename(manifestPath).replace(/\.yaml$/, `-to-${to}.yaml`),
          `${await readFile(manifestPath, "utf8")}placement: { attributes: { node: "${to}" } }\n`,
        ),
        provider: net.accounts[to]?.address,
        resultsDir: path.join(dir, "results"),
        pollIntervalMs: 50,
        fetchRetryMs: 200,
      });

    const allowed = await write("allowed.yaml", allowedText);
    const done = await deploy(BUYER, allowed, A);
    expect(done.outcome).toBe("completed");
    const resultFile = Object.values(done.files).find((f) => f.endsWith(".json"));
    const result = JSON.parse(await readFile(resultFile as string, "utf8")) as Record<
      string,
      unknown
    >;
    expect(result.trainAccuracy).toBeGreaterThan(0.8);
    expect(result.model).toMatchObject({ cid: expect.any(String) });

    // Not on the allow-list (one more epoch is another algorithm).
    const other = await write("other.yaml", manifestText(file.cid, pub.did, 21));
    await expect(deploy(BUYER, other, A)).rejects.toThrow(/without a result/);
    // Leased to provider B: its key cannot decrypt, and it refuses before trying.
    await expect(deploy(BUYER, allowed, B)).rejects.toThrow(/without a result/);
    // A tenant without an order.
    await expect(deploy(STRANGER, allowed, A)).rejects.toThrow(/without a result/);
    expect(refusals).toEqual([
      `${A}:algorithm_not_allowed`,
      `${B}:wrong_provider`,
      `${A}:no_order`,
    ]);
  }, 300_000);
});
