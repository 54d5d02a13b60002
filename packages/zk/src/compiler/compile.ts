import { createHash } from "node:crypto";
import { decodeModel, foldConstants, fromOnnxTensor, type OnnxModel } from "@noosphere/ml";
import { InvalidParameterError } from "@noosphere/sdk";
import { ZkCompileError } from "../errors.js";
import { INPUT_PACK_MAX, INPUT_PACK_MIN, INPUTS_PER_WORD, POSEIDON_CHUNK } from "../poseidon.js";
import { quantizeValue, unsignedBits } from "../quantize/fixed.js";
import { logrowsFor, parseSettings, type ZkRunArgs, type ZkSettings } from "../settings.js";
import { CircuitBuilder, type Elem } from "./builder.js";
import { generateCircom } from "./circom.js";
import {
  type Gadget,
  gadgetConstraints,
  graphToJson,
  type QuantGraph,
  type QuantGraphJson,
  type QuantLayer,
  type QuantOutput,
} from "./ir.js";
import { applyNode, type ConstT, type Ctx, rescale, type T, toVar } from "./ops.js";

/** Where each public signal comes from; ProofRegistry relies on this order. */
export type PublicSignalLayout = {
  /** First signal: Poseidon hash of the quantized parameters (param_visibility "hashed"). */
  paramHash: boolean;
  /** Input signals: every element (public), 1 hash (hashed) or 0 (private). */
  inputs: number;
  /** Output signals: every element (public) or 1 hash (hashed). */
  outputs: number;
  total: number;
};

/** Constraints of circomlib Poseidon(16) and Poseidon(2) compiled with circom2 --O2 (measured). */
export const POSEIDON16_CONSTRAINTS = 609;
export const POSEIDON2_CONSTRAINTS = 240;

/**
 * PoseidonVector(n) after --O2. A constant input (the first chunk's zero state, zero padding,
 * the length n) saves its first-round S-box: 3 constraints each.
 */
export function poseidonVectorConstraints(n: number): number {
  const chunks = Math.ceil(n / 15);
  const constants = (chunks > 0 ? 1 : 2) + (chunks * 15 - n) + 1;
  return chunks * POSEIDON16_CONSTRAINTS + POSEIDON2_CONSTRAINTS - 3 * constants;
}

/**
 * PackedInputHash(n) after --O2: ceil(ceil(n/7)/15) Poseidon(16) calls (at least one); the
 * packing is linear (free), and each constant input (the length n as the first state, the zero
 * padding words) saves its first-round S-box.
 */
export function packedInputHashConstraints(n: number): number {
  const words = Math.ceil(n / INPUTS_PER_WORD);
  const chunks = Math.max(1, Math.ceil(words / POSEIDON_CHUNK));
  const constants = 1 + (chunks * POSEIDON_CHUNK - words);
  return chunks * POSEIDON16_CONSTRAINTS - 3 * constants;
}

/** Everything compileCircuit derives from the model and run args; plain JSON. */
export type CompiledCircuit = {
  version: 1;
  settings: ZkSettings;
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[]; scale: number; index: boolean }[];
  graph: QuantGraphJson;
  layout: PublicSignalLayout;
  stats: {
    /** R1CS constraints after circom --O2 (from the gadget costs; equals snarkjs' count). */
    constraints: number;
    wires: number;
    params: number;
    maxBits: number;
    /** Proven bound on |dequantized output - exact float output| for inputs in input_range. */
    errorBound: number;
  };
  circom: {
    /** main.circom source. */
    main: string;
    /** Library files main.circom includes (ours and circomlib's), copied by writeCircomProject. */
    includes: string[];
  };
};

export type ModelAnalysis = {
  graph: QuantGraph;
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[]; scale: number; index: boolean }[];
  opset: number;
  constraints: number;
  maxBits: number;
  errorBound: number;
  layout: PublicSignalLayout;
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function publicLayoutFor(
  runArgs: ZkRunArgs,
  nInputs: number,
  nOutputs: number,
): PublicSignalLayout {
  const paramHash = runArgs.param_visibility === "hashed";
  const inputs =
    runArgs.input_visibility === "public" ? nInputs : runArgs.input_visibility === "hashed" ? 1 : 0;
  const outputs = runArgs.output_visibility === "public" ? nOutputs : 1;
  return { paramHash, inputs, outputs, total: (paramHash ? 1 : 0) + inputs + outputs };
}

/** Static input dims: a symbolic or open leading (batch) dimension becomes 1. */
function inputDims(name: string, shape: (number | string | null)[] | null): number[] {
  if (shape === null) {
    throw new ZkCompileError(`graph input "${name}" has no declared shape`);
  }
  return shape.map((d, i) => {
    if (typeof d === "number" && d >= 0) return d;
    if (i === 0) return 1;
    throw new ZkCompileError(
      `graph input "${name}" has a symbolic dimension ${i} (${String(d)}); only the batch dimension may be symbolic`,
    );
  });
}

