import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import { InvalidParameterError } from "../../errors.js";
import type { coprocessorCoordinatorAbi } from "../../generated/abis.js";
import type { EventArgs } from "../../internal/write.js";
import { FIELD_MODULUS } from "../zk/types.js";

/** How a delivery is checked (the contract's `CoprocessorVerification` enum, in order). */
export const COPROCESSOR_VERIFICATIONS = ["none", "redundant", "zk", "optimistic"] as const;
export type CoprocessorVerification = (typeof COPROCESSOR_VERIFICATIONS)[number];

/** Where an interval stands (the contract's `Status` enum, in order). */
export const COPROCESSOR_STATUSES = [
  "none",
  "pending",
  "delivered",
  "disputed",
  "refunded",
  /** Optimistic: delivered with a bonded claim; settled by `settleOptimisticInference` after the window. */
  "verifying",
] as const;
export type CoprocessorStatus = (typeof COPROCESSOR_STATUSES)[number];

/** An input: inline fixed-point values (at the model's input scale), or a CID plus its hash. */
export type CoprocessorInput = {
  values?: readonly bigint[];
  /**
   * The input hash a zk proof must state. Omit for a public-input model (computed on chain) or a
   * non-zk request; for a hashed-input zk model, the packed Poseidon input commitment
   * (`poseidonHashInputs` of @noosphere/zk) of the values.
   */
  hash?: Hex;
  cid?: string;
};

/** An output: inline values, or a CID plus its hash. */
export type CoprocessorOutput = { values: readonly bigint[]; hash: Hex; cid: string };

/** A request as the coordinator committed it (from `RequestCreated`); `deliver` takes it back. */
export type CoprocessorRequest = EventArgs<
  typeof coprocessorCoordinatorAbi,
  "RequestCreated"
>["request"];

const ZERO_HASH = `0x${"0".repeat(64)}` as Hex;

export function verificationIndex(v: CoprocessorVerification): number {
  const i = COPROCESSOR_VERIFICATIONS.indexOf(v);
  if (i < 0) {
    throw new InvalidParameterError({
      field: "verification",
      expected: COPROCESSOR_VERIFICATIONS.join(" | "),
      received: v,
    });
  }
  return i;
}

export function verificationName(i: number): CoprocessorVerification {
  return COPROCESSOR_VERIFICATIONS[i] ?? "none";
}

export function statusName(i: number): CoprocessorStatus {
  return COPROCESSOR_STATUSES[i] ?? "none";
}

/** Shapes an input as the contract's struct (errors name the field). */
export function toInputStruct(input: CoprocessorInput) {
  const values = input.values ?? [];
  if (values.length === 0 && !input.hash) {
    throw new InvalidParameterError({
      field: "input",
      expected: "inline values or a CID with its hash",
      received: input,
    });
  }
  return { values: [...values], hash: input.hash ?? ZERO_HASH, cid: input.cid ?? "" };
}

/** Shapes an output as the contract's struct. */
export function toOutputStruct(output: {
  values?: readonly bigint[];
  hash?: Hex;
  cid?: string;
}): CoprocessorOutput {
  return {
    values: [...(output.values ?? [])],
    hash: output.hash ?? ZERO_HASH,
    cid: output.cid ?? "",
  };
}

/** x mapped into the BN254 field, as the coordinator and the circuits do. */
export function signedToField(x: bigint): bigint {
  const r = x % FIELD_MODULUS;
  return r < 0n ? r + FIELD_MODULUS : r;
}

/** keccak256 of the field-mapped values packed as 32-byte words (`inputHashOf` / `outputHashOf`). */
export function hashFieldValues(values: readonly bigint[]): Hex {
  if (values.length === 0) return keccak256("0x");
  return keccak256(
    encodeAbiParameters(
      values.map(() => ({ type: "uint256" })),
      values.map(signedToField),
    ),
  );
}

/** The hash the coordinator agrees on for an output (values if any, else `hash`). */
export function coprocessorOutputHash(output: { values?: readonly bigint[]; hash?: Hex }): Hex {
  return output.values && output.values.length > 0
    ? hashFieldValues(output.values)
    : (output.hash ?? ZERO_HASH);
}

/** `deliver`'s zk proof bytes: abi.encode(uint256[8] proof, uint256[] publicSignals). */
export function encodeCoprocessorProof(
  proof: readonly bigint[],
  publicSignals: readonly bigint[],
): Hex {
  if (proof.length !== 8) {
    throw new InvalidParameterError({
      field: "proof",
      expected: "8 words",
      received: proof.length,
    });
  }
  return encodeAbiParameters(
    [{ type: "uint256[8]" }, { type: "uint256[]" }],
    [
      proof as unknown as readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint],
      [...publicSignals],
    ],
  );
}
