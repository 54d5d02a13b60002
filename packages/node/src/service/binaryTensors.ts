// Triton's binary tensor extension (spec §1.4): the body is a JSON header of
// `Inference-Header-Content-Length` bytes followed by the raw little-endian tensors, in the order
// the JSON lists those with `parameters.binary_data_size`. Hand-written: it is a framing rule over
// a byte buffer, and no npm package implements it for Node.
import {
  badRequest,
  fromBytes,
  type OipDatatype,
  type Tensor,
  toBytes,
  toJsonData,
} from "./oip.js";

export const HEADER_LENGTH = "inference-header-content-length";

/** Splits a request body into its parsed JSON header and the binary part (if any). */
export function splitBody(
  body: Buffer,
  headerLength: string | undefined,
): { header: unknown; binary: Uint8Array | undefined } {
  let jsonBytes: Buffer = body;
  let binary: Uint8Array | undefined;
  if (headerLength !== undefined) {
    const n = Number(headerLength);
    if (!Number.isSafeInteger(n) || n < 0 || n > body.byteLength) {
      throw badRequest(
        `Inference-Header-Content-Length: got ${JSON.stringify(headerLength)}; expected the JSON header's length in bytes, at most the body's ${body.byteLength}`,
      );
    }
    jsonBytes = body.subarray(0, n);
    binary = body.subarray(n);
  }
  try {
    return { header: JSON.parse(jsonBytes.toString("utf8")), binary };
  } catch (err) {
    throw badRequest(
      `request body: not JSON (${err instanceof Error ? err.message : String(err)}); expected an OIP infer request${binary ? " header" : ""}`,
    );
  }
}

export type InferResponse = {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: {
    name: string;
    datatype: string;
    shape: number[];
    data?: unknown[];
    parameters?: Record<string, unknown>;
  }[];
};

/**
 * Encodes the response. Outputs in `binaryOutputs` go as raw bytes after the JSON header
 * (returns the header length to send as Inference-Header-Content-Length); the rest as JSON data.
 */
export function encodeResponse(
  base: Omit<InferResponse, "outputs">,
  outputs: Tensor[],
  binaryOutputs: ReadonlySet<string>,
): { body: Buffer; headerLength?: number } {
  const parts: Uint8Array[] = [];
  const response: InferResponse = {
    ...base,
    outputs: outputs.map((o) => {
      if (binaryOutputs.has(o.name)) {
        const bytes = toBytes(o.data);
        parts.push(bytes);
        return {
          name: o.name,
          datatype: o.datatype,
          shape: o.shape,
          parameters: { binary_data_size: bytes.byteLength },
        };
      }
      return {
        name: o.name,
        datatype: o.datatype,
        shape: o.shape,
        data: toJsonData(o.datatype, o.data),
      };
    }),
  };
  const json = Buffer.from(JSON.stringify(response));
  if (parts.length === 0) return { body: json };
  return { body: Buffer.concat([json, ...parts]), headerLength: json.byteLength };
}

/**
 * Parses a response body (the client side: `noos service infer`, tests, the benchmark). Binary
 * outputs become typed arrays of their datatype.
 */
export function decodeResponse(
  body: Uint8Array,
  headerLength: string | null | undefined,
): InferResponse {
  const n = headerLength == null ? body.byteLength : Number(headerLength);
  const response = JSON.parse(Buffer.from(body.subarray(0, n)).toString("utf8")) as InferResponse;
  let offset = n;
  for (const o of response.outputs ?? []) {
    const size = o.parameters?.binary_data_size;
    if (typeof size !== "number") continue;
    const data = fromBytes(o.datatype as OipDatatype, body.subarray(offset, offset + size));
    o.data = toJsonData(o.datatype as OipDatatype, data);
    offset += size;
  }
  return response;
}

/** Builds a binary request body: JSON header + raw tensors (client side). */
export function encodeRequest(
  inputs: Tensor[],
  options: { binaryOutput?: boolean; id?: string } = {},
): { body: Buffer; headerLength: number } {
  const header = {
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.binaryOutput ? { parameters: { binary_data_output: true } } : {}),
    inputs: inputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape,
      parameters: { binary_data_size: t.data.byteLength },
    })),
  };
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, ...inputs.map((t) => toBytes(t.data))]),
    headerLength: json.byteLength,
  };
}
