// A small Open Inference Protocol client (`noos service infer`, tests, benchmarks): turns an
// EZKL-style input ({"input_data": [[...]]}, one flat array per model input) into an OIP infer
// request shaped by the model's metadata, or passes an OIP request ({"inputs": [...]}) through.
import { BaseError } from "@noosphere/sdk";
import { decodeResponse, type InferResponse } from "./binaryTensors.js";
import type { ModelMetadata } from "./oip.js";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export type InferServiceParameters = {
  endpoint: string;
  model: string;
  /** `{"input_data": [[...], ...]}` (one flat array per model input) or an OIP infer request. */
  input: unknown;
  /** A paying fetch (x402 client) or the global one. */
  fetch?: FetchLike | undefined;
  /** Extra request headers. */
  headers?: Record<string, string> | undefined;
};

export type InferServiceResult = {
  /** EZKL's shape: one flat array per model output. */
  output_data: number[][];
  response: InferResponse;
  /** The PAYMENT-RESPONSE header, when the call was paid. */
  paymentResponse: string | undefined;
};

export class ServiceCallError extends BaseError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message, { name: "ServiceCallError" });
    this.status = status;
  }
}

const base = (endpoint: string) => endpoint.replace(/\/$/, "");

export async function getModelMetadata(
  endpoint: string,
  model: string,
  fetchFn: FetchLike = fetch,
): Promise<ModelMetadata> {
  const res = await fetchFn(`${base(endpoint)}/v2/models/${encodeURIComponent(model)}`);
  if (!res.ok)
    throw new ServiceCallError(
      res.status,
      `model ${model} at ${endpoint}: HTTP ${res.status} ${await res.text()}`,
    );
  return (await res.json()) as ModelMetadata;
}

/** Builds the OIP request for an EZKL-style input against the model's metadata. */
export function toInferRequest(metadata: ModelMetadata, input: unknown): unknown {
  if (typeof input === "object" && input !== null && "inputs" in input) return input;
  const data = (input as { input_data?: unknown }).input_data;
  if (!Array.isArray(data) || data.length !== metadata.inputs.length) {
    throw new BaseError(
      `Invalid input: expected {"input_data": [...]} with ${metadata.inputs.length} array(s), one per model input (${metadata.inputs.map((i) => i.name).join(", ")}), or an OIP request {"inputs": [...]}.`,
      { name: "InvalidParameterError" },
    );
  }
  return {
    inputs: metadata.inputs.map((meta, i) => {
      const values = (data[i] as unknown[]).flat(Number.POSITIVE_INFINITY) as number[];
      const fixed = meta.shape.slice(1).reduce((a, b) => a * (b < 0 ? 1 : b), 1);
      const batched = meta.shape[0] === -1 || (meta.shape[0] === 1 && meta.shape.length > 1);
      const shape = batched
        ? [Math.max(1, Math.floor(values.length / fixed)), ...meta.shape.slice(1)]
        : meta.shape.map((d) => (d < 0 ? values.length : d));
      return { name: meta.name, datatype: meta.datatype, shape, data: values };
    }),
  };
}

export async function inferService(params: InferServiceParameters): Promise<InferServiceResult> {
  const fetchFn = params.fetch ?? fetch;
  const request =
    typeof params.input === "object" && params.input !== null && "inputs" in params.input
      ? params.input
      : toInferRequest(
          await getModelMetadata(params.endpoint, params.model), // free: a paying fetch would attach a voucher
          params.input,
        );
  const res = await fetchFn(
    `${base(params.endpoint)}/v2/models/${encodeURIComponent(params.model)}/infer`,
    {
      method: "POST",
      headers: { "content-type": "application/json", ...params.headers },
      body: JSON.stringify(request),
    },
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (!res.ok) {
    let message = Buffer.from(bytes).toString("utf8");
    try {
      message = (JSON.parse(message) as { error?: string }).error ?? message;
    } catch {}
    throw new ServiceCallError(
      res.status,
      `${params.model} at ${params.endpoint}: HTTP ${res.status}: ${message}`,
    );
  }
  const response = decodeResponse(bytes, res.headers.get("inference-header-content-length"));
  return {
    output_data: response.outputs.map((o) => (o.data ?? []) as number[]),
    response,
    paymentResponse: res.headers.get("payment-response") ?? undefined,
  };
}