/**
 * Quantizes the model under `runArgs`: the integer gadget graph, its bit widths, constraint count
 * and the proven error bound. No circom source (cheap enough to run per calibration candidate).
 */
export function analyzeModel(model: OnnxModel, runArgs: ZkRunArgs): ModelAnalysis {
  const S = runArgs.input_scale;
  const P = runArgs.param_scale;
  const opset =
    model.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 13;
  const initNames = new Set(model.graph.initializers.map((t) => t.name));
  const graphInputs = model.graph.inputs.filter((i) => !initNames.has(i.name));
  if (graphInputs.length === 0) throw new ZkCompileError("the model has no graph inputs");
  const inputs = graphInputs.map((i) => ({ name: i.name, dims: inputDims(i.name, i.shape) }));
  const nInputs = inputs.reduce((n, i) => n + i.dims.reduce((a, b) => a * b, 1), 0);

  const [flo, fhi] = runArgs.input_range;
  const inLo = quantizeValue(flo, S);
  const inBits = unsignedBits(quantizeValue(fhi, S) - inLo);
  // The circuit admits [inLo, inLo + 2^inBits): the analysis uses exactly what it enforces.
  const inHi = inLo + (1n << BigInt(inBits)) - 1n;
  const b = new CircuitBuilder(nInputs, inLo, inHi);
  b.node = "(inputs)";
  for (let i = 0; i < nInputs; i++) {
    b.ubits({ wires: [i], coefs: [1n], k: -inLo }, inBits);
  }
  if (runArgs.input_visibility === "hashed" && (inLo < INPUT_PACK_MIN || inHi > INPUT_PACK_MAX)) {
    throw new ZkCompileError(
      `input_visibility "hashed" packs each quantized input into 32 bits, but input_range ` +
        `[${flo}, ${fhi}] at input_scale ${S} admits [${inLo}, ${inHi}]: lower input_scale, ` +
        `narrow input_range or use input_visibility "public"`,
    );
  }
  const ctx: Ctx = { b, S, P, hashed: runArgs.param_visibility === "hashed", opset };

  const values = new Map<string, T>();
  for (const t of model.graph.initializers) {
    const r = fromOnnxTensor(t);
    values.set(t.name, { kind: "const", dims: r.dims, data: r.data, dataType: r.dataType });
  }
  const inErr = 2 ** -(S + 1);
  let wire = 0;
  for (const input of inputs) {
    const n = input.dims.reduce((a, c) => a * c, 1);
    const el: Elem[] = [];
    for (let i = 0; i < n; i++) {
      el.push({
        a: { wires: [wire++], coefs: [1n], k: 0n },
        lo: inLo,
        hi: inHi,
        flo,
        fhi,
        err: inErr,
      });
    }
    values.set(input.name, { kind: "var", dims: input.dims, scale: S, index: false, el });
  }

  const layers: QuantLayer[] = [];
  const pushLayer = (node: string, opType: string, start: number, t: T | undefined): void => {
    const gadgets = b.gadgets.slice(start);
    layers.push({
      node,
      opType,
      outDims: t ? [...t.dims] : [],
      scale: t?.kind === "var" ? t.scale : 0,
      maxBits: b.maxBits,
      constraints: gadgets.reduce((n, g) => n + gadgetConstraints(g), 0),
      gadgets: [start, b.gadgets.length],
    });
  };
  pushLayer("(inputs)", "Input", 0, undefined);

  for (const node of model.graph.nodes) {
    b.node = node.name;
    b.maxBits = 0;
    const start = b.gadgets.length;
    const ins = node.inputs.map((name) => {
      if (name === "") return undefined;
      const v = values.get(name);
      if (!v) {
        throw new ZkCompileError(`${node.opType}: input "${name}" is not defined`, {
          node: node.name,
        });
      }
      return v;
    });
    const out = applyNode(ctx, node, ins);
    const [first, ...rest] = node.outputs;
    if (rest.some((o) => o !== "")) {
      throw new ZkCompileError(`${node.opType}: only the first output is supported`, {
        node: node.name,
      });
    }
    if (first) values.set(first, out);
    pushLayer(node.name, node.opType, start, out);
  }

  b.node = "(outputs)";
  b.maxBits = 0;
  const outStart = b.gadgets.length;
  const finals = model.graph.outputs.map((o) => {
    const v = values.get(o.name);
    if (!v) throw new ZkCompileError(`graph output "${o.name}" is never produced`);
    const t = rescale(ctx, v.kind === "const" ? toVar(v as ConstT, S) : v);
    return { name: o.name, t };
  });
  pushLayer("(outputs)", "Output", outStart, undefined);

  const remap = b.finish();
  const outputs: QuantOutput[] = finals.map(({ name, t }) => {
    const v = t as Extract<T, { kind: "var" }>;
    return {
      name,
      dims: [...v.dims],
      scale: v.scale,
      index: v.index,
      elements: v.el.map((e) => remap(e.a)),
    };
  });
  let errorBound = 0;
  for (const { t } of finals) {
    if (t.kind === "var" && !t.index) {
      for (const e of t.el) errorBound = Math.max(errorBound, e.err);
    }
  }
  // Float rounding in the bound's own arithmetic is ~1e-16 relative; a 1e-9 margin covers it.
  errorBound *= 1 + 1e-9;

  const graph: QuantGraph = {
    nInputs,
    nParams: b.params.length,
    params: b.params,
    nWires: b.wireLo.length,
    inputLo: inLo,
    inputBits: inBits,
    gadgets: b.gadgets as Gadget[],
    outputs,
    layers,
    wireLo: b.wireLo,
    wireHi: b.wireHi,
  };
  const nOutputs = outputs.reduce((n, o) => n + o.elements.length, 0);
  const layout = publicLayoutFor(runArgs, nInputs, nOutputs);
  let constraints = b.gadgets.reduce((n, g) => n + gadgetConstraints(g), 0);
  if (layout.paramHash) constraints += poseidonVectorConstraints(graph.nParams);
  if (runArgs.input_visibility === "hashed") constraints += packedInputHashConstraints(nInputs);
  if (runArgs.output_visibility === "hashed") constraints += poseidonVectorConstraints(nOutputs);
  return {
    graph,
    inputs,
    outputs: outputs.map(({ name, dims, scale, index }) => ({ name, dims, scale, index })),
    opset,
    constraints,
    maxBits: layers.reduce((m, l) => Math.max(m, l.maxBits), 0),
    errorBound,
    layout,
  };
}

