// Data assets through the SDK against a real anvil: the TS DID rule matches the factory's, publish
// in one transaction, get/list without an indexer, buy at the fixed rate, a provider-signed quote
// whose validity counts from inclusion, the order, revenue collection, free assets, and refusals.
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { type Address, parseEther, sha256, stringToHex } from "viem";
import { readContract } from "viem/actions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { didHashOf, InvalidDidError, parseDid } from "../../data/did.js";
import { signProviderFee } from "../../data/providerFee.js";
import { ContractRevertError } from "../../errors.js";
import { dataNFTFactoryAbi, noosTokenAbi } from "../../generated/abis.js";
import { buyDatatokensAndWait } from "./buyDatatokens.js";
import { collectDataRevenueAndWait } from "./collectDataRevenue.js";
import { dispenseDatatokensAndWait } from "./dispenseDatatokens.js";
import { DataAssetNotFoundError, getDataAsset } from "./getDataAsset.js";
import { getDataOrder } from "./getDataOrder.js";
import { hasValidDataOrder } from "./hasValidDataOrder.js";
import { listDataAssets } from "./listDataAssets.js";
import { type PublishDataAssetParameters, publishDataAssetAndWait } from "./publishDataAsset.js";
import { setAlgorithmAllowedAndWait } from "./setAlgorithmAllowed.js";
import { startDataOrderAndWait } from "./startDataOrder.js";
import type { DataAddresses } from "./types.js";

let net: TestDeployment;
let addrs: DataAddresses;
beforeAll(async () => {
  net = await startTestDeployment();
  const c = net.deployment.contracts;
  if (!c.dataNftFactory || !c.fixedRateExchange || !c.dispenser)
    throw new Error("no data contracts deployed");
  addrs = {
    dataNftFactory: c.dataNftFactory,
    fixedRateExchange: c.fixedRateExchange,
    dispenser: c.dispenser,
  };
}, 120_000);
afterAll(async () => net?.stop());
withSnapshot(() => net.testClient, { beforeEach, afterEach });

const PUB = 1;
const BUYER = 2;
const PROVIDER = 3;
const ALGO = sha256(stringToHex("train.py"));
const acct = (i: number) => net.accounts[i] as NonNullable<(typeof net.accounts)[number]>;

function publishParams(kind: "fixed" | "free"): PublishDataAssetParameters {
  return {
    address: addrs.dataNftFactory,
    name: "Digits",
    symbol: "DIG",
    provider: { address: acct(PROVIDER).address, url: "http://127.0.0.1:9999" },
    metadataCid: "bafyexample",
    metadataHash: sha256(stringToHex("{}")),
    computeOnly: true,
    allowedAlgorithms: [ALGO],
    pricing:
      kind === "fixed"
        ? { kind: "fixed", baseToken: net.deployment.contracts.token, rate: parseEther("2") }
        : { kind: "free" },
  };
}

async function quote(datatoken: Address, validity: bigint, amount = 0n) {
  const now = (await net.publicClient.getBlock()).timestamp;
  return signProviderFee({
    account: acct(PROVIDER).account,
    chainId: net.anvil.chainId,
    datatoken,
    consumer: acct(BUYER).address,
    serviceIndex: 0,
    fee: {
      providerFeeToken: net.deployment.contracts.token,
      providerFeeAmount: amount,
      validity,
      quoteDeadline: now + 300n,
      providerData: stringToHex('{"env":"cpu"}'),
    },
  });
}

const balance = (who: Address) =>
  readContract(net.publicClient, {
    address: net.deployment.contracts.token,
    abi: noosTokenAbi,
    functionName: "balanceOf",
    args: [who],
  });

