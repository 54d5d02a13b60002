// The data endpoint over a real socket, with real ECIES and a real content store. The chain is an
// in-memory DataChain here (the on-chain reads are covered by the anvil e2e test); what is tested is
// which requests get bytes and which are refused, and why.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ddoBytes, didOf, fetchProviderQuote, parseDdo, providerFeeDigest } from "@noosphere/sdk";
import { createLocalStore } from "@noosphere/storage";
import { type Address, type Hex, recoverMessageAddress, sha256, stringToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommon } from "../common.js";
import { checkComputeJob, type DataAccessRefusedError } from "./access.js";
import type { DataAssetMetadata, DataChain } from "./chain.js";
import { DataDownloadError, downloadData, fetchProviderKey } from "./client.js";
import { storeEncrypted } from "./ecies.js";
import { requestHeaders, signDataRequest } from "./request.js";
import { createDataServer, type DataServer } from "./server.js";

const providerKey = generatePrivateKey();
const provider = privateKeyToAccount(providerKey);
const buyer = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const csv = stringToBytes("f1,f2,label\n".concat("0.5,0.25,7\n".repeat(20000)));
const datatoken: Address = "0x00000000000000000000000000000000000000d7";
const ALGO: Hex = `0x${"ab".repeat(32)}`;

const assets = new Map<string, { nft: Address; metadata: DataAssetMetadata }>();
const orders = new Set<string>();
const chain: DataChain = {
  asset: async (did) => assets.get(did),
  hasValidOrder: async (dt, consumer, i) => orders.has(`${dt}:${consumer}:${i}`.toLowerCase()),
  isAlgorithmAllowed: async (_nft, a) => a === ALGO,
  // Every test asset uses the same datatoken; the first one's metadata answers.
  metadataOfDatatoken: async () => [...assets.values()][0]?.metadata as DataAssetMetadata,
};

let dir: string;
let server: DataServer;
const common = createCommon({ handleSignals: false, logLevel: "silent" });
const dids: Record<"open" | "computeOnly" | "elsewhere", string> = {
  open: "",
  computeOnly: "",
  elsewhere: "",
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "noos-data-server-"));
  const store = createLocalStore({ dir });
  server = await createDataServer(common, {
    listen: { host: "127.0.0.1", port: 0 },
    privateKey: providerKey,
    chain,
    store,
    quote: { chainId: 31337, now: async () => 1_000n },
  });
  const key = await fetchProviderKey(server.url, provider.address);
  let n = 1;
  for (const name of ["open", "computeOnly", "elsewhere"] as const) {
    const nft = `0x${String(n++).padStart(40, "0")}` as Address;
    const did = didOf(nft, 31337);
    const file = await storeEncrypted(store, key, csv, "digits.csv");
    const ddo = parseDdo({
      id: did,
      chainId: 31337,
      nftAddress: nft,
      metadata: { created: "2026-12-06", updated: "2026-12-06", name },
      services: [
        {
          id: "0",
          type: "access",
          files: [file],
          datatokenAddress: datatoken,
          serviceEndpoint: server.url,
          timeout: 3600,
        },
        {
          id: "1",
          type: "compute",
          files: [file],
          datatokenAddress: datatoken,
          serviceEndpoint: server.url,
          compute: { allow: [ALGO], outputs: "metrics" },
        },
      ],
    });
    const meta = await store.add(ddoBytes(ddo));
    assets.set(did, {
      nft,
      metadata: {
        state: 0,
        decryptorUrl: server.url,
        decryptorAddress: name === "elsewhere" ? stranger.address : provider.address,
        metadataCid: meta.cid,
        metadataHash: sha256(ddoBytes(ddo)),
        computeOnly: name === "computeOnly",
        metricsOnly: true,
      },
    });
    dids[name] = did;
  }
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const order = (consumer: Address, i: number) =>
  orders.add(`${datatoken}:${consumer}:${i}`.toLowerCase());

