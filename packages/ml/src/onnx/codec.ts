import { readFile, writeFile } from "node:fs/promises";
import onnxProto from "onnx-proto";
import { OnnxFormatError } from "../errors.js";
import type {
  Dim,
  OnnxAttribute,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
  TensorData,
  TensorDataType,
} from "./types.js";

// onnx-proto is CommonJS: its one export object holds the `onnx` namespace.
const { onnx } = onnxProto;

/** onnx.proto's TensorProto.DataType codes of the types we read and write. */
export const dataTypeCodes: Record<TensorDataType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

const dataTypeNames = new Map(
  Object.entries(dataTypeCodes).map(([name, code]) => [code, name as TensorDataType]),
);

const bytesPerElement: Record<TensorDataType, number> = {
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const attributeTypeCodes = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
  strings: 8,
} as const;

/** An empty typed array of the storage type for `dataType`. */
export function allocateTensorData(dataType: TensorDataType, length: number): TensorData {
  switch (dataType) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "int32":
      return new Int32Array(length);
    case "int8":
      return new Int8Array(length);
    case "uint8":
    case "bool":
      return new Uint8Array(length);
  }
}

/** Serializes a model to ONNX protobuf bytes; the same model always gives the same bytes. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: model.irVersion,
    opsetImport: model.opsetImports.map(({ domain, version }) => ({ domain, version })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    docString: model.docString,
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.graph.name,
      node: model.graph.nodes.map(encodeNode),
      initializer: model.graph.initializers.map(encodeTensor),
      input: model.graph.inputs.map(encodeValueInfo),
      output: model.graph.outputs.map(encodeValueInfo),
      valueInfo: model.graph.valueInfo.map(encodeValueInfo),
    },
  };
  return onnx.ModelProto.encode(proto).finish();
}

function encodeNode(node: OnnxNode): onnxProto.onnx.INodeProto {
  return {
    name: node.name,
    opType: node.opType,
    domain: node.domain,
    input: node.inputs,
    output: node.outputs,
    attribute: Object.entries(node.attributes).map(([name, attr]) =>
      encodeAttribute(name, attr, node),
    ),
  };
}

function encodeAttribute(
  name: string,
  attr: OnnxAttribute,
  node: OnnxNode,
): onnxProto.onnx.IAttributeProto {
  switch (attr.type) {
    case "float":
      return { name, type: attributeTypeCodes.float, f: attr.value };
    case "int":
      return { name, type: attributeTypeCodes.int, i: attr.value };
    case "string":
      return { name, type: attributeTypeCodes.string, s: new TextEncoder().encode(attr.value) };
    case "tensor":
      return { name, type: attributeTypeCodes.tensor, t: encodeTensor(attr.value) };
    case "floats":
      return { name, type: attributeTypeCodes.floats, floats: attr.value };
    case "ints":
      return { name, type: attributeTypeCodes.ints, ints: attr.value };
    case "strings":
      return {
        name,
        type: attributeTypeCodes.strings,
        strings: attr.value.map((s) => new TextEncoder().encode(s)),
      };
    case "unsupported":
      throw new OnnxFormatError(
        `attribute "${name}" has AttributeProto type ${attr.protoType}, which the writer does not support.`,
        { node: describeNode(node) },
      );
  }
}

/** Tensors go out as little-endian raw_data, as PyTorch writes them. */
function encodeTensor(tensor: OnnxTensor): onnxProto.onnx.ITensorProto {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new OnnxFormatError(
      `tensor "${tensor.name}" has dims [${tensor.dims.join(", ")}] (${count} values) but ${tensor.data.length} values.`,
    );
  }
  const width = bytesPerElement[tensor.dataType];
  const raw = new Uint8Array(count * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < count; i++) {
    const v = tensor.data[i] as number | bigint;
    const at = i * width;
    switch (tensor.dataType) {
      case "float32":
        view.setFloat32(at, v as number, true);
        break;
      case "float64":
        view.setFloat64(at, v as number, true);
        break;
      case "int64":
        view.setBigInt64(at, v as bigint, true);
        break;
      case "int32":
        view.setInt32(at, v as number, true);
        break;
      case "int8":
        view.setInt8(at, v as number);
        break;
      case "uint8":
      case "bool":
        view.setUint8(at, v as number);
        break;
    }
  }
  return {
    name: tensor.name,
    dataType: dataTypeCodes[tensor.dataType],
    dims: tensor.dims,
    rawData: raw,
  };
}

