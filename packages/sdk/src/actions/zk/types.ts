import { concat, encodeAbiParameters, type Hex, keccak256, toHex } from "viem";
import { InvalidParameterError } from "../../errors.js";

/** BN254 scalar field modulus: every public signal is below it. */
export const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Most public signals a model may have (ModelRegistry.MAX_SIGNALS). */
export const MAX_PUBLIC_SIGNALS = 64;

/** How the input appears among the public signals (EZKL's input_visibility). */
export type InputVisibility = "private" | "hashed" | "public";
/** How the output appears among the public signals (EZKL's output_visibility). */
export type OutputVisibility = "public" | "hashed";
/** How the weights are bound to the proof (EZKL's param_visibility). */
export type ParamVisibility = "fixed" | "hashed";

export const inputVisibilities = ["private", "hashed", "public"] as const;
export const outputVisibilities = ["public", "hashed"] as const;

/**
 * Layout of a model's public signals, in order: `[param_hash]?` ++ input signals ++ output signals.
 * Private input: 0 input signals; hashed: 1; public: one per element. Hashed output: 1; public: one
 * per element.
 */
export type ModelLayout = {
  hasParamHash: boolean;
  inputVisibility: InputVisibility;
  inputSignals: number;
  outputVisibility: OutputVisibility;
  outputSignals: number;
};

/** The layout as the contract's `Layout` struct takes it. */
export type ContractLayout = {
  hasParamHash: boolean;
  inputSignals: number;
  outputSignals: number;
  inputVisibility: number;
  outputVisibility: number;
};

/**
 * A layout from the settings' visibilities and the model's element counts (the number of input
 * and output elements, i.e. the flattened tensor sizes).
 */
export function modelLayout(params: {
  inputVisibility: InputVisibility;
  outputVisibility: OutputVisibility;
  paramVisibility: ParamVisibility;
  inputElements: number;
  outputElements: number;
}): ModelLayout {
  const layout: ModelLayout = {
    hasParamHash: params.paramVisibility === "hashed",
    inputVisibility: params.inputVisibility,
    inputSignals:
      params.inputVisibility === "private"
        ? 0
        : params.inputVisibility === "hashed"
          ? 1
          : params.inputElements,
    outputVisibility: params.outputVisibility,
    outputSignals: params.outputVisibility === "hashed" ? 1 : params.outputElements,
  };
  validateLayout(layout);
  return layout;
}

/** Number of public signals of a layout. */
export function signalCount(layout: ModelLayout): number {
  return (layout.hasParamHash ? 1 : 0) + layout.inputSignals + layout.outputSignals;
}

/** Checks a layout as ModelRegistry does; throws InvalidParameterError naming the field. */
export function validateLayout(layout: ModelLayout, field = "layout"): void {
  if (!inputVisibilities.includes(layout.inputVisibility)) {
    throw new InvalidParameterError({
      field: `${field}.inputVisibility`,
      expected: `one of ${inputVisibilities.join(", ")}`,
      received: layout.inputVisibility,
    });
  }
  if (!outputVisibilities.includes(layout.outputVisibility)) {
    throw new InvalidParameterError({
      field: `${field}.outputVisibility`,
      expected: `one of ${outputVisibilities.join(", ")}`,
      received: layout.outputVisibility,
    });
  }
  const expectedInputs =
    layout.inputVisibility === "private"
      ? { ok: layout.inputSignals === 0, text: "0 for a private input" }
      : layout.inputVisibility === "hashed"
        ? { ok: layout.inputSignals === 1, text: "1 for a hashed input" }
        : { ok: layout.inputSignals >= 1, text: "at least 1 for a public input" };
  if (!Number.isInteger(layout.inputSignals) || !expectedInputs.ok) {
    throw new InvalidParameterError({
      field: `${field}.inputSignals`,
      expected: expectedInputs.text,
      received: layout.inputSignals,
    });
  }
  const expectedOutputs =
    layout.outputVisibility === "hashed"
      ? { ok: layout.outputSignals === 1, text: "1 for a hashed output" }
      : { ok: layout.outputSignals >= 1, text: "at least 1 for a public output" };
  if (!Number.isInteger(layout.outputSignals) || !expectedOutputs.ok) {
    throw new InvalidParameterError({
      field: `${field}.outputSignals`,
      expected: expectedOutputs.text,
      received: layout.outputSignals,
    });
  }
  const total = signalCount(layout);
  if (total > MAX_PUBLIC_SIGNALS) {
    throw new InvalidParameterError({
      field,
      expected: `at most ${MAX_PUBLIC_SIGNALS} public signals in all (hash large inputs or outputs)`,
      received: total,
    });
  }
}

