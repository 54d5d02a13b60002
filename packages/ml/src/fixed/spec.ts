// Program specs (ARITHMETIC.md §2): the bytes the referee's registerSpec takes, and their hash.
import { encodeAbiParameters, type Hex, keccak256 } from "viem";

/** kind 1: training an MLP nIn-nHidden-nOut with momentum SGD on a committed dataset. */
export type MlpTrainSpec = {
  kind: "mlp-train";
  nIn: number;
  nHidden: number;
  nOut: number;
  /** Minibatch size B. */
  batch: number;
  /** Training steps T (the program has T + 1 transitions: init, then T steps). */
  steps: number;
  /** Learning rate, Q16.16. */
  lrQ: number;
  /** Momentum, Q16.16. */
  muQ: number;
  seed: number;
  /** Uniform init half-widths, Q16.16. */
  initScaleW1Q: number;
  initScaleW2Q: number;
  /** Number of samples N in the dataset. */
  n: number;
  /** R10 root of the dataset tensor (N * stride elements). */
  dataRoot: Hex;
};

/** kind 2: MLP inference on `rows` inputs; the tensors are committed by their roots. */
export type MlpInferSpec = {
  kind: "mlp-infer";
  nIn: number;
  nHidden: number;
  nOut: number;
  rows: number;
  xRoot: Hex;
  w1Root: Hex;
  b1Root: Hex;
  w2Root: Hex;
  b2Root: Hex;
};

export type FixedSpec = MlpTrainSpec | MlpInferSpec;

export const SPEC_KIND = { "mlp-train": 1, "mlp-infer": 2 } as const;

function checkUint(name: string, x: number, min = 1): void {
  if (!Number.isSafeInteger(x) || x < min)
    throw new RangeError(`spec.${name} must be an integer >= ${min}, got ${x}`);
}
function checkInt32(name: string, x: number): void {
  if (!Number.isSafeInteger(x) || x < -2147483648 || x > 2147483647)
    throw new RangeError(`spec.${name} must be an int32 (Q16.16), got ${x}`);
}
function checkBytes32(name: string, x: string): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(x))
    throw new TypeError(`spec.${name} must be a 32-byte hex string, got ${x}`);
}

export function validateSpec(spec: FixedSpec): void {
  checkUint("nIn", spec.nIn);
  checkUint("nHidden", spec.nHidden);
  checkUint("nOut", spec.nOut);
  if (spec.kind === "mlp-train") {
    checkUint("batch", spec.batch);
    checkUint("steps", spec.steps);
    checkUint("n", spec.n);
    checkUint("seed", spec.seed, 0);
    checkInt32("lrQ", spec.lrQ);
    checkInt32("muQ", spec.muQ);
    checkInt32("initScaleW1Q", spec.initScaleW1Q);
    checkInt32("initScaleW2Q", spec.initScaleW2Q);
    checkBytes32("dataRoot", spec.dataRoot);
  } else if (spec.kind === "mlp-infer") {
    checkUint("rows", spec.rows);
    for (const k of ["xRoot", "w1Root", "b1Root", "w2Root", "b2Root"] as const)
      checkBytes32(k, spec[k]);
  } else {
    throw new TypeError(
      `spec.kind must be "mlp-train" or "mlp-infer", got ${(spec as { kind: string }).kind}`,
    );
  }
}

const u = { type: "uint256" } as const;
const i = { type: "int256" } as const;
const b = { type: "bytes32" } as const;

/** abi.encode of the spec tuple (ARITHMETIC.md §2). */
export function encodeSpec(spec: FixedSpec): Hex {
  validateSpec(spec);
  if (spec.kind === "mlp-train") {
    return encodeAbiParameters(
      [u, u, u, u, u, u, i, i, u, i, i, u, b],
      [
        1n,
        BigInt(spec.nIn),
        BigInt(spec.nHidden),
        BigInt(spec.nOut),
        BigInt(spec.batch),
        BigInt(spec.steps),
        BigInt(spec.lrQ),
        BigInt(spec.muQ),
        BigInt(spec.seed),
        BigInt(spec.initScaleW1Q),
        BigInt(spec.initScaleW2Q),
        BigInt(spec.n),
        spec.dataRoot,
      ],
    );
  }
  return encodeAbiParameters(
    [u, u, u, u, u, b, b, b, b, b],
    [
      2n,
      BigInt(spec.nIn),
      BigInt(spec.nHidden),
      BigInt(spec.nOut),
      BigInt(spec.rows),
      spec.xRoot,
      spec.w1Root,
      spec.b1Root,
      spec.w2Root,
      spec.b2Root,
    ],
  );
}

export function specHashOf(spec: FixedSpec): Hex {
  return keccak256(encodeSpec(spec));
}

/** Number of transitions n (states 0..n). */
export function numTransitions(spec: FixedSpec): number {
  return spec.kind === "mlp-train" ? spec.steps + 1 : 1;
}

/** Elements per dataset sample: 8 * ceil((nIn + 1) / 8). */
export function sampleStride(nIn: number): number {
  return 8 * Math.ceil((nIn + 1) / 8);
}
