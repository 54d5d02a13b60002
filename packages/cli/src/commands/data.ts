// noos data: data assets (Ocean v4 on Noosphere). publish encrypts a file to the serving provider's
// key (ECIES), stores the ciphertext and the DDO in the content store and creates NFT + datatoken +
// pricing + metadata in one transaction; list/show read the factory (no indexer); buy gets one
// datatoken (fixed rate or dispenser) and starts the order with the provider's signed quote.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ProviderKey } from "@noosphere/node/data";
import type { DataAddresses, DataAsset, NoosphereAddresses } from "@noosphere/sdk";
import type { Command } from "commander";
import type { Address, Hex } from "viem";
import type { GlobalOptions } from "../context.js";
import { noos, printFields, printJson, printTable } from "../output.js";
import { registerDataDownload } from "./dataDownload.js";

// The SDK (viem), the content store and @noosphere/node load inside the actions: `noos data --help`
// loads commander and this file only.
const load = async () => {
  const { checkProviderKey, storeEncrypted } = await import("@noosphere/node/data");
  return {
    ...(await import("@noosphere/sdk")),
    ...(await import("../context.js")),
    checkProviderKey,
    storeEncrypted,
    createStore: (await import("@noosphere/storage")).createStore,
    getContractAddress: (await import("viem")).getContractAddress,
    isHex: (await import("viem")).isHex,
  };
};
type Lib = Awaited<ReturnType<typeof load>>;

function dataAddresses({ BaseError }: Lib, contracts: NoosphereAddresses): DataAddresses {
  const { dataNftFactory, fixedRateExchange, dispenser } = contracts;
  if (!dataNftFactory || !fixedRateExchange || !dispenser) {
    throw new BaseError(
      "This deployment has no data-asset contracts (deployed before data NFTs): redeploy it (noos devnet start --fresh).",
    );
  }
  return { dataNftFactory, fixedRateExchange, dispenser };
}

function parseDidArg({ InvalidParameterError, isDid }: Lib, value: string): string {
  if (!isDid(value)) {
    throw new InvalidParameterError({
      field: "did",
      expected: "did:noos: followed by 64 hex characters",
      received: value,
    });
  }
  return value;
}

/** `--allow` (repeatable): collected as given, checked by checkAlgorithms once the SDK is loaded. */
const collect = (value: string, previous: string[] = []) => [...previous, value];

function checkAlgorithms({ InvalidParameterError, isHex }: Lib, values: string[]): Hex[] {
  return values.map((value) => {
    if (!isHex(value) || value.length !== 66) {
      throw new InvalidParameterError({
        field: "--allow",
        expected: "a 0x-prefixed 32-byte algorithm hash (sha256 of the model or code)",
        received: value,
      });
    }
    return value.toLowerCase() as Hex;
  });
}

