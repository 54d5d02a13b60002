import { OnnxFormatError } from "../errors.js";
import { createTensor } from "./builder.js";
import { fromOnnxTensor, type RefTensor, referenceOperators, runReference } from "./reference.js";
import type { OnnxModel, OnnxNode, OnnxTensor, TensorDataType } from "./types.js";

// Constant folding, as onnx-simplifier does: every node whose inputs are all constants is
// evaluated once and replaced by an initializer. PyTorch exports compute pads, shapes and
// slices with small subgraphs of Constant/ConstantOfShape/Concat/Slice/Transpose/Cast nodes
// (e.g. `F.pad` in torch 1.13); after folding, only the operators on the data path are left.

/** Shape operators evaluated here (on top of the reference interpreter's operators). */
const shapeOps: Record<string, (node: OnnxNode, inputs: (RefTensor | undefined)[]) => RefTensor> = {
  ConstantOfShape: (node, [shape]) => {
    const dims = Array.from(need(shape, "input").data);
    const a = node.attributes.value;
    const v = a?.type === "tensor" ? fromOnnxTensor(a.value) : undefined;
    const data = new Float64Array(dims.reduce((x, y) => x * y, 1)).fill(v?.data[0] ?? 0);
    return { dims, data, dataType: v?.dataType ?? "float32" };
  },
  Concat: (node, inputs) => {
    const parts = inputs.filter((t): t is RefTensor => t !== undefined);
    const first = need(parts[0], "inputs");
    const axis = normAxis(intAttr(node, "axis", 0), first.dims.length);
    const outer = first.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const dims = [...first.dims];
    dims[axis] = parts.reduce((s, p) => s + (p.dims[axis] ?? 0), 0);
    const data: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const block = p.data.length / outer;
        for (let i = 0; i < block; i++) data.push(p.data[o * block + i] ?? 0);
      }
    }
    return { dims, data: Float64Array.from(data), dataType: first.dataType };
  },
  Slice: (_node, [x, starts, ends, axes, steps]) => {
    const t = need(x, "data");
    const rank = t.dims.length;
    const s = Array.from(need(starts, "starts").data);
    const e = Array.from(need(ends, "ends").data);
    const ax = axes ? Array.from(axes.data).map((a) => normAxis(a, rank)) : s.map((_, i) => i);
    const st = steps ? Array.from(steps.data) : s.map(() => 1);
    // Per axis: the list of source indices it keeps.
    const keep = t.dims.map((d) => Array.from({ length: d }, (_, i) => i));
    ax.forEach((axis, k) => {
      const d = t.dims[axis] ?? 0;
      const step = st[k] ?? 1;
      const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
      let start = s[k] ?? 0;
      let end = e[k] ?? d;
      start = start < 0 ? start + d : start;
      end = end < 0 ? end + d : end;
      const idx: number[] = [];
      if (step > 0) {
        for (let i = clamp(start, 0, d); i < clamp(end, 0, d); i += step) idx.push(i);
      } else {
        for (let i = clamp(start, -1, d - 1); i > clamp(end, -1, d - 1); i += step) idx.push(i);
      }
      keep[axis] = idx;
    });
    return gatherIndices(t, keep);
  },
  Transpose: (node, [x]) => {
    const t = need(x, "data");
    const rank = t.dims.length;
    const a = node.attributes.perm;
    const perm = a?.type === "ints" ? a.value : t.dims.map((_, i) => rank - 1 - i);
    const dims = perm.map((p) => t.dims[p] ?? 1);
    const strides = stridesOf(t.dims);
    const data = new Float64Array(t.data.length);
    const index = new Array<number>(rank).fill(0);
    for (let i = 0; i < data.length; i++) {
      let src = 0;
      for (let k = 0; k < rank; k++) src += (index[k] ?? 0) * (strides[perm[k] ?? 0] ?? 0);
      data[i] = t.data[src] ?? 0;
      for (let k = rank - 1; k >= 0; k--) {
        index[k] = (index[k] ?? 0) + 1;
        if ((index[k] ?? 0) < (dims[k] ?? 1)) break;
        index[k] = 0;
      }
    }
    return { dims, data, dataType: t.dataType };
  },
  Cast: (node, [x]) => {
    const t = need(x, "input");
    const to = castTypes[intAttr(node, "to", 1)];
    if (!to) throw new OnnxFormatError(`Cast to type ${intAttr(node, "to", 1)} is not supported.`);
    const data = to.startsWith("float") ? Float64Array.from(t.data) : t.data.map(Math.trunc);
    return { dims: [...t.dims], data, dataType: to };
  },
  Unsqueeze: (node, [x, axesInput]) => {
    const t = need(x, "data");
    const axes = axesInput ? Array.from(axesInput.data) : intsAttr(node, "axes");
    const rank = t.dims.length + axes.length;
    const dims = [...t.dims];
    for (const a of axes.map((v) => normAxis(v, rank)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
    return { ...t, dims };
  },
  Squeeze: (node, [x, axesInput]) => {
    const t = need(x, "data");
    const axes = axesInput ? Array.from(axesInput.data) : intsAttr(node, "axes");
    const drop = new Set(axes.map((a) => normAxis(a, t.dims.length)));
    const dims = t.dims.filter((d, i) => (drop.size === 0 ? d !== 1 : !drop.has(i)));
    return { ...t, dims };
  },
  Gather: (node, [x, indices]) => {
    const t = need(x, "data");
    const idx = need(indices, "indices");
    const axis = normAxis(intAttr(node, "axis", 0), t.dims.length);
    const d = t.dims[axis] ?? 0;
    const picked = Array.from(idx.data).map((i) => (i < 0 ? i + d : i));
    const keep = t.dims.map((n, k) =>
      k === axis ? picked : Array.from({ length: n }, (_, i) => i),
    );
    const out = gatherIndices(t, keep);
    const dims = [...t.dims.slice(0, axis), ...idx.dims, ...t.dims.slice(axis + 1)];
    return { ...out, dims };
  },
};

/** ONNX TensorProto.DataType codes the folder can cast to. */
const castTypes: Record<number, TensorDataType> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  6: "int32",
  7: "int64",
  9: "bool",
  11: "float64",
};