function encodeValueInfo(info: OnnxValueInfo): onnxProto.onnx.IValueInfoProto {
  return {
    name: info.name,
    type: {
      tensorType: {
        elemType: dataTypeCodes[info.dataType],
        ...(info.shape === null
          ? {}
          : {
              shape: {
                dim: info.shape.map((d) =>
                  typeof d === "number"
                    ? { dimValue: d }
                    : typeof d === "string"
                      ? { dimParam: d }
                      : {},
                ),
              },
            }),
      },
    },
  };
}

/** Parses ONNX protobuf bytes; `source` (a path) is named in errors. */
export function decodeModel(bytes: Uint8Array, source = "<bytes>"): OnnxModel {
  let proto: onnxProto.onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new OnnxFormatError(`${source} is not an ONNX model (protobuf decoding failed).`, {
      cause,
    });
  }
  const graph = proto.graph;
  if (!graph) throw new OnnxFormatError(`${source} has no graph.`);
  return {
    irVersion: toNumber(proto.irVersion),
    opsetImports: proto.opsetImport.map((o) => ({
      domain: o.domain ?? "",
      version: toNumber(o.version ?? 0),
    })),
    producerName: proto.producerName,
    producerVersion: proto.producerVersion,
    docString: proto.docString,
    metadata: Object.fromEntries(proto.metadataProps.map((p) => [p.key ?? "", p.value ?? ""])),
    graph: {
      name: graph.name ?? "",
      inputs: (graph.input ?? []).map(decodeValueInfo),
      outputs: (graph.output ?? []).map(decodeValueInfo),
      valueInfo: (graph.valueInfo ?? []).flatMap((v) =>
        // Intermediate shapes of types we do not model are only hints: skip them.
        dataTypeNames.has(v.type?.tensorType?.elemType ?? -1) ? [decodeValueInfo(v)] : [],
      ),
      nodes: (graph.node ?? []).map(decodeNode),
      initializers: (graph.initializer ?? []).map((t) => decodeTensor(t)),
    },
  };
}

function decodeNode(node: onnxProto.onnx.INodeProto, index: number): OnnxNode {
  const decoded: OnnxNode = {
    name: node.name || `node_${index}`,
    opType: node.opType ?? "",
    domain: node.domain ?? "",
    inputs: [...(node.input ?? [])],
    outputs: [...(node.output ?? [])],
    attributes: {},
  };
  for (const attr of node.attribute ?? []) {
    decoded.attributes[attr.name ?? ""] = decodeAttribute(attr, decoded);
  }
  return decoded;
}

function decodeAttribute(attr: onnxProto.onnx.IAttributeProto, node: OnnxNode): OnnxAttribute {
  const text = (b: Uint8Array): string => new TextDecoder().decode(b);
  switch (attr.type ?? 0) {
    case attributeTypeCodes.float:
      return { type: "float", value: attr.f ?? 0 };
    case attributeTypeCodes.int:
      return { type: "int", value: toNumber(attr.i ?? 0) };
    case attributeTypeCodes.string:
      return { type: "string", value: text(attr.s ?? new Uint8Array()) };
    case attributeTypeCodes.tensor:
      if (!attr.t) throw new OnnxFormatError(`attribute "${attr.name}" has no tensor.`);
      return { type: "tensor", value: decodeTensor(attr.t, describeNode(node)) };
    case attributeTypeCodes.floats:
      return { type: "floats", value: [...(attr.floats ?? [])] };
    case attributeTypeCodes.ints:
      return { type: "ints", value: (attr.ints ?? []).map(toNumber) };
    case attributeTypeCodes.strings:
      return { type: "strings", value: (attr.strings ?? []).map(text) };
    default:
      return { type: "unsupported", protoType: attr.type ?? 0 };
  }
}

