// Gas of the data-asset flow on a real anvil (helper for bench/data.ts): publish (NFT + datatoken +
// metadata + allow-list + exchange, one transaction), buy 1 DT at the fixed rate, start the order
// with a provider-signed quote, reuse it, dispense a free DT; a plain NOOS transfer is the baseline.
import type { TestDeployment } from "@noosphere/devnet";
import {
  buyDatatokensAndWait,
  collectDataRevenueAndWait,
  createOrderAndWait,
  dispenseDatatokensAndWait,
  publishDataAssetAndWait,
  signProviderFee,
  startDataOrderAndWait,
} from "@noosphere/sdk";
import { type Address, parseEther, sha256, stringToHex } from "viem";

export type DataGas = {
  /** gasUsed per step (whole transaction, after refunds). */
  gas: Record<string, number>;
  /** Each step over a plain NOOS transfer to a holder, same chain, same run. */
  ratioToErc20Transfer: Record<string, number>;
  scenario: Record<string, string | number | boolean>;
};

/** Dev accounts: 1 publisher, 2 buyer, 3 provider (quote signer), 4 baseline sender. */
export async function measureDataGas(net: TestDeployment): Promise<DataGas> {
  const c = net.deployment.contracts;
  if (!c.dataNftFactory || !c.fixedRateExchange || !c.dispenser)
    throw new Error("no data contracts deployed");
  const acct = (i: number) => net.accounts[i] as NonNullable<(typeof net.accounts)[number]>;
  const publisher = net.client(1);
  const buyer = net.client(2);
  const provider = acct(3);
  const gas: Record<string, number> = {};
  const publishParams = (kind: "fixed" | "free") => ({
    address: c.dataNftFactory as Address,
    name: "Digits",
    symbol: "DIG",
    provider: { address: provider.address, url: "http://127.0.0.1:8080" },
    metadataCid: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    metadataHash: sha256(stringToHex("ddo")),
    computeOnly: true,
    allowedAlgorithms: [sha256(stringToHex("train.py"))],
    pricing:
      kind === "fixed"
        ? ({ kind: "fixed", baseToken: c.token, rate: parseEther("2") } as const)
        : ({ kind: "free" } as const),
  });
  const quote = async (datatoken: Address, amount: bigint) =>
    signProviderFee({
      account: provider.account,
      chainId: net.anvil.chainId,
      datatoken,
      consumer: acct(2).address,
      serviceIndex: 0,
      fee: {
        providerFeeToken: c.token,
        providerFeeAmount: amount,
        validity: 3600n,
        quoteDeadline: (await net.publicClient.getBlock()).timestamp + 600n,
        providerData: stringToHex('{"environment":"cpu"}'),
      },
    });

  // Warm-up publish so factory counters are non-zero (the second publisher pays the steady cost).
  await publishDataAssetAndWait(publisher, publishParams("fixed"));
  const pub = await publishDataAssetAndWait(publisher, publishParams("fixed"));
  gas.publishFixedRate = Number(pub.receipt.gasUsed);
  gas.publishFree = Number(
    (await publishDataAssetAndWait(publisher, publishParams("free"))).receipt.gasUsed,
  );

  // The buyer's first buy approves NOOS once (not counted); a second buy shows the warm cost.
  const buy = await buyDatatokensAndWait(buyer, {
    address: c.fixedRateExchange,
    exchangeId: pub.exchangeId,
    maxBaseTokenAmount: parseEther("1000"),
  });
  gas.buyFirst = Number(buy.receipt.gasUsed);
  const buy2 = await buyDatatokensAndWait(buyer, {
    address: c.fixedRateExchange,
    exchangeId: pub.exchangeId,
  });
  gas.buy = Number(buy2.receipt.gasUsed);
  const order = await startDataOrderAndWait(buyer, {
    address: pub.datatoken,
    providerFee: await quote(pub.datatoken, parseEther("0.5")),
  });
  gas.orderWithProviderFee = Number(order.receipt.gasUsed);
  const order2 = await startDataOrderAndWait(buyer, {
    address: pub.datatoken,
    providerFee: await quote(pub.datatoken, 0n),
  });
  gas.orderFreeQuote = Number(order2.receipt.gasUsed);
  gas.collectRevenue = Number(
    (
      await collectDataRevenueAndWait(publisher, {
        address: c.fixedRateExchange,
        exchangeId: pub.exchangeId,
      })
    ).receipt.gasUsed,
  );
  const free = await publishDataAssetAndWait(publisher, publishParams("free"));
  gas.dispense = Number(
    (await dispenseDatatokensAndWait(buyer, { address: c.dispenser, datatoken: free.datatoken }))
      .receipt.gasUsed,
  );

  // A C2D job start = the data order above + the market order for the batch job whose manifest
  // names `data: <did>` (the manifest is off chain: only its CID and hash go on chain).
  await buyer.approveAndWait({ spender: c.market, amount: parseEther("10") });
  const job = await createOrderAndWait(buyer, {
    address: c.market,
    manifestCid: "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    manifestHash: sha256(stringToHex(`data: ${pub.did}`)),
    resources: { cpuMillis: 1000, memoryBytes: 1n << 30n },
    token: c.token,
    maxPricePerSecond: parseEther("0.001"),
    deposit: parseEther("10"),
    jobTimeout: 600,
  });
  gas.c2dMarketOrder = Number(job.receipt.gasUsed);
  gas.c2dJobStart = gas.orderFreeQuote + gas.c2dMarketOrder;

  // Baseline: a NOOS transfer between two holders.
  const sender = net.client(4);
  await sender.transferAndWait({ to: acct(5).address, amount: 1n });
  const base = Number(
    (await sender.transferAndWait({ to: acct(5).address, amount: 1n })).receipt.gasUsed,
  );
  gas.baselineErc20Transfer = base;
  const ratioToErc20Transfer = Object.fromEntries(
    Object.entries(gas).map(([k, v]) => [k, Math.round((v / base) * 100) / 100]),
  );
  return {
    gas,
    ratioToErc20Transfer,
    scenario: {
      rate: "2 NOOS per datatoken",
      protocolSwapFee: "0.1% (NOOS)",
      providerQuoteValidity: "3600 s from inclusion",
      buyFirst: "first buy of this buyer on this exchange (cold balances)",
      order:
        "burns 1 DT, provider fee 0.5 NOOS in NOOS (orderWithProviderFee) or 0 (orderFreeQuote)",
      publish:
        "second publish of the run: NFT clone + datatoken clone + metadata + 1 allowed algorithm + exchange or dispenser",
    },
  };
}
