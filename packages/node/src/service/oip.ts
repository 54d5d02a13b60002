// Open Inference Protocol (KServe V2 REST) data model: datatypes, model metadata, and the checks
// that turn an infer request into typed tensors. Every 400 names the input (or field) and what was
// expected, as the protocol's `{"error": ...}` body.
import { BaseError } from "@noosphere/sdk";

/** OIP datatype ↔ onnxruntime type, with bytes per element (spec §1.2; BYTES and FP16 not served). */
export const oipDatatypes = {
  BOOL: { ort: "bool", bytes: 1 },
  UINT8: { ort: "uint8", bytes: 1 },
  INT8: { ort: "int8", bytes: 1 },
  UINT16: { ort: "uint16", bytes: 2 },
  INT16: { ort: "int16", bytes: 2 },
  UINT32: { ort: "uint32", bytes: 4 },
  INT32: { ort: "int32", bytes: 4 },
  UINT64: { ort: "uint64", bytes: 8 },
  INT64: { ort: "int64", bytes: 8 },
  FP32: { ort: "float32", bytes: 4 },
  FP64: { ort: "float64", bytes: 8 },
} as const;
export type OipDatatype = keyof typeof oipDatatypes;

export function datatypeOfOrt(ortType: string): OipDatatype | undefined {
  for (const [name, d] of Object.entries(oipDatatypes))
    if (d.ort === ortType) return name as OipDatatype;
  return undefined;
}

export type TypedData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor as the batcher and onnxruntime see it: row-major typed data. BOOL is a Uint8Array. */
export type Tensor = { name: string; datatype: OipDatatype; shape: number[]; data: TypedData };

/** Metadata tensor: `-1` is a variable dimension (OIP §1.1). */
export type TensorMetadata = { name: string; datatype: OipDatatype; shape: number[] };

export type ModelMetadata = {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
};

/** An error the server answers with `status` and `{"error": message}`. */
export class OipError extends BaseError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message, { name: "OipError" });
    this.status = status;
  }
}

export const badRequest = (message: string) => new OipError(400, message);

export function allocate(datatype: OipDatatype, length: number): TypedData {
  switch (datatype) {
    case "BOOL":
    case "UINT8":
      return new Uint8Array(length);
    case "INT8":
      return new Int8Array(length);
    case "UINT16":
      return new Uint16Array(length);
    case "INT16":
      return new Int16Array(length);
    case "UINT32":
      return new Uint32Array(length);
    case "INT32":
      return new Int32Array(length);
    case "UINT64":
      return new BigUint64Array(length);
    case "INT64":
      return new BigInt64Array(length);
    case "FP32":
      return new Float32Array(length);
    case "FP64":
      return new Float64Array(length);
  }
}

