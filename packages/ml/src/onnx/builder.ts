import { InvalidParameterError } from "@noosphere/sdk";
import { allocateTensorData } from "./codec.js";
import type {
  Dim,
  OnnxAttribute,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
  TensorDataType,
} from "./types.js";

/**
 * An attribute value. Plain values are typed by shape: strings are STRING, integers INT, other
 * numbers FLOAT — except attributes that ONNX always declares as floats (alpha, beta, epsilon,
 * ...), which stay FLOAT even when the value is a whole number. Use `attr.float(1)` and friends
 * to force a type.
 */
export type AttributeInput =
  | OnnxAttribute
  | number
  | string
  | readonly number[]
  | readonly string[]
  | OnnxTensor;

const floatAttributeNames = new Set([
  "alpha",
  "beta",
  "gamma",
  "bias",
  "epsilon",
  "momentum",
  "lambd",
  "ratio",
  "scale",
  "spatial_scale",
  "value_float",
  "value_floats",
]);

/** Explicitly typed attributes, for when the plain-value rules would guess wrong. */
export const attr = {
  float: (value: number): OnnxAttribute => ({ type: "float", value }),
  int: (value: number): OnnxAttribute => ({ type: "int", value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ type: "floats", value: [...value] }),
  ints: (value: readonly number[]): OnnxAttribute => ({ type: "ints", value: [...value] }),
  string: (value: string): OnnxAttribute => ({ type: "string", value }),
  tensor: (value: OnnxTensor): OnnxAttribute => ({ type: "tensor", value }),
};

export function toAttribute(name: string, value: AttributeInput): OnnxAttribute {
  if (typeof value === "number") {
    return Number.isInteger(value) && !floatAttributeNames.has(name)
      ? { type: "int", value }
      : { type: "float", value };
  }
  if (typeof value === "string") return { type: "string", value };
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === "string")) {
      return value.length > 0
        ? { type: "strings", value: [...value] }
        : { type: "ints", value: [] };
    }
    const numbers = value as readonly number[];
    return numbers.every(Number.isInteger) && !floatAttributeNames.has(name)
      ? { type: "ints", value: [...numbers] }
      : { type: "floats", value: [...numbers] };
  }
  if ("dataType" in value) return { type: "tensor", value };
  return value as OnnxAttribute;
}

/**
 * A tensor from plain values, checked against its dims. Floats are rounded to the type (float32
 * weights round to nearest even); int64 takes numbers or bigints.
 */
export function createTensor(
  name: string,
  dataType: TensorDataType,
  dims: readonly number[],
  values: ArrayLike<number> | ArrayLike<bigint>,
): OnnxTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || values.length !== count) {
    throw new InvalidParameterError({
      field: `tensor "${name}"`,
      expected: `${count} values for dims [${dims.join(", ")}] (non-negative integers)`,
      received: `${values.length} values for dims [${dims.join(", ")}]`,
    });
  }
  const data = allocateTensorData(dataType, count);
  for (let i = 0; i < count; i++) {
    const v = values[i] as number | bigint;
    if (data instanceof BigInt64Array) data[i] = typeof v === "bigint" ? v : BigInt(v);
    else data[i] = Number(v);
  }
  return { name, dataType, dims: [...dims], data };
}

export type GraphBuilder = {
  /** Declares a graph input; returns its name. */
  input(name: string, dataType: TensorDataType, shape: readonly Dim[]): string;
  /** Adds a constant tensor (weights, shapes, pads); returns its name. */
  initializer(
    name: string,
    dataType: TensorDataType,
    dims: readonly number[],
    values: ArrayLike<number> | ArrayLike<bigint>,
  ): string;
  /**
   * Adds a node and returns its first output's name. Outputs are named
   * `<node name>_output_<i>` unless `options.outputs` names them.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeInput>,
    options?: { name?: string; outputs?: readonly string[]; domain?: string },
  ): string;
  /** Declares a graph output (an existing value's name). */
  output(name: string, dataType: TensorDataType, shape: readonly Dim[] | null): string;
  build(options?: {
    opset?: number;
    irVersion?: number;
    producerName?: string;
    producerVersion?: string;
    docString?: string;
    metadata?: Record<string, string>;
  }): OnnxModel;
};

/** Builds an ONNX graph step by step; names must be unique across inputs, weights and outputs. */
export function createGraphBuilder(name = "graph"): GraphBuilder {
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const defined = new Set<string>();
  const counts = new Map<string, number>();

  const define = (value: string): string => {
    if (defined.has(value)) {
      throw new InvalidParameterError({
        field: "name",
        expected: "a name not yet used in this graph",
        received: value,
      });
    }
    defined.add(value);
    return value;
  };

  return {
    input(valueName, dataType, shape) {
      inputs.push({ name: define(valueName), dataType, shape: [...shape] });
      return valueName;
    },
    initializer(valueName, dataType, dims, values) {
      initializers.push(createTensor(define(valueName), dataType, dims, values));
      return valueName;
    },
    node(opType, nodeInputs, attributes = {}, options = {}) {
      for (const input of nodeInputs) {
        if (input !== "" && !defined.has(input)) {
          throw new InvalidParameterError({
            field: `input of ${opType}`,
            expected: "the name of a graph input, initializer or earlier node output",
            received: input,
          });
        }
      }
      const n = counts.get(opType) ?? 0;
      counts.set(opType, n + 1);
      const nodeName = options.name ?? (n === 0 ? opType : `${opType}_${n}`);
      const nodeOutputs = options.outputs ?? [`${nodeName}_output_0`];
      nodeOutputs.forEach(define);
      nodes.push({
        name: nodeName,
        opType,
        domain: options.domain ?? "",
        inputs: [...nodeInputs],
        outputs: [...nodeOutputs],
        attributes: Object.fromEntries(
          Object.entries(attributes).map(([key, value]) => [key, toAttribute(key, value)]),
        ),
      });
      return nodeOutputs[0] as string;
    },
    output(valueName, dataType, shape) {
      if (!defined.has(valueName)) {
        throw new InvalidParameterError({
          field: "output",
          expected: "the name of an existing value",
          received: valueName,
        });
      }
      outputs.push({ name: valueName, dataType, shape: shape === null ? null : [...shape] });
      return valueName;
    },
    build(options = {}) {
      return {
        // IR 8 goes with opset 13..15 in onnx 1.10, the newest IR our onnx.proto knows.
        irVersion: options.irVersion ?? 8,
        opsetImports: [{ domain: "", version: options.opset ?? 13 }],
        producerName: options.producerName ?? "noosphere-ml",
        producerVersion: options.producerVersion ?? "0.1.0",
        docString: options.docString ?? "",
        metadata: { ...options.metadata },
        graph: {
          name,
          inputs: [...inputs],
          outputs: [...outputs],
          nodes: [...nodes],
          initializers: [...initializers],
          valueInfo: [],
        },
      };
    },
  };
}
