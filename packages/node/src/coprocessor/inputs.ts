// Coprocessor inputs by CID (Infernet's off-chain inputs, issue 10: "a CID plus its hash for large
// inputs"). The content under the CID is the EZKL input JSON a user passes to `noos coprocessor
// request --input` ({"input_data": [[floats...]]}); it is quantized at the model's input scale
// exactly as an inline input is, and the request's `input.hash` binds the quantized values:
//   - zk: the statement's input hash, i.e. what the proof states as its input: the packed Poseidon
//     input commitment for a hashed-input circuit (@noosphere/zk poseidonHashInputs), keccak256 of the
//     field-mapped values packed as words for a public-input circuit (the coordinator's inputHashOf,
//     ProofRegistry's hash of public input signals). The proof is then checked on chain against it.
//   - none / redundant: the coordinator's inputHashOf (keccak256, as for an inline non-zk input);
//     a node also accepts the Poseidon hash (both bind the content).
// A node that fetches content whose hash is not the request's declines it.
import { BaseError } from "@noosphere/sdk";
import { poseidonHashInputs, quantizeValue } from "@noosphere/zk";
import { encodeAbiParameters, type Hex, keccak256, padHex, toHex } from "viem";

const FIELD_P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** An int as the BN254 field element the circuit sees (x < 0: p - |x|). */
export const toFieldWord = (x: bigint) => ((x % FIELD_P) + FIELD_P) % FIELD_P;

/** keccak256 of the field-mapped values packed as 32-byte words (the coordinator's inputHashOf). */
export function fieldInputHash(values: readonly bigint[]): Hex {
  return keccak256(
    encodeAbiParameters(
      values.map(() => ({ type: "uint256" })),
      values.map(toFieldWord),
    ),
  );
}

/** The input commitment (poseidonHashInputs) as 32 bytes: what a hashed-input circuit states. */
export function poseidonInputHash(values: readonly bigint[]): Hex {
  return padHex(toHex(poseidonHashInputs(values)), { size: 32 });
}

/**
 * The hash a request must carry for `values`: the zk statement's input hash for a zk request
 * (Poseidon for a hashed-input circuit, keccak for a public-input one), else inputHashOf (keccak).
 */
export function requestInputHash(
  values: readonly bigint[],
  zk: { inputVisibility: string } | undefined,
): Hex {
  return zk?.inputVisibility === "hashed" ? poseidonInputHash(values) : fieldInputHash(values);
}

/** Reads EZKL input JSON bytes into the flat float input. */
export function parseInputContent(bytes: Uint8Array): number[] {
  let data: { input_data?: unknown };
  try {
    data = JSON.parse(Buffer.from(bytes).toString("utf8")) as { input_data?: unknown };
  } catch {
    throw new BaseError('The input content is not JSON ({"input_data": [[numbers...]]}).');
  }
  const rows = data.input_data;
  if (
    !Array.isArray(rows) ||
    !rows.every(
      (r) => Array.isArray(r) && r.every((v) => typeof v === "number" && Number.isFinite(v)),
    )
  ) {
    throw new BaseError(
      'The input content is not EZKL input JSON ({"input_data": [[numbers...]]}).',
    );
  }
  return (rows as number[][]).flat();
}

/** Quantizes a flat float input at the model's input scale (as an inline input is). */
export function quantizeInput(flat: readonly number[], inputs: number, scale: number): bigint[] {
  if (flat.length !== inputs) {
    throw new BaseError(`The input has ${flat.length} numbers; the model takes ${inputs}.`);
  }
  return flat.map((x) => quantizeValue(x, scale));
}