/** Views little-endian bytes as `datatype` (copies when unaligned or on a big-endian host). */
export function fromBytes(datatype: OipDatatype, bytes: Uint8Array): TypedData {
  const size = oipDatatypes[datatype].bytes;
  const length = bytes.byteLength / size;
  const out = allocate(datatype, length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function toBytes(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

const integerTypes = new Set<OipDatatype>(["UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32"]);
const ranges: Partial<Record<OipDatatype, [number, number]>> = {
  UINT8: [0, 255],
  INT8: [-128, 127],
  UINT16: [0, 65_535],
  INT16: [-32_768, 32_767],
  UINT32: [0, 4_294_967_295],
  INT32: [-2_147_483_648, 2_147_483_647],
};

/** Flattens nested JSON data (OIP allows nested or flat) into `datatype`, checking every value. */
export function fromJsonData(
  input: string,
  datatype: OipDatatype,
  data: unknown,
  length: number,
): TypedData {
  // Flat data (the common case) is used as it is; nested data is flattened (OIP allows both).
  const flat: unknown[] = !Array.isArray(data)
    ? [data]
    : data.some(Array.isArray)
      ? (data.flat(Number.POSITIVE_INFINITY) as unknown[])
      : data;
  if (flat.length !== length) {
    throw badRequest(
      `input ${input}: data has ${flat.length} values; expected ${length} (the product of its shape)`,
    );
  }
  const out = allocate(datatype, length);
  const fail = (i: number, what: string) =>
    badRequest(
      `input ${input}: data[${i}] is ${JSON.stringify(flat[i])}; expected ${what} (${datatype})`,
    );
  if (datatype === "BOOL") {
    for (let i = 0; i < length; i++) {
      const v = flat[i];
      if (typeof v !== "boolean") throw fail(i, "true or false");
      (out as Uint8Array)[i] = v ? 1 : 0;
    }
  } else if (datatype === "INT64" || datatype === "UINT64") {
    const target = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < length; i++) {
      const v = flat[i];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || (datatype === "UINT64" && v < 0)) {
        throw fail(i, datatype === "UINT64" ? "a non-negative integer" : "an integer");
      }
      target[i] = BigInt(v);
    }
  } else if (integerTypes.has(datatype)) {
    const [lo, hi] = ranges[datatype] as [number, number];
    const target = out as Int32Array;
    for (let i = 0; i < length; i++) {
      const v = flat[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
        throw fail(i, `an integer in ${lo}..${hi}`);
      }
      target[i] = v;
    }
  } else {
    const target = out as Float32Array;
    for (let i = 0; i < length; i++) {
      const v = flat[i];
      if (typeof v !== "number") throw fail(i, "a number");
      target[i] = v;
    }
  }
  return out;
}

/** JSON `data` for a response: numbers (INT64 as numbers, as Triton does), BOOL as booleans. */
export function toJsonData(datatype: OipDatatype, data: TypedData): unknown[] {
  if (datatype === "BOOL") return Array.from(data as Uint8Array, (v) => v !== 0);
  if (datatype === "INT64" || datatype === "UINT64")
    return Array.from(data as BigInt64Array, Number);
  return Array.from(data as Float32Array);
}

/** The parts of an infer request the server uses, after the JSON header is parsed. */
export type InferRequestHeader = {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: {
    name: string;
    shape: number[];
    datatype: string;
    parameters?: Record<string, unknown>;
    data?: unknown;
  }[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks an infer request against the model and returns its tensors in the model's input order.
 * `binary` is the body after the JSON header (binary tensor extension), or undefined.
 */
export function readInferRequest(
  model: ModelMetadata,
  header: unknown,
  binary: Uint8Array | undefined,
): { inputs: Tensor[]; request: InferRequestHeader } {
  if (!isRecord(header)) throw badRequest("request body: expected a JSON object with inputs");
  if (header.id !== undefined && typeof header.id !== "string") {
    throw badRequest(`id: got ${JSON.stringify(header.id)}; expected a string`);
  }
  if (!Array.isArray(header.inputs) || header.inputs.length === 0) {
    throw badRequest(
      `inputs: expected a list of ${model.inputs.length} tensor(s) {name, shape, datatype, data} (${model.inputs.map((i) => i.name).join(", ")})`,
    );
  }
  if (header.outputs !== undefined) {
    if (!Array.isArray(header.outputs)) throw badRequest("outputs: expected a list of {name}");
    for (const [i, o] of header.outputs.entries()) {
      const known = model.outputs.map((m) => m.name);
      if (!isRecord(o) || typeof o.name !== "string" || !known.includes(o.name)) {
        throw badRequest(
          `outputs[${i}].name: got ${JSON.stringify(isRecord(o) ? o.name : o)}; expected one of ${known.join(", ")}`,
        );
      }
    }
  }
  const given = new Map<string, Tensor>();
  let offset = 0;
  for (const [i, raw] of (header.inputs as unknown[]).entries()) {
    if (!isRecord(raw) || typeof raw.name !== "string") {
      throw badRequest(`inputs[${i}].name: expected a string naming a model input`);
    }
    const name = raw.name;
    const meta = model.inputs.find((m) => m.name === name);
    if (!meta) {
      throw badRequest(
        `inputs[${i}].name: unknown input ${JSON.stringify(name)}; expected one of ${model.inputs.map((m) => m.name).join(", ")}`,
      );
    }
    if (given.has(name)) throw badRequest(`input ${name}: given twice`);
    if (raw.datatype !== meta.datatype) {
      throw badRequest(
        `input ${name}: datatype ${JSON.stringify(raw.datatype)}; expected ${meta.datatype}`,
      );
    }
    const shape = raw.shape;
    const expectedShape = `[${meta.shape.join(", ")}] (-1: any size)`;
    if (
      !Array.isArray(shape) ||
      shape.length !== meta.shape.length ||
      !shape.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
    ) {
      throw badRequest(`input ${name}: shape ${JSON.stringify(shape)}; expected ${expectedShape}`);
    }
    for (const [d, size] of (shape as number[]).entries()) {
      const want = meta.shape[d] as number;
      // A fixed leading 1 (a batch-1 export, as PyTorch writes) takes any batch: the batcher splits it.
      const batchOfOne = d === 0 && want === 1 && meta.shape.length > 1;
      if (want !== -1 && want !== size && !batchOfOne) {
        throw badRequest(
          `input ${name}: shape ${JSON.stringify(shape)}; expected ${expectedShape}`,
        );
      }
    }
    if ((shape as number[])[0] === 0)
      throw badRequest(`input ${name}: shape ${JSON.stringify(shape)} is empty`);
    const length = product(shape as number[]);
    const datatype = meta.datatype;
    const params = isRecord(raw.parameters) ? raw.parameters : undefined;
    const binarySize = params?.binary_data_size;
    let data: TypedData;
    if (binarySize !== undefined) {
      const bytes = oipDatatypes[datatype].bytes * length;
      if (typeof binarySize !== "number" || binarySize !== bytes) {
        throw badRequest(
          `input ${name}: parameters.binary_data_size ${JSON.stringify(binarySize)}; expected ${bytes} (${length} ${datatype} values)`,
        );
      }
      if (raw.data !== undefined)
        throw badRequest(`input ${name}: both data and binary_data_size given`);
      if (!binary || offset + bytes > binary.byteLength) {
        throw badRequest(
          `input ${name}: binary data ends after ${binary ? binary.byteLength - offset : 0} bytes; expected ${bytes} (Inference-Header-Content-Length and binary_data_size disagree with the body)`,
        );
      }
      data = fromBytes(datatype, binary.subarray(offset, offset + bytes));
      offset += bytes;
    } else {
      if (raw.data === undefined) {
        throw badRequest(
          `input ${name}: missing data; expected ${length} ${datatype} values (or binary_data_size)`,
        );
      }
      data = fromJsonData(name, datatype, raw.data, length);
    }
    given.set(name, { name, datatype, shape: shape as number[], data });
  }
  if (binary && offset !== binary.byteLength) {
    throw badRequest(
      `request body: ${binary.byteLength - offset} bytes of binary data left over; expected the sum of the inputs' binary_data_size`,
    );
  }
  const inputs: Tensor[] = [];
  for (const meta of model.inputs) {
    const t = given.get(meta.name);
    if (!t)
      throw badRequest(
        `input ${meta.name}: missing; expected a ${meta.datatype} tensor of shape [${meta.shape.join(", ")}]`,
      );
    inputs.push(t);
  }
  const batch = inputs[0]?.shape[0];
  for (const t of inputs) {
    if (model.inputs.length > 1 && t.shape[0] !== batch) {
      throw badRequest(
        `input ${t.name}: batch size ${t.shape[0]}; expected ${batch} like ${inputs[0]?.name}`,
      );
    }
  }
  return { inputs, request: header as unknown as InferRequestHeader };
}
