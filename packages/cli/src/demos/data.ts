// `noos demo data`: compute-to-data on a devnet with two provider processes. A publisher encrypts
// the digits training split to provider A's key and publishes it compute-only for 2 NOOS; a buyer
// cannot download it, buys an order, trains a classifier on it through C2D (only A can decrypt,
// only the allowed algorithm runs), gets the model and measures it on its own held-out split.
// The three refusals are shown: download, disallowed algorithm, another provider.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort, isPortFree, readDevnet, stopDevnet } from "@noosphere/devnet";
import { createSession, loadTable, runInference, splitTrainTest } from "@noosphere/ml";
import { deployJob } from "@noosphere/node";
import {
  DataDownloadError,
  downloadData,
  fetchProviderKey,
  storeEncrypted,
} from "@noosphere/node/data";
import {
  algorithmHashOf,
  BaseError,
  buyDatatokensAndWait,
  collectDataRevenueAndWait,
  createNoosClient,
  ddoBytes,
  fetchProviderQuote,
  type NoosphereAddresses,
  noosphereActions,
  parseDdo,
  parseJobManifest,
  publishDataAssetAndWait,
  setDataMetadataAndWait,
  startDataOrderAndWait,
} from "@noosphere/sdk";
import { createStore } from "@noosphere/storage";
import {
  type Address,
  formatEther,
  type Hex,
  type LocalAccount,
  parseEther,
  sha256,
  stringToBytes,
  stringToHex,
} from "viem";
import { readContract } from "viem/actions";
import {
  type LocalProvider,
  localProviderAttributes,
  PROVIDERS_FILE,
  startDevnetWithProviders,
} from "../localProviders.js";
import { printJson } from "../output.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const digitsCsv = path.resolve(here, "../../../../examples/data/digits.csv");
const PLACEHOLDER_DID = `did:noos:${"0".repeat(64)}`;

// No input: the data asset's file is the job's input (compute-to-data).
const manifest = (did: string, epochs: number, region?: string) => `version: "1"
kind: training
data: ${did}
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: momentum, learningRate: 0.05, momentum: 0.9 }
  epochs: ${epochs}
  batchSize: 32
  seed: 1
  labelsColumn: label
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "1" }
verification: { mode: receipt }
deadline: 10m
bidWindow: 10s
${region ? `placement: { attributes: { region: ${region} } }\n` : ""}`;

const balanceAbi = [
  {
    type: "function",
    name: "balanceOf",
    stateMutability: "view",
    inputs: [{ name: "a", type: "address" }],
    outputs: [{ type: "uint256" }],
  },
] as const;

