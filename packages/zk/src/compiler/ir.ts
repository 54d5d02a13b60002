// The quantized graph: integer wires and gadgets. Both the circom generator and the bigint
// evaluator (runQuantized) walk the same gadget list, so circuit and reference agree bit for bit.
//
// Wire ids: [0, nInputs) are the circuit inputs `in[i]`; [nInputs, nInputs + nParams) the
// parameters `params[j]` (param_visibility "hashed" only); the rest are `w[k]`.

/** sum(coefs[i] * wire[wires[i]]) + k over the integers. */
export type Affine = { wires: number[]; coefs: bigint[]; k: bigint };

export type Gadget =
  /** x in [0, 2^bits) (input range checks). */
  | { op: "ubits"; x: Affine; bits: number }
  /**
   * out = floor(x / d), remainder x - out*d in [0, d), out in B signed bits; pos = [out >= 0].
   */
  | { op: "div"; x: Affine; d: bigint; B: number; out: number; pos: number }
  /** pos = [x >= 0], x in B signed bits. */
  | { op: "sign"; x: Affine; B: number; pos: number }
  /** out = a * b + c. */
  | { op: "mul"; a: Affine; b: Affine; c: Affine; out: number };

export type QuantOutput = {
  name: string;
  dims: number[];
  /** Fixed-point scale of the values (0 for indices). */
  scale: number;
  /** ArgMax results: integers, not fixed-point reals. */
  index: boolean;
  /** One affine expression per element (row-major). */
  elements: Affine[];
};

export type QuantLayer = {
  node: string;
  opType: string;
  outDims: number[];
  scale: number;
  /** Widest range check (bits) in this layer, 0 if none. */
  maxBits: number;
  constraints: number;
  gadgets: [number, number];
};

export type QuantGraph = {
  nInputs: number;
  nParams: number;
  /** Quantized parameter values (hashed params), in hash order. */
  params: bigint[];
  /** Total wires (inputs + params + internal). */
  nWires: number;
  /** Input range enforced by the circuit: q in [inputLo, inputLo + 2^inputBits). */
  inputLo: bigint;
  inputBits: number;
  gadgets: Gadget[];
  outputs: QuantOutput[];
  layers: QuantLayer[];
  /** Integer bounds of every wire (honest witnesses of in-range inputs stay inside). */
  wireLo: bigint[];
  wireHi: bigint[];
};

// JSON form (bigints as decimal strings) so CompiledCircuit survives JSON.stringify/parse.
type AffineJson = { w: number[]; c: string[]; k: string };
type GadgetJson =
  | { op: "ubits"; x: AffineJson; bits: number }
  | { op: "div"; x: AffineJson; d: string; B: number; out: number; pos: number }
  | { op: "sign"; x: AffineJson; B: number; pos: number }
  | { op: "mul"; a: AffineJson; b: AffineJson; c: AffineJson; out: number };

export type QuantGraphJson = {
  nInputs: number;
  nParams: number;
  params: string[];
  nWires: number;
  inputLo: string;
  inputBits: number;
  gadgets: GadgetJson[];
  outputs: (Omit<QuantOutput, "elements"> & { elements: AffineJson[] })[];
  layers: QuantLayer[];
  wireLo: string[];
  wireHi: string[];
};

const affToJson = (a: Affine): AffineJson => ({
  w: a.wires,
  c: a.coefs.map(String),
  k: String(a.k),
});
const affFromJson = (a: AffineJson): Affine => ({
  wires: a.w,
  coefs: a.c.map(BigInt),
  k: BigInt(a.k),
});

function gadgetToJson(x: Gadget): GadgetJson {
  if (x.op === "ubits") return { op: "ubits", x: affToJson(x.x), bits: x.bits };
  if (x.op === "div") {
    return { op: "div", x: affToJson(x.x), d: String(x.d), B: x.B, out: x.out, pos: x.pos };
  }
  if (x.op === "sign") return { op: "sign", x: affToJson(x.x), B: x.B, pos: x.pos };
  return { op: "mul", a: affToJson(x.a), b: affToJson(x.b), c: affToJson(x.c), out: x.out };
}

function gadgetFromJson(x: GadgetJson): Gadget {
  if (x.op === "ubits") return { op: "ubits", x: affFromJson(x.x), bits: x.bits };
  if (x.op === "div") {
    return { op: "div", x: affFromJson(x.x), d: BigInt(x.d), B: x.B, out: x.out, pos: x.pos };
  }
  if (x.op === "sign") return { op: "sign", x: affFromJson(x.x), B: x.B, pos: x.pos };
  return { op: "mul", a: affFromJson(x.a), b: affFromJson(x.b), c: affFromJson(x.c), out: x.out };
}

export function graphToJson(g: QuantGraph): QuantGraphJson {
  return {
    nInputs: g.nInputs,
    nParams: g.nParams,
    params: g.params.map(String),
    nWires: g.nWires,
    inputLo: String(g.inputLo),
    inputBits: g.inputBits,
    gadgets: g.gadgets.map(gadgetToJson),
    outputs: g.outputs.map((o) => ({ ...o, elements: o.elements.map(affToJson) })),
    layers: g.layers,
    wireLo: g.wireLo.map(String),
    wireHi: g.wireHi.map(String),
  };
}

export function graphFromJson(j: QuantGraphJson): QuantGraph {
  return {
    nInputs: j.nInputs,
    nParams: j.nParams,
    params: j.params.map(BigInt),
    nWires: j.nWires,
    inputLo: BigInt(j.inputLo),
    inputBits: j.inputBits,
    gadgets: j.gadgets.map(gadgetFromJson),
    outputs: j.outputs.map((o) => ({ ...o, elements: o.elements.map(affFromJson) })),
    layers: j.layers,
    wireLo: j.wireLo.map(BigInt),
    wireHi: j.wireHi.map(BigInt),
  };
}

/** Constraints a gadget costs after circom --O2 (linear constraints are substituted away). */
export function gadgetConstraints(g: Gadget): number {
  switch (g.op) {
    case "ubits":
      return g.bits;
    case "sign":
      return g.B;
    case "div": {
      const k = remainderBits(g.d);
      const pow2 = (g.d & (g.d - 1n)) === 0n;
      return g.d === 1n ? 0 : g.B + (pow2 ? k : 2 * k);
    }
    case "mul":
      return isConstant(g.a) || isConstant(g.b) ? 0 : 1;
  }
}

/** k with 2^(k-1) < d <= 2^k: bits of a remainder in [0, d). */
export function remainderBits(d: bigint): number {
  let k = 0;
  while (1n << BigInt(k) < d) k++;
  return k;
}

export const isConstant = (a: Affine): boolean => a.wires.length === 0;