function decodeTensor(tensor: onnxProto.onnx.ITensorProto, node?: string): OnnxTensor {
  const name = tensor.name ?? "";
  const fail = (reason: string): never => {
    throw new OnnxFormatError(`tensor "${name}" ${reason}`, node === undefined ? {} : { node });
  };
  if (tensor.dataLocation === 1)
    fail("keeps its data in an external file, which is not supported.");
  const dataType = dataTypeNames.get(tensor.dataType ?? 0);
  if (dataType === undefined) {
    return fail(`has TensorProto data type ${tensor.dataType}, which is not supported.`);
  }
  const dims = (tensor.dims ?? []).map(toNumber);
  const count = dims.reduce((a, b) => a * b, 1);
  const data = allocateTensorData(dataType, count);
  const raw = tensor.rawData;
  if (raw && raw.length > 0) {
    const width = bytesPerElement[dataType];
    if (raw.length !== count * width) {
      fail(`has ${raw.length} bytes of raw data; dims [${dims.join(", ")}] need ${count * width}.`);
    }
    // Copy: the protobuf buffer may not be aligned for a typed-array view.
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      const at = i * width;
      if (dataType === "float32") data[i] = view.getFloat32(at, true);
      else if (dataType === "float64") data[i] = view.getFloat64(at, true);
      else if (dataType === "int64") data[i] = view.getBigInt64(at, true);
      else if (dataType === "int32") data[i] = view.getInt32(at, true);
      else if (dataType === "int8") data[i] = view.getInt8(at);
      else data[i] = view.getUint8(at);
    }
    return { name, dataType, dims, data };
  }
  const values: ArrayLike<number | Long> =
    dataType === "float32"
      ? (tensor.floatData ?? [])
      : dataType === "float64"
        ? (tensor.doubleData ?? [])
        : dataType === "int64"
          ? (tensor.int64Data ?? [])
          : (tensor.int32Data ?? []);
  if (values.length !== count) {
    fail(`has ${values.length} values; dims [${dims.join(", ")}] need ${count}.`);
  }
  for (let i = 0; i < count; i++) {
    const v = values[i] as number | Long;
    if (data instanceof BigInt64Array) {
      data[i] = typeof v === "number" ? BigInt(v) : BigInt(v.toString());
    } else data[i] = toNumber(v);
  }
  return { name, dataType, dims, data };
}

function decodeValueInfo(info: onnxProto.onnx.IValueInfoProto): OnnxValueInfo {
  const name = info.name ?? "";
  const tensorType = info.type?.tensorType;
  const dataType = dataTypeNames.get(tensorType?.elemType ?? 0);
  if (!tensorType || dataType === undefined) {
    throw new OnnxFormatError(
      `graph value "${name}" is not a tensor of a supported type (${Object.keys(dataTypeCodes).join(", ")}).`,
    );
  }
  const shape = tensorType.shape
    ? (tensorType.shape.dim ?? []).map((d): Dim => {
        // Decoded messages hold only the fields present as own properties.
        if (Object.hasOwn(d, "dimValue")) return toNumber(d.dimValue ?? 0);
        if (Object.hasOwn(d, "dimParam")) return d.dimParam ?? null;
        return null;
      })
    : null;
  return { name, dataType, shape };
}

type Long = { toNumber(): number; toString(): string };

/** int64 fields decode as Long objects; values beyond 2^53 lose precision. */
function toNumber(value: number | Long): number {
  return typeof value === "number" ? value : value.toNumber();
}

function describeNode(node: OnnxNode): string {
  return `node "${node.name}" (${node.opType})`;
}

/** Reads and parses an .onnx file. */
export async function readOnnx(path: string): Promise<OnnxModel> {
  return decodeModel(await readFile(path), path);
}

/** Serializes and writes an .onnx file; returns the bytes written. */
export async function writeOnnx(path: string, model: OnnxModel): Promise<Uint8Array> {
  const bytes = encodeModel(model);
  await writeFile(path, bytes);
  return bytes;
}