describe("data server", () => {
  it("test_quote_isSignedByTheProviderWithDeadlineFromChainTime", async () => {
    const fee = await fetchProviderQuote(server.url, { datatoken, consumer: buyer.address });
    expect(fee.providerFeeAddress).toBe(provider.address);
    expect(fee.quoteDeadline).toBe(1_600n);
    expect(fee.validity).toBe(3600n); // the service's timeout
    const digest = providerFeeDigest({
      chainId: 31337,
      datatoken,
      consumer: buyer.address,
      serviceIndex: 0,
      fee,
    });
    expect(
      await recoverMessageAddress({ message: { raw: digest }, signature: fee.signature }),
    ).toBe(provider.address);
    const bad = await fetch(`${server.url}/data/quote`, { method: "POST", body: "{}" });
    expect(bad.status).toBe(400);
  });

  it("test_fetchProviderKey_whenAddressIsAnotherProviders_refuses", async () => {
    await expect(fetchProviderKey(server.url, stranger.address)).rejects.toThrow(
      /not to the data's provider/,
    );
  });

  it("test_download_withoutOrder_isRefusedWith402", async () => {
    const err = await downloadData({
      providerUrl: server.url,
      did: dids.open,
      account: buyer,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DataDownloadError);
    expect(err).toMatchObject({ status: 402, refusal: "no_order" });
  });

  it("test_download_withOrder_streamsThePlaintext", async () => {
    order(buyer.address, 0);
    const got = await downloadData({ providerUrl: server.url, did: dids.open, account: buyer });
    expect(got.sha256).toBe(sha256(csv));
    expect(got.name).toBe("digits.csv");
    // The order is the buyer's: another account is refused.
    await expect(
      downloadData({ providerUrl: server.url, did: dids.open, account: stranger }),
    ).rejects.toMatchObject({
      status: 402,
    });
  });

  it("test_download_replayedOrForgedRequest_isRefusedWith401", async () => {
    const signed = await signDataRequest(buyer, dids.open);
    const url = `${server.url}/data/${dids.open}`;
    expect((await fetch(url, { headers: requestHeaders(signed) })).status).toBe(200);
    const replay = await fetch(url, { headers: requestHeaders(signed) });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toMatch(/already used/);
    // Signed by the stranger, claiming to be the buyer.
    const forged = { ...(await signDataRequest(stranger, dids.open)), consumer: buyer.address };
    const res = await fetch(url, { headers: requestHeaders(forged) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/not signed by/);
    const stale = await signDataRequest(buyer, dids.open, Math.floor(Date.now() / 1000) - 3600);
    expect((await fetch(url, { headers: requestHeaders(stale) })).status).toBe(401);
    expect((await fetch(url)).status).toBe(401);
  });

  it("test_download_computeOnlyOrOtherProvidersAsset_isRefused", async () => {
    order(buyer.address, 0);
    await expect(
      downloadData({ providerUrl: server.url, did: dids.computeOnly, account: buyer }),
    ).rejects.toMatchObject({ status: 403, refusal: "compute_only" });
    await expect(
      downloadData({ providerUrl: server.url, did: dids.elsewhere, account: buyer }),
    ).rejects.toMatchObject({ refusal: "wrong_provider", status: 409 });
    await expect(
      downloadData({ providerUrl: server.url, did: `did:noos:${"0".repeat(64)}`, account: buyer }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("test_checkComputeJob_refusesDisallowedAlgorithmAndMissingOrder", async () => {
    const store = createLocalStore({ dir });
    const base = {
      chain,
      store,
      provider: provider.address,
      did: dids.computeOnly,
      consumer: stranger.address,
    };
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => "none",
        (e: DataAccessRefusedError) => e.refusal,
      );
    expect(await refusal(checkComputeJob({ ...base, algorithm: `0x${"cd".repeat(32)}` }))).toBe(
      "algorithm_not_allowed",
    );
    expect(await refusal(checkComputeJob({ ...base, algorithm: ALGO }))).toBe("no_order");
    order(stranger.address, 1);
    const access = await checkComputeJob({ ...base, algorithm: ALGO });
    expect(access.service.compute?.outputs).toBe("metrics");
    expect(await refusal(checkComputeJob({ ...base, did: dids.elsewhere, algorithm: ALGO }))).toBe(
      "wrong_provider",
    );
  });
});