/** The provider's encryption key, from its data endpoint; checked against its address. */
async function providerKey(
  { checkProviderKey, InvalidParameterError }: Lib,
  url: string,
): Promise<ProviderKey> {
  const keyUrl = `${url.replace(/\/$/, "")}/data/key`;
  let body: unknown;
  try {
    const res = await fetch(keyUrl);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (cause) {
    throw new InvalidParameterError({
      field: "--provider",
      expected: "the URL of a running provider that serves GET /data/key",
      received: `${url} (${cause instanceof Error ? cause.message : String(cause)})`,
    });
  }
  const key = body as ProviderKey;
  checkProviderKey(key); // keccak(pubkey) must be the provider's address
  return key;
}

function assetJson(a: DataAsset) {
  return {
    ...a,
    /** Wei of the base token per datatoken; null when free or not for sale. */
    price: a.exchange ? a.exchange.rate : null,
    free: a.dispenser?.active ?? false,
  };
}

function printAsset(a: DataAsset) {
  printFields({
    did: a.did,
    name: a.name,
    owner: a.owner,
    nft: a.nft,
    datatoken: a.datatoken,
    price: a.exchange
      ? `${noos(a.exchange.rate)} per datatoken`
      : a.dispenser
        ? "free"
        : "not for sale",
    access: a.computeOnly
      ? `compute-only (${a.metricsOnly ? "metrics" : "outputs and metrics"})`
      : "download and compute",
    provider: `${a.provider.address} ${a.provider.url}`,
    state: a.state,
    metadata: `${a.metadataCid} (sha256 ${a.metadataHash})`,
    allowedAlgorithms: a.allowedAlgorithms.join(", ") || "none",
    orders: "see datatoken OrderStarted events",
  });
}

type PublishOptions = {
  name: string;
  description?: string;
  license?: string;
  price?: string;
  free?: boolean;
  computeOnly?: boolean;
  metricsOnly?: boolean;
  allow?: string[];
  provider: string;
  timeout?: string;
  baseToken?: string;
};

export function registerData(program: Command, globals: () => GlobalOptions) {
  const data = program
    .command("data")
    .description("data assets: data NFTs, datatokens, compute-to-data (Ocean v4)")
    .option("--store-dir <dir>", "content store directory (default: <--dir>/store)");
  const openStore = ({ createStore }: Lib) => {
    const { storeDir } = data.opts<{ storeDir?: string }>();
    return createStore({ kind: "local", dir: storeDir ?? path.join(globals().dir, "store") });
  };

  data
    .command("publish")
    .description("encrypt a file to a provider and publish it as a data asset (one transaction)")
    .argument("<file>", "the data file (e.g. a CSV)")
    .requiredOption("--name <name>", "asset name")
    .requiredOption("--provider <url>", "the serving provider's URL (only it can decrypt the file)")
    .option("--price <noos>", "NOOS (or --base-token units) per datatoken (one access)")
    .option(
      "--base-token <address>",
      "price in this ERC-20 instead of NOOS (18 decimals assumed by --price)",
    )
    .option("--free", "free datatokens from the dispenser instead of a price")
    .option("--compute-only", "no download: only compute-to-data jobs may use the data")
    .option("--metrics-only", "compute-to-data jobs return metrics only, no output files")
    .option("--allow <hash>", "algorithm hash allowed to run on the data (repeatable)", collect)
    .option("--description <text>", "asset description", "")
    .option("--license <spdx>", "license", "UNLICENSED")
    .option("--timeout <seconds>", "seconds an order gives access (0: forever)", "86400")
    .action(async (file: string, opts: PublishOptions) => {
      const lib = await load();
      const {
        ddoBytes,
        ddoHash,
        didOf,
        getContractAddress,
        InvalidParameterError,
        parseAddress,
        parseAmount,
        parseDdo,
        publishDataAssetAndWait,
        setDataMetadataAndWait,
        storeEncrypted,
        walletClient,
      } = lib;
      const allow = checkAlgorithms(lib, opts.allow ?? []);
      const options = globals();
      if (opts.free && opts.price !== undefined) {
        throw new InvalidParameterError({
          field: "--price",
          expected: "either --price or --free, not both",
          received: opts.price,
        });
      }
      if (!opts.free && opts.price === undefined) {
        throw new InvalidParameterError({
          field: "--price",
          expected: "a price in NOOS (or --free)",
          received: undefined,
        });
      }
      const rate = opts.free ? 0n : parseAmount("--price", opts.price as string);
      const timeout = Number(opts.timeout ?? "86400");
      if (!Number.isInteger(timeout) || timeout < 0) {
        throw new InvalidParameterError({
          field: "--timeout",
          expected: "whole seconds >= 0",
          received: opts.timeout,
        });
      }
      const baseToken = opts.baseToken ? parseAddress("--base-token", opts.baseToken) : undefined;
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (cause) {
        throw new InvalidParameterError({
          field: "file",
          expected: "a readable file",
          received: `${file} (${(cause as Error).message})`,
        });
      }
      const { connection, client } = await walletClient(options);
      const addrs = dataAddresses(lib, connection.contracts);
      const key = await providerKey(lib, opts.provider);
      const store = openStore(lib);
      const encrypted = await storeEncrypted(store, key, bytes, path.basename(file));

      // The DDO names the NFT and datatoken, which the publish transaction creates: predict them
      // (the factory's next two CREATEs) and fix the metadata afterwards if another publish raced us.
      const nonce = await client.getTransactionCount({
        address: addrs.dataNftFactory,
        blockTag: "pending",
      });
      const predicted = {
        nft: getContractAddress({ from: addrs.dataNftFactory, nonce: BigInt(nonce) }),
        datatoken: getContractAddress({ from: addrs.dataNftFactory, nonce: BigInt(nonce + 1) }),
      };
      const now = new Date().toISOString();
      const makeDdo = (nft: Address, datatoken: Address) =>
        parseDdo({
          id: didOf(nft, connection.chainId),
          chainId: connection.chainId,
          nftAddress: nft,
          metadata: {
            created: now,
            updated: now,
            type: "dataset",
            name: opts.name,
            description: opts.description ?? "",
            license: opts.license ?? "UNLICENSED",
          },
          services: [
            {
              id: "0",
              type: opts.computeOnly ? "compute" : "access",
              files: [encrypted],
              datatokenAddress: datatoken,
              serviceEndpoint: opts.provider,
              timeout,
              ...(opts.computeOnly || allow.length
                ? {
                    compute: {
                      allow,
                      outputs: opts.metricsOnly ? "metrics" : "all",
                    },
                  }
                : {}),
            },
          ],
        });
      let ddo = makeDdo(predicted.nft, predicted.datatoken);
      let cid = (await store.add(ddoBytes(ddo))).cid;
      const common = {
        provider: { address: key.address, url: opts.provider },
        computeOnly: opts.computeOnly ?? false,
        metricsOnly: opts.metricsOnly ?? false,
      };
      const result = await publishDataAssetAndWait(client, {
        address: addrs.dataNftFactory,
        name: opts.name,
        tokenURI: `ipfs://${cid}`,
        metadataCid: cid,
        metadataHash: ddoHash(ddo),
        allowedAlgorithms: allow,
        pricing: opts.free
          ? { kind: "free" }
          : {
              kind: "fixed",
              baseToken: baseToken ?? connection.contracts.token,
              rate,
            },
        ...common,
      });
      let gasUsed = result.receipt.gasUsed;
      if (result.nft !== predicted.nft || result.datatoken !== predicted.datatoken) {
        ddo = makeDdo(result.nft, result.datatoken);
        cid = (await store.add(ddoBytes(ddo))).cid;
        const fix = await setDataMetadataAndWait(client, {
          address: result.nft,
          metadataCid: cid,
          metadataHash: ddoHash(ddo),
          ...common,
        });
        gasUsed += fix.receipt.gasUsed;
      }
      const out = {
        did: result.did,
        nft: result.nft,
        datatoken: result.datatoken,
        exchangeId: result.exchangeId,
        price: opts.free ? null : rate,
        free: opts.free ?? false,
        computeOnly: common.computeOnly,
        metricsOnly: common.metricsOnly,
        allowedAlgorithms: allow,
        provider: key.address,
        ddoCid: cid,
        file: encrypted,
        tx: result.hash,
        gasUsed,
      };
      if (options.json) printJson(out);
      else
        printFields({
          did: out.did,
          nft: out.nft,
          datatoken: out.datatoken,
          price: opts.free ? "free" : noos(rate),
          access: out.computeOnly ? "compute-only" : "download and compute",
          provider: `${key.address} ${opts.provider}`,
          ddo: cid,
          "encrypted file": `${encrypted.cid} (${encrypted.size} bytes)`,
          tx: out.tx,
        });
    });

  data
    .command("algorithm-hash")
    .description(
      "the hash to --allow for a job manifest: kind, model CID and training/evaluation spec, as the provider computes it",
    )
    .argument("<manifest>", "the job manifest (job.yaml) that will run on the data")
    .action(async (file: string) => {
      const lib = await load();
      const { algorithmHashOf, parseJobManifest, resolveManifestRefs } = lib;
      const options = globals();
      // The hash covers kind, model and spec, not the data: a manifest written before its asset is
      // published (no `data:` yet, or a placeholder) gets its hash too.
      const { parseDocument } = await import("yaml");
      const doc = parseDocument(await readFile(file, "utf8"));
      if (!doc.has("input")) doc.set("data", `did:noos:${"0".repeat(64)}`);
      const manifest = parseJobManifest(doc.toString(), { source: file });
      const dir = path.dirname(path.resolve(file));
      // Files become CIDs exactly as `noos deploy` publishes them: the hash pins the model's content.
      const store = openStore(lib);
      const published = await resolveManifestRefs(
        manifest,
        async (p) => (await store.addFile(path.resolve(dir, p))).cid,
      );
      const algorithmHash = algorithmHashOf(published);
      if (options.json) printJson({ algorithmHash, kind: published.kind });
      else printFields({ algorithmHash, kind: published.kind });
    });

  data
    .command("list")
    .description("data assets on this chain, newest first")
    .option("--owner <address>", "only this publisher's assets")
    .option("--limit <n>", "at most n assets", "100")
    .action(async (opts: { owner?: string; limit: string }) => {
      const lib = await load();
      const { InvalidParameterError, listDataAssets, readClient } = lib;
      const options = globals();
      const { connection, client } = await readClient(options);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new InvalidParameterError({
          field: "--limit",
          expected: "a positive integer",
          received: opts.limit,
        });
      }
      const assets = await listDataAssets(client, {
        ...dataAddresses(lib, connection.contracts),
        limit,
        ...(opts.owner ? { owner: opts.owner as Address } : {}),
      });
      if (options.json) printJson(assets.map(assetJson));
      else
        printTable(
          assets.map((a) => ({
            did: a.did,
            name: a.name,
            price: a.exchange ? noos(a.exchange.rate) : a.dispenser ? "free" : "-",
            access: a.computeOnly ? "compute" : "download",
            owner: a.owner,
          })),
          "no data assets",
        );
    });

  data
    .command("show")
    .description("a data asset: owner, price, provider, access policy, allowed algorithms, DDO")
    .argument("<did>", "did:noos:...")
    .action(async (did: string) => {
      const lib = await load();
      const { getDataAsset, readClient } = lib;
      const options = globals();
      const { connection, client } = await readClient(options);
      const asset = await getDataAsset(client, {
        ...dataAddresses(lib, connection.contracts),
        did: parseDidArg(lib, did),
      });
      // The DDO, when this machine's content store has it.
      const ddo = await openStore(lib)
        .get(asset.metadataCid)
        .then((b) => JSON.parse(new TextDecoder().decode(b)) as unknown)
        .catch(() => undefined);
      if (options.json) printJson({ ...assetJson(asset), ddo: ddo ?? null });
      else printAsset(asset);
    });

  data
    .command("buy")
    .description(
      "get one datatoken (at the fixed rate, or free) and start the order with the provider's quote",
    )
    .argument("<did>", "did:noos:...")
    .option("--consumer <address>", "who gets access (default: the buyer)")
    .option("--no-order", "only get the datatoken; order later")
    .action(async (did: string, opts: { consumer?: string; order: boolean }) => {
      const lib = await load();
      const {
        BaseError,
        buyDatatokensAndWait,
        dispenseDatatokensAndWait,
        fetchProviderQuote,
        getDataAsset,
        startDataOrderAndWait,
        walletClient,
      } = lib;
      const options = globals();
      const { connection, client } = await walletClient(options);
      const addrs = dataAddresses(lib, connection.contracts);
      const asset = await getDataAsset(client, { ...addrs, did: parseDidArg(lib, did) });
      const out: Record<string, unknown> = { did: asset.did, datatoken: asset.datatoken };
      if (asset.exchange?.active) {
        const buy = await buyDatatokensAndWait(client, {
          address: addrs.fixedRateExchange,
          exchangeId: asset.exchange.id,
        });
        Object.assign(out, {
          paid: buy.event.baseTokenAmount,
          buyTx: buy.hash,
          buyGas: buy.receipt.gasUsed,
        });
      } else if (asset.dispenser?.active) {
        const d = await dispenseDatatokensAndWait(client, {
          address: addrs.dispenser,
          datatoken: asset.datatoken,
        });
        Object.assign(out, { paid: 0n, buyTx: d.hash, buyGas: d.receipt.gasUsed });
      } else {
        throw new BaseError(`${asset.did} is not for sale (no active exchange or dispenser).`);
      }
      if (opts.order) {
        const consumer = (opts.consumer as Address | undefined) ?? client.account.address;
        const fee = await fetchProviderQuote(asset.provider.url, {
          datatoken: asset.datatoken,
          consumer,
          serviceIndex: 0,
        });
        const order = await startDataOrderAndWait(client, {
          address: asset.datatoken,
          consumer,
          providerFee: fee,
        });
        Object.assign(out, {
          orderId: order.orderId,
          validUntil: order.validUntil,
          providerFee: fee.providerFeeAmount,
          orderTx: order.hash,
          orderGas: order.receipt.gasUsed,
        });
      }
      if (options.json) printJson(out);
      else
        printFields({
          did: asset.did,
          paid: noos(out.paid as bigint),
          ...(out.orderId !== undefined
            ? {
                order: String(out.orderId),
                "valid until":
                  (out.validUntil as bigint) >= 2n ** 63n
                    ? "forever"
                    : new Date(Number(out.validUntil) * 1000).toISOString(),
              }
            : { order: "not started (--no-order)" }),
        });
    });
  registerDataDownload(data, globals);
}
