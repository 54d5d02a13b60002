// Data assets, timing part: the same digits training job through the market on a plain file and
// through compute-to-data (encrypted to the provider, checked, decrypted in the job), alternated
// in one run on a real anvil with a real provider daemon. Adds the `c2d` section to
// bench/results/data.json (the gas part, bench/data.ts, keeps it).
//
//   npx tsx bench/data-c2d.ts [--runs 3]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment } from "@noosphere/devnet";
import { loadTable, splitTrainTest } from "@noosphere/ml";
import { createCommon, createJobRunner, createProvider, deployJob } from "@noosphere/node";
import {
  createDataChain,
  createDataJobs,
  decryptWithKey,
  publicKeyOf,
  storeEncrypted,
} from "@noosphere/node/data";
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
import { createStore } from "@noosphere/storage";
import { parseEther, sha256, stringToBytes, stringToHex, zeroAddress } from "viem";
import { describeMachine } from "./lib/machine.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", "data.json");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

const job = (input: string, data?: string) => `version: "1"
kind: training
input: ${input}
${data ? `data: ${data}` : ""}
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: 20
  batchSize: 32
  seed: 1
  labelsColumn: label
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: none }
deadline: 10m
bidWindow: 10s
`;

const net = await startTestDeployment();
const dir = await mkdtemp(path.join(tmpdir(), "noos-bench-c2d-"));
const common = createCommon({ handleSignals: false, logLevel: "silent" });
try {
  const c = net.deployment.contracts;
  const factory = c.dataNftFactory as `0x${string}`;
  const store = createStore({ kind: "local", dir: path.join(dir, "store") });
  const P = net.accounts[3] as NonNullable<(typeof net.accounts)[number]>;
  const providerClient = net.client(3);
  const runJob = createJobRunner({
    store,
    workDir: path.join(dir, "work"),
    memoryBytes: 1024n ** 3n,
    timeoutMs: 300_000,
    workers: 1,
    dataJobs: createDataJobs({
      client: providerClient,
      market: c.market,
      chain: createDataChain(providerClient, factory),
      store,
      privateKey: P.privateKey,
    }),
  });
  const provider = await createProvider(common, {
    client: providerClient,
    contracts: c,
    startBlock: await providerClient.getBlockNumber(),
    hostUri: "http://127.0.0.1:0",
    attributes: [],
    stake: parseEther("150"),
    pricing: {
      cpuPerCore: parseEther("0.0001"),
      memoryPerGiB: 0n,
      gpuPerUnit: 0n,
      base: 0n,
      marginBps: 0,
      minPricePerSecond: 1n,
    },
    capacity: { cpuMillis: 2000, memoryBytes: 2n * 1024n ** 3n, gpus: 0, maxJobs: 1 },
    stateDir: path.join(dir, "provider"),
    listen: { host: "127.0.0.1", port: 0 },
    withdrawIntervalMs: 600_000,
    pollIntervalMs: 50,
    runJob,
  });

  // The publisher's digits training split: plain for the baseline, encrypted for C2D.
  const table = await loadTable(path.join(repoRoot, "examples", "data", "digits.csv"));
  const { train } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
  const csvText = `${table.columns.join(",")}\n${train.map((r) => r.join(",")).join("\n")}\n`;
  const plainPath = path.join(dir, "train.csv");
  await writeFile(plainPath, csvText);
  const csv = stringToBytes(csvText);
  const file = await storeEncrypted(
    store,
    { address: P.address, publicKey: publicKeyOf(P.privateKey) },
    csv,
    "train.csv",
  );
  const did0 = `did:noos:${"0".repeat(64)}`;
  const algorithm = algorithmHashOf(
    parseJobManifest(job(`{ cid: ${file.cid}, format: csv }`, did0)),
  );
  const publisher = net.client(1);
  const url = "http://127.0.0.1:1";
  const pub = await publishDataAssetAndWait(publisher, {
    address: factory,
    name: "Digits",
    symbol: "DIG",
    provider: { address: P.address, url },
    metadataCid: "pending",
    metadataHash: sha256(stringToHex("pending")),
    computeOnly: true,
    allowedAlgorithms: [algorithm],
    pricing: { kind: "fixed", baseToken: c.token, rate: parseEther("2") },
  });
  const ddo = parseDdo({
    id: pub.did,
    chainId: net.anvil.chainId,
    nftAddress: pub.nft,
    metadata: { created: "2026-12-06", updated: "2026-12-06", name: "Digits" },
    services: [
      {
        id: "0",
        type: "compute",
        files: [file],
        datatokenAddress: pub.datatoken,
        serviceEndpoint: url,
        compute: { allow: [algorithm], outputs: "all" },
      },
    ],
  });
  const meta = await store.add(ddoBytes(ddo));
  await setDataMetadataAndWait(publisher, {
    address: pub.nft,
    provider: { address: P.address, url },
    metadataCid: meta.cid,
    metadataHash: sha256(ddoBytes(ddo)),
    computeOnly: true,
  });
  const tenant = net.client(2);
  await buyDatatokensAndWait(tenant, {
    address: c.fixedRateExchange as `0x${string}`,
    exchangeId: pub.exchangeId,
  });
  const now = (await net.publicClient.getBlock()).timestamp;
  const fee = await signProviderFee({
    account: P.account,
    chainId: net.anvil.chainId,
    datatoken: pub.datatoken,
    consumer: tenant.account.address,
    serviceIndex: 0,
    fee: {
      providerFeeToken: zeroAddress,
      providerFeeAmount: 0n,
      validity: 0n,
      quoteDeadline: now + 600n,
      providerData: "0x",
    },
  });
  await startDataOrderAndWait(tenant, { address: pub.datatoken, providerFee: fee });

  const plainManifest = path.join(dir, "plain.yaml");
  await writeFile(plainManifest, job("train.csv"));
  const c2dManifest = path.join(dir, "c2d.yaml");
  await writeFile(c2dManifest, job(`{ cid: ${file.cid}, format: csv }`, pub.did));
  const run = async (manifestPath: string) => {
    const t = performance.now();
    const r = await deployJob({
      client: tenant,
      contracts: c,
      store,
      manifestPath,
      provider: P.address,
      acceptFirstBid: true,
      resultsDir: path.join(dir, "results"),
      pollIntervalMs: 50,
    });
    if (r.outcome !== "completed") throw new Error(`job ${r.outcome}`);
    return (performance.now() - t) / 1000;
  };
  const plain: number[] = [];
  const c2d: number[] = [];
  await run(plainManifest); // warm-up: worker process, onnxruntime
  for (let i = 0; i < RUNS; i++) {
    plain.push(await run(plainManifest));
    c2d.push(await run(c2dManifest));
  }
  // The decryption alone (ECIES: ECDH + HKDF + AES-256-GCM over the whole file).
  const cipher = await store.get(file.cid);
  const t = performance.now();
  for (let i = 0; i < 20; i++) decryptWithKey(P.privateKey, cipher);
  const decryptMs = (performance.now() - t) / 20;

  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
  const section = {
    what: "deployJob wall time (order, bid, lease, run, result, check, download) of a 64-32-10 MLP trained 20 epochs on the digits training split, on one in-process provider daemon; plain file vs C2D (encrypted to the provider, checked on chain, decrypted in the job); alternated, after one warm-up job",
    rows: train.length,
    bytes: csv.length,
    runs: RUNS,
    plainSeconds: plain.map((x) => Math.round(x * 1000) / 1000),
    c2dSeconds: c2d.map((x) => Math.round(x * 1000) / 1000),
    plainMedianSeconds: Math.round(median(plain) * 1000) / 1000,
    c2dMedianSeconds: Math.round(median(c2d) * 1000) / 1000,
    c2dOverheadMedianSeconds: Math.round((median(c2d) - median(plain)) * 1000) / 1000,
    decryptMsPerRun: Math.round(decryptMs * 100) / 100,
    loadAverage: (await import("node:os")).loadavg().map((x) => Math.round(x * 10) / 10),
  };
  const previous = existsSync(resultsFile)
    ? (JSON.parse(readFileSync(resultsFile, "utf8")) as Record<string, unknown>)
    : {};
  const result = {
    ...previous,
    name: "data",
    c2d: { date: new Date().toISOString(), machine: describeMachine(), ...section },
  };
  writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(section, null, 2));
  common.shutdown();
  await provider.done;
  await runJob.close();
} finally {
  await net.stop();
  await rm(dir, { recursive: true, force: true });
}