export function toContractLayout(layout: ModelLayout): ContractLayout {
  return {
    hasParamHash: layout.hasParamHash,
    inputSignals: layout.inputSignals,
    outputSignals: layout.outputSignals,
    inputVisibility: inputVisibilities.indexOf(layout.inputVisibility),
    outputVisibility: outputVisibilities.indexOf(layout.outputVisibility),
  };
}

export function fromContractLayout(layout: ContractLayout): ModelLayout {
  const inputVisibility = inputVisibilities[layout.inputVisibility];
  const outputVisibility = outputVisibilities[layout.outputVisibility];
  if (!inputVisibility || !outputVisibility) {
    throw new InvalidParameterError({
      field: "layout",
      expected: "visibility enums known to this SDK",
      received: layout,
    });
  }
  return {
    hasParamHash: layout.hasParamHash,
    inputVisibility,
    inputSignals: layout.inputSignals,
    outputVisibility,
    outputSignals: layout.outputSignals,
  };
}

/**
 * Public signals as bigints: accepts snarkjs' decimal strings, 0x hex, numbers or bigints, and
 * checks each is a field element.
 */
export function toPublicSignals(
  signals: readonly (bigint | string | number)[],
  field = "publicSignals",
): bigint[] {
  if (!Array.isArray(signals) || signals.length > MAX_PUBLIC_SIGNALS) {
    throw new InvalidParameterError({
      field,
      expected: `an array of at most ${MAX_PUBLIC_SIGNALS} field elements`,
      received: Array.isArray(signals) ? `${signals.length} elements` : signals,
    });
  }
  return signals.map((s, i) => toFieldElement(s, `${field}[${i}]`));
}

/** One field element (0 <= x < FIELD_MODULUS) from a bigint, number, decimal or 0x string. */
export function toFieldElement(value: bigint | string | number, field: string): bigint {
  let v: bigint | undefined;
  try {
    if (typeof value === "bigint") v = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
    else if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value))
      v = BigInt(value);
  } catch {
    v = undefined;
  }
  if (v === undefined || v < 0n || v >= FIELD_MODULUS) {
    throw new InvalidParameterError({
      field,
      expected:
        "a BN254 field element (integer, 0 <= x < 21888...5617), as bigint or decimal string",
      received: value,
    });
  }
  return v;
}

/** keccak256 of field elements packed as 32-byte words (ProofRegistry's hash of public inputs/outputs). */
export function hashSignals(values: readonly bigint[]): Hex {
  return keccak256(values.length ? concat(values.map((v) => toHex(v, { size: 32 }))) : "0x");
}

/** ProofRegistry's record id: keccak256(abi.encode(modelId, inputHash, outputHash)). */
export function inferenceRecordId(modelId: bigint, inputHash: Hex, outputHash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "bytes32" }, { type: "bytes32" }],
      [modelId, inputHash, outputHash],
    ),
  );
}

/**
 * The statement of a proof, computed locally as ProofRegistry does: inputHash is the hashed-input
 * signal, keccak256 of the public inputs, or zero (private input); outputHash is the hashed-output
 * signal or keccak256 of the public outputs.
 */
export function proofStatement(
  layout: ModelLayout,
  publicSignals: readonly bigint[],
): { inputHash: Hex; outputHash: Hex; outputs: bigint[] } {
  const expected = signalCount(layout);
  if (publicSignals.length !== expected) {
    throw new InvalidParameterError({
      field: "publicSignals",
      expected: `${expected} signals for this layout`,
      received: publicSignals.length,
    });
  }
  const inputStart = layout.hasParamHash ? 1 : 0;
  const outputStart = inputStart + layout.inputSignals;
  const inputs = publicSignals.slice(inputStart, outputStart);
  const outputs = publicSignals.slice(outputStart);
  const word = (v: bigint) => toHex(v, { size: 32 });
  const inputHash =
    layout.inputVisibility === "private"
      ? word(0n)
      : layout.inputVisibility === "hashed"
        ? word(inputs[0] ?? 0n)
        : hashSignals(inputs);
  const outputHash =
    layout.outputVisibility === "hashed" ? word(outputs[0] ?? 0n) : hashSignals(outputs);
  return { inputHash, outputHash, outputs };
}