/**
 * Returns a copy of `model` in which every node computable from constants alone has been
 * replaced by an initializer. Nodes that depend on a graph input are kept as they are.
 */
export function foldConstants(model: OnnxModel): OnnxModel {
  const constants = new Map<string, RefTensor>();
  for (const t of model.graph.initializers) constants.set(t.name, fromOnnxTensor(t));
  const graphInputs = new Set(
    model.graph.inputs.map((i) => i.name).filter((name) => !constants.has(name)),
  );
  const kept: OnnxNode[] = [];
  const folded = new Set<string>();
  for (const node of model.graph.nodes) {
    const inputs = node.inputs.map((name) => (name === "" ? undefined : constants.get(name)));
    const allConstant = node.inputs.every(
      (name) => name === "" || (constants.has(name) && !graphInputs.has(name)),
    );
    const evaluate = shapeOps[node.opType];
    const viaReference = (referenceOperators as readonly string[]).includes(node.opType);
    if (!allConstant || node.outputs.length !== 1 || (!evaluate && !viaReference)) {
      kept.push(node);
      continue;
    }
    const [output] = node.outputs as [string];
    const value = evaluate ? evaluate(node, inputs) : evaluateWithReference(model, node, inputs);
    constants.set(output, value);
    folded.add(output);
  }
  // Keep only the constants that something still reads.
  const used = new Set([
    ...kept.flatMap((n) => n.inputs),
    ...model.graph.outputs.map((o) => o.name),
  ]);
  const initializers: OnnxTensor[] = model.graph.initializers.filter((t) => used.has(t.name));
  for (const name of folded) {
    const value = constants.get(name);
    if (value && used.has(name)) initializers.push(toTensor(name, value));
  }
  return { ...model, graph: { ...model.graph, nodes: kept, initializers } };
}

function evaluateWithReference(
  model: OnnxModel,
  node: OnnxNode,
  inputs: (RefTensor | undefined)[],
): RefTensor {
  const names = node.inputs.map((name, i) => (name === "" ? "" : `in${i}`));
  const initializers = inputs.flatMap((t, i) => (t === undefined ? [] : [toTensor(`in${i}`, t)]));
  const single: OnnxModel = {
    ...model,
    graph: {
      name: "fold",
      inputs: [],
      outputs: [{ name: "out", dataType: "float32", shape: null }],
      nodes: [{ ...node, inputs: names, outputs: ["out"] }],
      initializers,
      valueInfo: [],
    },
  };
  const out = runReference(single, {}).out;
  if (!out) throw new OnnxFormatError(`folding node "${node.name}" produced no value.`);
  return out;
}

function toTensor(name: string, t: RefTensor): OnnxTensor {
  const dataType: TensorDataType = t.dataType === "bool" ? "uint8" : t.dataType;
  return createTensor(name, dataType, t.dims, t.data);
}

function gatherIndices(t: RefTensor, keep: number[][]): RefTensor {
  const dims = keep.map((k) => k.length);
  const strides = stridesOf(t.dims);
  const out: number[] = [];
  const walk = (axis: number, offset: number) => {
    if (axis === keep.length) {
      out.push(t.data[offset] ?? 0);
      return;
    }
    for (const i of keep[axis] ?? []) walk(axis + 1, offset + i * (strides[axis] ?? 0));
  };
  walk(0, 0);
  return { dims, data: Float64Array.from(out), dataType: t.dataType };
}

function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--)
    strides[i] = (strides[i + 1] ?? 1) * (dims[i + 1] ?? 1);
  return strides;
}

function need(t: RefTensor | undefined, what: string): RefTensor {
  if (!t) throw new OnnxFormatError(`missing input: ${what}.`);
  return t;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a?.type === "int" ? a.value : fallback;
}

function intsAttr(node: OnnxNode, name: string): number[] {
  const a = node.attributes[name];
  return a?.type === "ints" ? a.value : [];
}