export function decodeModelBytes(model: Uint8Array): OnnxModel {
  if (!(model instanceof Uint8Array) || model.length === 0) {
    throw new InvalidParameterError({
      field: "model",
      expected: "the ONNX model's bytes (a non-empty Uint8Array)",
      received: model,
    });
  }
  // PyTorch exports compute pads and shapes in constant subgraphs (ConstantOfShape, Slice, ...):
  // fold them first so only the data path reaches the compiler.
  return foldConstants(decodeModel(model, "model"));
}

/** The settings fields that follow from an analysis (estimate, logrows, shapes, scales). */
export function settingsFromAnalysis(
  modelBytes: Uint8Array,
  runArgs: ZkRunArgs,
  a: ModelAnalysis,
  calibration: ZkSettings["calibration"],
): ZkSettings {
  return {
    version: 1,
    run_args: { ...runArgs, input_range: [...runArgs.input_range] },
    model: {
      sha256: sha256Hex(modelBytes),
      inputs: a.inputs.map((i) => ({ name: i.name, shape: i.dims })),
      outputs: a.outputs.map((o) => ({ name: o.name, shape: o.dims })),
      opset: a.opset,
    },
    model_input_scales: a.inputs.map(() => runArgs.input_scale),
    model_output_scales: a.outputs.map((o) => o.scale),
    num_constraints_estimate: a.constraints,
    logrows: logrowsFor(a.constraints, a.layout.total),
    calibration,
  };
}

/**
 * Compiles the model under `settings` into a circuit: the quantized gadget graph (what
 * runQuantized evaluates) and the circom source (what circom2 compiles). The settings must
 * belong to these model bytes (model.sha256).
 */
export function compileCircuit(model: Uint8Array, settings: ZkSettings): CompiledCircuit {
  const checked = parseSettings(settings);
  const digest = sha256Hex(model);
  if (checked.model.sha256 !== digest) {
    throw new InvalidParameterError({
      field: "settings.model.sha256",
      expected: `the sha256 of the model bytes (${digest})`,
      received: checked.model.sha256,
    });
  }
  const a = analyzeModel(decodeModelBytes(model), checked.run_args);
  const circom = generateCircom(a.graph, checked.run_args);
  return {
    version: 1,
    settings: {
      ...checked,
      num_constraints_estimate: a.constraints,
      logrows: logrowsFor(a.constraints, a.layout.total),
    },
    inputs: a.inputs,
    outputs: a.outputs,
    graph: graphToJson(a.graph),
    layout: a.layout,
    stats: {
      constraints: a.constraints,
      wires: a.graph.nWires,
      params: a.graph.nParams,
      maxBits: a.maxBits,
      errorBound: a.errorBound,
    },
    circom,
  };
}
