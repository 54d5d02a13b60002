// The provider's data endpoint: `GET /data/key` (its public key, for publishers to encrypt to) and
// `GET /data/<did>[?file=<i>]`, which streams a decrypted file after the signed request and the
// buyer's on-chain order are checked. Nothing is decrypted before both checks pass.
import { createServer, type Server } from "node:http";
import { providerFeeToJson, quoteFor, quoteRequestSchema } from "@noosphere/sdk";
import type { ContentStore } from "@noosphere/storage";
import { type Address, type Hex, sha256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Common, count } from "../common.js";
import { checkDownload, DataAccessRefusedError, decryptFiles, REFUSAL_STATUS } from "./access.js";
import { type DataChain, loadDdo } from "./chain.js";
import { publicKeyOf } from "./ecies.js";
import { createNonceGuard, InvalidDataRequestError, parseRequestHeaders } from "./request.js";

export type DataServerConfig = {
  listen: { host: string; port: number };
  /** The provider's key: its address must be the assets' decryptorAddress. */
  privateKey: Hex;
  chain: DataChain;
  store: ContentStore;
  /** Signs provider quotes (`POST /data/quote`, free, validity from the order's inclusion). */
  quote?:
    | {
        chainId: number;
        now: () => Promise<bigint>;
        /** Seconds of access; default the service's `timeout` in the DDO. */
        validity?: bigint | undefined;
      }
    | undefined;
};

export type DataServer = { url: string; server: Server; close: () => Promise<void> };

const CHUNK = 64 * 1024;

export async function createDataServer(
  common: Common,
  config: DataServerConfig,
): Promise<DataServer> {
  const { privateKey, chain, store } = config;
  const account = privateKeyToAccount(privateKey);
  const provider = account.address;
  const publicKey = publicKeyOf(privateKey);
  const checkRequest = createNonceGuard();
  const json = (res: import("node:http").ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/data/quote" && config.quote) {
      const q = config.quote;
      void (async () => {
        let body = "";
        for await (const chunk of req) body += chunk;
        const request = quoteRequestSchema.parse(JSON.parse(body));
        // Access lasts the service's `timeout` (0: forever), counted from the order's inclusion.
        const meta = await chain.metadataOfDatatoken(request.datatoken as Address);
        const service = (await loadDdo(store, meta)).services[request.serviceIndex ?? 0];
        if (!service) throw new Error(`no service ${request.serviceIndex}`);
        const fee = await quoteFor({
          account,
          chainId: q.chainId,
          request,
          validity: q.validity ?? BigInt(service.timeout),
          now: await q.now(),
        });
        json(res, 200, providerFeeToJson(fee));
      })().catch((err: unknown) => json(res, 400, { error: String(err) }));
      return;
    }
    if (req.method !== "GET") return json(res, 405, { error: "only GET (and POST /data/quote)" });
    if (url.pathname === "/data/key") return json(res, 200, { address: provider, publicKey });
    const m = /^\/data\/(did:noos:[0-9a-fA-F]{64})$/.exec(url.pathname);
    if (!m) return json(res, 404, { error: "not found" });
    const did = (m[1] as string).toLowerCase();
    void (async () => {
      const request = parseRequestHeaders(did, req.headers);
      await checkRequest(request);
      const access = await checkDownload({
        chain,
        store,
        provider,
        did,
        consumer: request.consumer,
      });
      const index = Number(url.searchParams.get("file") ?? "0");
      if (!Number.isInteger(index) || index < 0 || index >= access.service.files.length) {
        throw new InvalidDataRequestError(
          `Query file=${url.searchParams.get("file")}: expected 0..${access.service.files.length - 1}.`,
        );
      }
      // eciesjs encrypts a file as one AES-GCM message, so it is decrypted whole, then streamed.
      const [file] = await decryptFiles(store, privateKey, {
        ...access,
        service: {
          ...access.service,
          files: [access.service.files[index] as (typeof access.service.files)[number]],
        },
      });
      if (!file) throw new Error("no file");
      count(common, "data_downloads");
      common.logger.info({ did, consumer: request.consumer, file: file.name }, "data download");
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(file.bytes.length),
        "content-disposition": `attachment; filename="${file.name.replace(/"/g, "")}"`,
        "x-noos-sha256": sha256(file.bytes),
      });
      for (let i = 0; i < file.bytes.length; i += CHUNK) {
        if (!res.write(file.bytes.subarray(i, i + CHUNK))) {
          await new Promise((r) => res.once("drain", r));
        }
      }
      res.end();
    })().catch((err: unknown) => {
      if (res.headersSent) return res.destroy(err as Error);
      if (err instanceof DataAccessRefusedError) {
        count(common, `data_refused_${err.refusal}`);
        return json(res, REFUSAL_STATUS[err.refusal], {
          error: err.shortMessage,
          refusal: err.refusal,
        });
      }
      if (err instanceof InvalidDataRequestError) {
        return json(res, 401, { error: err.shortMessage, refusal: "bad_request" });
      }
      common.logger.error({ err, did }, "data download failed");
      return json(res, 500, { error: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.listen.port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  common.signal.addEventListener("abort", () => void close(), { once: true });
  return { url: `http://${config.listen.host}:${port}`, server, close };
}