export async function runDataDemoCommand(p: {
  dir: string;
  json: boolean;
  say: (line: string) => void;
  keep?: boolean | undefined;
}) {
  const started = Date.now();
  const { say } = p;
  let ours = false;
  let info = await readDevnet(p.dir).catch(() => undefined);
  if (!info) {
    const port = (await isPortFree(8545)) ? 8545 : await getFreePort();
    say(`starting a devnet on port ${port} with 2 providers...`);
    info = (await startDevnetWithProviders({ dir: p.dir, port, count: 2 })).info;
    ours = true;
  }
  try {
    const providers = JSON.parse(
      await readFile(path.join(p.dir, PROVIDERS_FILE), "utf8").catch(() => "[]"),
    ) as LocalProvider[];
    const [a, b] = providers;
    if (!a?.dataUrl || !b?.dataUrl) {
      throw new BaseError(
        `The devnet in ${p.dir} needs 2 providers with data endpoints: stop it (noos devnet stop) and rerun.`,
      );
    }
    const contracts = info.contracts as NoosphereAddresses;
    const { dataNftFactory, fixedRateExchange } = contracts;
    if (!dataNftFactory || !fixedRateExchange)
      throw new BaseError("This devnet has no data-asset contracts.");
    const clientOf = (i: number) => {
      const key = info.accounts[i]?.privateKey as Hex | undefined;
      if (!key) throw new BaseError(`devnet has no account ${i}`);
      return createNoosClient({
        rpcUrl: info.rpcUrl,
        chainId: info.chainId,
        privateKey: key,
      }).extend(noosphereActions(contracts));
    };
    const buyer = clientOf(1);
    const publisher = clientOf(2);
    const store = createStore({ kind: "local", dir: path.join(path.resolve(p.dir), "store") });
    const work = path.resolve(p.dir, "demo-data");
    await mkdir(work, { recursive: true });

    // The publisher's data (training split) and the buyer's own held-out split.
    const table = await loadTable(digitsCsv);
    const { train, test } = splitTrainTest(table.rows, { testFraction: 0.2, seed: 42 });
    const labelAt = table.columns.indexOf("label");
    const csv = stringToBytes(
      `${table.columns.join(",")}\n${train.map((r) => r.join(",")).join("\n")}\n`,
    );

    say(`publisher: encrypting ${train.length} digits to provider ${a.address} (key checked)...`);
    const key = await fetchProviderKey(a.dataUrl, a.address as Address);
    const file = await storeEncrypted(store, key, csv, "digits-train.csv");
    const algorithm = algorithmHashOf(parseJobManifest(manifest(PLACEHOLDER_DID, 20)));
    const provider = { address: a.address as Address, url: a.dataUrl };
    const pub = await publishDataAssetAndWait(publisher, {
      address: dataNftFactory,
      name: "Digits (training split)",
      symbol: "DIGITS",
      provider,
      metadataCid: "pending",
      metadataHash: sha256(stringToHex("pending")),
      computeOnly: true,
      allowedAlgorithms: [algorithm],
      pricing: { kind: "fixed", baseToken: contracts.token, rate: parseEther("2") },
    });
    const ddo = parseDdo({
      id: pub.did,
      chainId: info.chainId,
      nftAddress: pub.nft,
      metadata: {
        created: new Date().toISOString(),
        updated: new Date().toISOString(),
        name: "Digits (training split)",
        license: "CC-BY-4.0",
      },
      services: [
        {
          id: "0",
          type: "compute",
          files: [file],
          datatokenAddress: pub.datatoken,
          serviceEndpoint: a.dataUrl,
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
    say(`published ${pub.did} (compute-only, 2 NOOS)`);

    const refusals: Record<string, string> = {};
    let buyerSawRawData = false;
    const tryDownload = async () => {
      try {
        await downloadData({
          providerUrl: a.dataUrl as string,
          did: pub.did,
          account: buyer.account as LocalAccount,
        });
        buyerSawRawData = true;
        return "served";
      } catch (err) {
        if (err instanceof DataDownloadError) return `${err.status} ${err.refusal}`;
        throw err;
      }
    };
    refusals.downloadWithoutOrder = await tryDownload();
    say(`buyer: download without an order -> ${refusals.downloadWithoutOrder}`);

    await buyDatatokensAndWait(buyer, { address: fixedRateExchange, exchangeId: pub.exchangeId });
    const fee = await fetchProviderQuote(a.dataUrl, {
      datatoken: pub.datatoken,
      consumer: buyer.account.address,
    });
    await startDataOrderAndWait(buyer, { address: pub.datatoken, providerFee: fee });
    refusals.downloadWithOrder = await tryDownload();
    say(`buyer: bought an order; download of compute-only data -> ${refusals.downloadWithOrder}`);

    const write = async (name: string, text: string) => {
      const f = path.join(work, name);
      await writeFile(f, text);
      return f;
    };
    const deploy = (manifestPath: string, to: Address) =>
      deployJob({
        client: buyer,
        contracts,
        store,
        manifestPath,
        provider: to,
        resultsDir: path.join(work, "results"),
      });
    // The tenant sees the lease closed without a result; why is in the provider's log.
    const providerSaid = async (log: string, orderId: string | undefined) => {
      const lines = (await readFile(log, "utf8").catch(() => "")).split("\n");
      const line = lines.find((l) => l.includes(`"leaseId":${orderId},`) && l.includes('"err"'));
      const err = line ? (JSON.parse(line) as { err?: string }).err : undefined;
      return err?.replace(/^JobFailedError: Job of lease \d+ failed: /, "").split("\n")[0];
    };
    const jobRefusal = (to: LocalProvider, manifestPath: string) =>
      deploy(manifestPath, to.address as Address).then(
        (r) => `ran (${r.outcome})`,
        async (err: unknown) => {
          const msg = err instanceof BaseError ? err.shortMessage : String(err);
          const said = await providerSaid(to.log, /Order (\d+)/.exec(msg)?.[1]);
          return said ? `refused by the provider: ${said}` : msg;
        },
      );

    say("buyer: training a 64-32-10 MLP through compute-to-data on provider A...");
    const allowed = await write("c2d-training.yaml", manifest(pub.did, 20));
    const trained = await deploy(allowed, a.address as Address);
    const doc = JSON.parse(await readFile(trained.files.result as string, "utf8")) as {
      model: { cid: string };
      trainAccuracy: number;
    };
    const session = await createSession(await store.get(doc.model.cid));
    const { output_data } = await runInference(
      session,
      test.map((r) => r.filter((_, i) => i !== labelAt)),
    );
    const correct = output_data.filter(
      (row, i) => row.indexOf(Math.max(...row)) === test[i]?.[labelAt],
    ).length;
    const accuracy = correct / test.length;
    say(`buyer: model ${doc.model.cid}, held-out accuracy ${(accuracy * 100).toFixed(1)}%`);

    say("buyer: a job with another algorithm (21 epochs) on provider A...");
    refusals.disallowedAlgorithm = await jobRefusal(
      a,
      await write("c2d-other.yaml", manifest(pub.did, 21)),
    );
    say(`  -> ${refusals.disallowedAlgorithm}`);
    say("buyer: the allowed job placed on provider B...");
    // The market leases to the best bid only, and A asks less: a placement on B's region (the
    // only provider there) makes B the one that bids.
    refusals.otherProvider = await jobRefusal(
      b,
      await write(
        "c2d-training-b.yaml",
        manifest(pub.did, 20, localProviderAttributes(b.index).region),
      ),
    );
    say(`  -> ${refusals.otherProvider}`);

    const balance = () =>
      readContract(publisher, {
        address: contracts.token,
        abi: balanceAbi,
        functionName: "balanceOf",
        args: [publisher.account.address],
      });
    const before = await balance();
    await collectDataRevenueAndWait(publisher, {
      address: fixedRateExchange,
      exchangeId: pub.exchangeId,
    });
    const publisherRevenue = (await balance()) - before;
    say(`publisher: collected ${formatEther(publisherRevenue)} NOOS of datatoken revenue`);

    const refused =
      !refusals.downloadWithoutOrder?.startsWith("served") &&
      !refusals.disallowedAlgorithm?.startsWith("ran") &&
      !refusals.otherProvider?.startsWith("ran");
    const ok = accuracy >= 0.9 && !buyerSawRawData && refused && publisherRevenue > 0n;
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const figures = {
      ok,
      demo: "data",
      accuracy,
      heldOut: test.length,
      trainAccuracy: doc.trainAccuracy,
      publisherRevenue: formatEther(publisherRevenue),
      buyerSawRawData,
      refusals,
      did: pub.did,
      model: doc.model.cid,
      computeCost: formatEther(trained.cost),
      seconds,
    };
    if (p.json) printJson(figures);
    else say(`${ok ? "ok" : "NOT ok"}: done in ${seconds.toFixed(1)} s`);
    if (!ok) process.exitCode = 1;
  } finally {
    if (ours && !p.keep) await stopDevnet({ dir: p.dir });
    else if (ours) say("the devnet keeps running: stop it with `noos devnet stop`");
  }
}
