// Private files and compute-to-data checks on a real anvil with the real data contracts, real
// provider data endpoints (HTTP) and real ECIES: a publisher encrypts a CSV to provider A (after
// checking A's key against its address), publishes it for 2 NOOS; the three refusals (download
// without an order, an algorithm not on the allow-list, another provider) and the paid download.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import {
  buyDatatokensAndWait,
  type DataAddresses,
  ddoBytes,
  fetchProviderQuote,
  parseDdo,
  publishDataAssetAndWait,
  setDataMetadataAndWait,
  startDataOrderAndWait,
} from "@noosphere/sdk";
import { createLocalStore } from "@noosphere/storage";
import { type Hex, parseEther, sha256, stringToBytes, stringToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { checkComputeJob, type DataAccessRefusedError } from "./access.js";
import { createDataChain } from "./chain.js";
import { downloadData, fetchProviderKey } from "./client.js";
import { DecryptionFailedError, readDecrypted, storeEncrypted } from "./ecies.js";
import { createDataServer, type DataServer } from "./server.js";

const PUB = 1;
const BUYER = 2;
const A = 3;
const B = 4;
const ALLOWED: Hex = sha256(stringToHex("train digits mlp"));
const OTHER: Hex = sha256(stringToHex("dump the rows"));
const csv = stringToBytes(`p0,p1,label\n${"3,14,7\n".repeat(5000)}`);

let net: TestDeployment;
let addrs: DataAddresses;
let dir: string;
let servers: DataServer[] = [];
const common = createCommon({ handleSignals: false, logLevel: "silent" });
const acct = (i: number) => net.accounts[i] as NonNullable<(typeof net.accounts)[number]>;

beforeAll(async () => {
  net = await startTestDeployment();
  const c = net.deployment.contracts;
  if (!c.dataNftFactory || !c.fixedRateExchange || !c.dispenser)
    throw new Error("no data contracts");
  addrs = {
    dataNftFactory: c.dataNftFactory,
    fixedRateExchange: c.fixedRateExchange,
    dispenser: c.dispenser,
  };
  dir = await mkdtemp(join(tmpdir(), "noos-data-e2e-"));
  const chain = createDataChain(net.publicClient, addrs.dataNftFactory);
  servers = await Promise.all(
    [A, B].map((i) =>
      createDataServer(common, {
        listen: { host: "127.0.0.1", port: 0 },
        privateKey: acct(i).privateKey,
        chain,
        store: createLocalStore({ dir }),
        quote: {
          chainId: net.anvil.chainId,
          now: async () => (await net.publicClient.getBlock()).timestamp,
        },
      }),
    ),
  );
}, 120_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("data e2e", () => {
  it("test_dataAsset_refusalsThenPaidDownload", async () => {
    const store = createLocalStore({ dir });
    const [a, b] = servers as [DataServer, DataServer];
    const provider = { address: acct(A).address, url: a.url };
    // The publisher encrypts only after A's served key hashes to A's address; B's key is refused.
    await expect(fetchProviderKey(b.url, provider.address)).rejects.toThrow(
      /not to the data's provider/,
    );
    const key = await fetchProviderKey(a.url, provider.address);
    const file = await storeEncrypted(store, key, csv, "digits.csv");

    const publisher = net.client(PUB);
    const pub = await publishDataAssetAndWait(publisher, {
      address: addrs.dataNftFactory,
      name: "Digits",
      symbol: "DIG",
      provider,
      metadataCid: "pending",
      metadataHash: sha256(stringToHex("pending")),
      computeOnly: false,
      allowedAlgorithms: [ALLOWED],
      pricing: { kind: "fixed", baseToken: net.deployment.contracts.token, rate: parseEther("2") },
    });
    const ddo = parseDdo({
      id: pub.did,
      chainId: net.anvil.chainId,
      nftAddress: pub.nft,
      metadata: { created: "2026-12-06", updated: "2026-12-06", name: "Digits" },
      services: [
        {
          id: "0",
          type: "access",
          files: [file],
          datatokenAddress: pub.datatoken,
          serviceEndpoint: a.url,
          compute: { allow: [ALLOWED], outputs: "all" },
        },
      ],
    });
    const meta = await store.add(ddoBytes(ddo));
    await setDataMetadataAndWait(publisher, {
      address: pub.nft,
      provider,
      metadataCid: meta.cid,
      metadataHash: sha256(ddoBytes(ddo)),
    });

    const buyerAccount = acct(BUYER).account;
    // Refusal 1: a download without an order.
    await expect(
      downloadData({ providerUrl: a.url, did: pub.did, account: buyerAccount }),
    ).rejects.toMatchObject({
      status: 402,
      refusal: "no_order",
    });

    const buyer = net.client(BUYER);
    await buyDatatokensAndWait(buyer, {
      address: addrs.fixedRateExchange,
      exchangeId: pub.exchangeId,
    });
    const fee = await fetchProviderQuote(a.url, {
      datatoken: pub.datatoken,
      consumer: acct(BUYER).address,
    });
    await startDataOrderAndWait(buyer, { address: pub.datatoken, providerFee: fee });

    const got = await downloadData({ providerUrl: a.url, did: pub.did, account: buyerAccount });
    expect(got.sha256).toBe(sha256(csv));

    const chain = createDataChain(net.publicClient, addrs.dataNftFactory);
    const base = { chain, store, did: pub.did, consumer: acct(BUYER).address };
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => "none",
        (e: DataAccessRefusedError) => e.refusal,
      );
    // Refusal 2: an algorithm that is not on the NFT's allow-list.
    expect(
      await refusal(checkComputeJob({ ...base, provider: provider.address, algorithm: OTHER })),
    ).toBe("algorithm_not_allowed");
    expect(
      await refusal(checkComputeJob({ ...base, provider: provider.address, algorithm: ALLOWED })),
    ).toBe("none");
    // Refusal 3: provider B refuses the job, and B's key could not decrypt the file anyway.
    expect(
      await refusal(checkComputeJob({ ...base, provider: acct(B).address, algorithm: ALLOWED })),
    ).toBe("wrong_provider");
    await expect(readDecrypted(store, acct(B).privateKey, file)).rejects.toThrow(
      DecryptionFailedError,
    );
    await expect(
      downloadData({ providerUrl: b.url, did: pub.did, account: buyerAccount }),
    ).rejects.toMatchObject({
      status: 409,
    });
  }, 120_000);
});