describe("data assets SDK", () => {
  it("test_didHashOf_matchesFactory", async () => {
    const nft = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const onChain = await readContract(net.publicClient, {
      address: addrs.dataNftFactory,
      abi: dataNFTFactoryAbi,
      functionName: "didOf",
      args: [nft],
    });
    expect(didHashOf(nft, net.anvil.chainId)).toBe(onChain);
    expect(didHashOf(nft.toLowerCase() as Address, 31337)).toBe(sha256(stringToHex(`${nft}31337`)));
    expect(() => parseDid("did:op:1234")).toThrow(InvalidDidError);
  });

  it("test_publishBuyOrderCollect_fixedRate", async () => {
    const publisher = net.client(PUB);
    const buyer = net.client(BUYER);
    const pub = await publishDataAssetAndWait(publisher, publishParams("fixed"));
    const asset = await getDataAsset(net.publicClient, { ...addrs, did: pub.did });
    expect(asset).toMatchObject({
      nft: pub.nft,
      datatoken: pub.datatoken,
      owner: acct(PUB).address,
      computeOnly: true,
      metadataCid: "bafyexample",
      allowedAlgorithms: [ALGO],
      provider: { address: acct(PROVIDER).address },
      state: "active",
    });
    expect(asset.exchange?.rate).toBe(parseEther("2"));

    const before = await balance(acct(BUYER).address);
    const buy = await buyDatatokensAndWait(buyer, {
      address: addrs.fixedRateExchange,
      exchangeId: pub.exchangeId,
    });
    expect(before - (await balance(acct(BUYER).address))).toBe(buy.event.baseTokenAmount);
    expect(buy.event.baseTokenAmount).toBe(parseEther("2.002")); // rate + 0.1% protocol fee

    const fee = await quote(pub.datatoken, 3600n, parseEther("0.5"));
    await net.testClient.increaseTime({ seconds: 120 }); // slow inclusion: validity still counts from here
    const order = await startDataOrderAndWait(buyer, { address: pub.datatoken, providerFee: fee });
    const block = await net.publicClient.getBlock({ blockNumber: order.receipt.blockNumber });
    expect(order.validUntil).toBe(block.timestamp + 3600n);
    expect(await balance(acct(PROVIDER).address)).toBeGreaterThanOrEqual(parseEther("0.5"));
    expect(
      await hasValidDataOrder(net.publicClient, {
        address: pub.datatoken,
        consumer: acct(BUYER).address,
      }),
    ).toEqual({
      valid: true,
      orderId: 1n,
    });
    expect(
      (await getDataOrder(net.publicClient, { address: pub.datatoken, orderId: 1n })).provider,
    ).toBe(acct(PROVIDER).address);

    const pubBefore = await balance(acct(PUB).address);
    await collectDataRevenueAndWait(buyer, {
      address: addrs.fixedRateExchange,
      exchangeId: pub.exchangeId,
    });
    expect((await balance(acct(PUB).address)) - pubBefore).toBe(parseEther("2"));

    const listed = await listDataAssets(net.publicClient, { ...addrs, owner: acct(PUB).address });
    expect(listed.map((a) => a.did)).toContain(pub.did);

    await setAlgorithmAllowedAndWait(publisher, {
      address: pub.nft,
      algorithms: [ALGO],
      allowed: false,
    });
    expect(
      (await getDataAsset(net.publicClient, { ...addrs, did: pub.did })).allowedAlgorithms,
    ).toEqual([]);

    console.log(
      `gas: publish ${pub.receipt.gasUsed}, buy ${buy.receipt.gasUsed}, order ${order.receipt.gasUsed}`,
    );
  }, 60_000);

  it("test_freeAsset_dispenseAndOrder", async () => {
    const pub = await publishDataAssetAndWait(net.client(PUB), publishParams("free"));
    const asset = await getDataAsset(net.publicClient, { ...addrs, did: pub.did });
    expect(asset.dispenser?.active).toBe(true);
    expect(asset.exchange).toBeUndefined();
    await dispenseDatatokensAndWait(net.client(BUYER), {
      address: addrs.dispenser,
      datatoken: pub.datatoken,
    });
    const order = await startDataOrderAndWait(net.client(BUYER), {
      address: pub.datatoken,
      providerFee: await quote(pub.datatoken, 0n),
    });
    expect(order.validUntil).toBe(2n ** 64n - 1n);
  }, 60_000);

  it("test_refusals_unknownDidForgedQuoteNoDatatoken", async () => {
    await expect(
      getDataAsset(net.publicClient, { ...addrs, did: `did:noos:${"ab".repeat(32)}` }),
    ).rejects.toThrow(DataAssetNotFoundError);
    const pub = await publishDataAssetAndWait(net.client(PUB), publishParams("fixed"));
    await buyDatatokensAndWait(net.client(BUYER), {
      address: addrs.fixedRateExchange,
      exchangeId: pub.exchangeId,
    });
    const fee = await quote(pub.datatoken, 3600n);
    const err = await startDataOrderAndWait(net.client(BUYER), {
      address: pub.datatoken,
      providerFee: { ...fee, validity: 10n ** 9n },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ContractRevertError);
    expect(String(err.message)).toContain("DatatokenBadProviderSignature");
    // Someone without a datatoken cannot order.
    const err2 = await startDataOrderAndWait(net.client(PUB), {
      address: pub.datatoken,
      providerFee: fee,
    }).catch((e) => e);
    expect(String(err2.message)).toMatch(/ERC20InsufficientBalance|BadProviderSignature/);
  }, 60_000);
});
