// A plain-object view of an ONNX model: what the reader returns and the writer takes. It keeps
// what inference, training export and the zk compiler need; encode(decode(bytes)) keeps those
// parts, not every field of onnx.proto (training info, functions, sparse tensors are dropped).

export type TensorDataType = "float32" | "float64" | "int64" | "int32" | "int8" | "uint8" | "bool";

/** Typed-array storage per data type: int64 uses BigInt64Array so no value is rounded. */
export type TensorDataOf<T extends TensorDataType> = T extends "float32"
  ? Float32Array
  : T extends "float64"
    ? Float64Array
    : T extends "int64"
      ? BigInt64Array
      : T extends "int32"
        ? Int32Array
        : T extends "int8"
          ? Int8Array
          : Uint8Array;

export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int8Array
  | Uint8Array;

export type OnnxTensor = {
  name: string;
  dataType: TensorDataType;
  dims: number[];
  data: TensorData;
};

/** A dimension: a size, a symbolic name (e.g. "batch"), or null when the model leaves it open. */
export type Dim = number | string | null;

export type OnnxValueInfo = {
  name: string;
  dataType: TensorDataType;
  /** null when the model does not state the rank. */
  shape: Dim[] | null;
};

export type OnnxAttribute =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: OnnxTensor }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] }
  | { type: "strings"; value: string[] }
  /** Graphs, sparse tensors, type protos: listed by the reader, refused by the writer. */
  | { type: "unsupported"; protoType: number };

export type OnnxNode = {
  name: string;
  opType: string;
  /** "" is the default ONNX domain. */
  domain: string;
  /** "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
};

export type OnnxGraph = {
  name: string;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  /** Shapes of intermediate values, when the model records them. */
  valueInfo: OnnxValueInfo[];
};

export type OnnxModel = {
  irVersion: number;
  opsetImports: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  /** metadata_props, in file order. */
  metadata: Record<string, string>;
};
