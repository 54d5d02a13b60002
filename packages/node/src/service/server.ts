// The inference server a service lease runs: Open Inference Protocol V2 REST (KServe/Triton) over
// warm onnxruntime sessions with dynamic batching, JSON tensors and Triton's binary tensor
// extension. When the service has a per-call price, an x402 paywall (./paywall.ts) guards infer:
// 402 with PAYMENT-REQUIRED until the call carries a voucher; the charge commits only after a 2xx.
// node:http directly (no framework): the batch-1 round trip is the number that matters.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { type Batcher, type BatcherConfig, createBatcher } from "./batcher.js";
import { encodeResponse, HEADER_LENGTH, splitBody } from "./binaryTensors.js";
import { badRequest, OipError, readInferRequest, type Tensor } from "./oip.js";
import type { Paywall, PendingCharge } from "./paywall.js";

export const SERVER_NAME = "noosphere";
export const SERVER_VERSION = "0.1.0";
/** Request bodies above this get 413 (64 MiB: a batch of 64 224x224x3 FP32 images is ~38 MiB). */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

export type InferenceServerConfig = {
  models: BatcherConfig[];
  listen: { host: string; port: number };
  /** Guards infer with x402 when the service charges per call; none: every call is free. */
  paywall?: Paywall | undefined;
  /** Base URL clients use (the paywall's `resource`); default `http://<host>:<port>`. */
  publicUrl?: string | undefined;
  maxBodyBytes?: number | undefined;
  logger?: Logger | undefined;
};

export type InferenceServer = {
  /** `http://host:port` the server listens on. */
  url: string;
  batchers: ReadonlyMap<string, Batcher>;
  /** Requests being handled now. */
  inFlight(): number;
  /**
   * Stops taking requests (503, ready: false), waits up to `drainMs` (default 10 s) for those in
   * flight, then closes the sockets, the sessions and the paywall (which flushes its vouchers).
   */
  close(options?: { drainMs?: number }): Promise<void>;
};

const json = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

/** Browsers read the x402 headers only when they are exposed (x402 issue 965). */
const EXPOSE = { "access-control-expose-headers": "PAYMENT-REQUIRED, PAYMENT-RESPONSE" };

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        reject(
          new OipError(413, `request body: more than ${limit} bytes; expected at most ${limit}`),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

const ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;

export async function createInferenceServer(
  config: InferenceServerConfig,
): Promise<InferenceServer> {
  const batchers = new Map<string, Batcher>();
  try {
    for (const model of config.models) batchers.set(model.name, await createBatcher(model));
  } catch (err) {
    await Promise.all([...batchers.values()].map((b) => b.release()));
    throw err;
  }
  const maxBody = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  async function infer(req: IncomingMessage, res: ServerResponse, batcher: Batcher, base: string) {
    const body = await readBody(req, maxBody);
    const lengthHeader = req.headers[HEADER_LENGTH];
    const { header, binary } = splitBody(
      body,
      Array.isArray(lengthHeader) ? lengthHeader[0] : lengthHeader,
    );
    const { inputs, request } = readInferRequest(batcher.metadata, header, binary);
    const samples = batcher.rows(inputs);
    if (batcher.mode !== "none" && samples > batcher.maxBatchSize) {
      throw badRequest(
        `input ${inputs[0]?.name}: batch size ${samples}; expected at most ${batcher.maxBatchSize} (the model's max batch size)`,
      );
    }
    let charge: PendingCharge | undefined;
    if (config.paywall) {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers))
        headers[k] = Array.isArray(v) ? v.join(", ") : v;
      const decision = await config.paywall.authorize({
        model: batcher.metadata.name,
        samples,
        resource: `${base}${req.url ?? ""}`,
        headers,
      });
      if (!decision.ok)
        return json(res, decision.status, decision.body, { ...EXPOSE, ...decision.headers });
      charge = decision.charge;
    }
    let outputs: Tensor[];
    try {
      outputs = await batcher.infer(inputs);
      const wanted = request.outputs?.map((o) => o.name);
      if (wanted) outputs = outputs.filter((o) => wanted.includes(o.name));
      const allBinary = request.parameters?.binary_data_output === true;
      const binaryOutputs = new Set(
        outputs
          .filter(
            (o) =>
              allBinary ||
              request.outputs?.some((r) => r.name === o.name && r.parameters?.binary_data === true),
          )
          .map((o) => o.name),
      );
      const encoded = encodeResponse(
        {
          model_name: batcher.metadata.name,
          model_version: "1",
          ...(request.id === undefined ? {} : { id: request.id }),
        },
        outputs,
        binaryOutputs,
      );
      const headers: Record<string, string | number> = {
        "content-length": encoded.body.byteLength,
        ...EXPOSE,
      };
      if (encoded.headerLength !== undefined) {
        headers["content-type"] = "application/octet-stream";
        headers["Inference-Header-Content-Length"] = encoded.headerLength;
      } else headers["content-type"] = "application/json";
      // Charged only once the answer is ready to go out with a 2xx (x402 PR 721: no charge on errors).
      if (charge) headers["PAYMENT-RESPONSE"] = await charge.commit();
      res.writeHead(200, headers);
      res.end(encoded.body);
    } catch (err) {
      charge?.release();
      throw err;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, base: string) {
    const url = (req.url ?? "/").split("?")[0] as string;
    const method = req.method ?? "GET";
    if (method === "GET" && url === "/v2/health/live") return json(res, 200, { live: true });
    if (method === "GET" && url === "/v2/health/ready") return json(res, 200, { ready: !draining });
    if (method === "GET" && (url === "/v2" || url === "/v2/")) {
      return json(res, 200, {
        name: SERVER_NAME,
        version: SERVER_VERSION,
        extensions: ["binary_tensor_data"],
      });
    }
    const match = ROUTE.exec(url);
    if (!match)
      throw new OipError(404, `no route ${method} ${url}; see /v2/models/{name}[/ready|/infer]`);
    const name = decodeURIComponent(match[1] as string);
    const batcher = batchers.get(name);
    if (!batcher || (match[2] !== undefined && match[2] !== "1")) {
      throw new OipError(
        404,
        `model ${JSON.stringify(name)}${match[2] ? ` version ${match[2]}` : ""} not found; this server has ${[...batchers.keys()].join(", ")} (version 1)`,
      );
    }
    const action = match[3];
    if (action === "infer") {
      if (method !== "POST") throw new OipError(405, `infer: use POST, not ${method}`);
      if (draining) throw new OipError(503, "the service is shutting down (lease closed)");
      return infer(req, res, batcher, base);
    }
    if (method !== "GET") throw new OipError(405, `${url}: use GET, not ${method}`);
    if (action === "ready") return json(res, 200, { name, ready: !draining });
    return json(res, 200, batcher.metadata);
  }

  const server = createServer((req, res) => {
    inFlight++;
    const base = config.publicUrl ?? `http://${req.headers.host ?? "localhost"}`;
    handle(req, res, base)
      .catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        const status = err instanceof OipError ? err.status : 500;
        const message =
          err instanceof OipError
            ? err.shortMessage
            : `internal error: ${err instanceof Error ? err.message : String(err)}`;
        if (status >= 500)
          config.logger?.error({ err: String(err), url: req.url }, "inference request failed");
        json(res, status, { error: message }, EXPOSE);
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    batchers,
    inFlight: () => inFlight,
    close: ({ drainMs = 10_000 } = {}) => {
      closing ??= (async () => {
        draining = true;
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, drainMs);
            idle = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await Promise.all([...batchers.values()].map((b) => b.release()));
        await config.paywall?.close();
      })();
      return closing;
    },
  };
}
