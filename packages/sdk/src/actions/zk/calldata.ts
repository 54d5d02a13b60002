import { InvalidParameterError } from "../../errors.js";

/** A Groth16 proof as snarkjs writes it (proof.json): coordinates as decimal strings. */
export type SnarkjsGroth16Proof = {
  pi_a: readonly (string | bigint)[];
  pi_b: readonly (readonly (string | bigint)[])[];
  pi_c: readonly (string | bigint)[];
  protocol?: string;
  curve?: string;
};

/** A proof as the verifier takes it: [a0, a1, b00, b01, b10, b11, c0, c1]. */
export type Groth16Calldata = readonly [
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
];

/** BN254 base field modulus: every proof coordinate is below it. */
const BASE_FIELD_MODULUS =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/**
 * A snarkjs Groth16 proof in the uint256[8] order of `exportSolidityCallData` and of
 * ProofRegistry.verifyAndRecord: pA, then pB with each inner pair swapped (the EVM pairing
 * precompile takes Fp2 elements as (imaginary, real); snarkjs stores (real, imaginary)), then pC.
 * The projective third coordinates (always 1 in snarkjs output) are dropped.
 */
export function groth16ProofToCalldata(proof: SnarkjsGroth16Proof): Groth16Calldata {
  if (proof.protocol !== undefined && proof.protocol !== "groth16") {
    throw new InvalidParameterError({
      field: "proof.protocol",
      expected: '"groth16"',
      received: proof.protocol,
    });
  }
  if (proof.curve !== undefined && proof.curve !== "bn128" && proof.curve !== "bn254") {
    throw new InvalidParameterError({
      field: "proof.curve",
      expected: '"bn128" (BN254)',
      received: proof.curve,
    });
  }
  const at = (value: unknown, field: string): bigint => {
    let v: bigint | undefined;
    try {
      if (typeof value === "bigint") v = value;
      else if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) {
        v = BigInt(value);
      }
    } catch {
      v = undefined;
    }
    if (v === undefined || v < 0n || v >= BASE_FIELD_MODULUS) {
      throw new InvalidParameterError({
        field,
        expected: "a BN254 base-field coordinate as a decimal string or bigint",
        received: value,
      });
    }
    return v;
  };
  const b0 = proof.pi_b?.[0];
  const b1 = proof.pi_b?.[1];
  return [
    at(proof.pi_a?.[0], "proof.pi_a[0]"),
    at(proof.pi_a?.[1], "proof.pi_a[1]"),
    at(b0?.[1], "proof.pi_b[0][1]"),
    at(b0?.[0], "proof.pi_b[0][0]"),
    at(b1?.[1], "proof.pi_b[1][1]"),
    at(b1?.[0], "proof.pi_b[1][0]"),
    at(proof.pi_c?.[0], "proof.pi_c[0]"),
    at(proof.pi_c?.[1], "proof.pi_c[1]"),
  ];
}

/** A proof given either way: snarkjs JSON or the 8 calldata words. */
export type Groth16ProofInput = SnarkjsGroth16Proof | readonly bigint[];

/** `groth16ProofToCalldata` for snarkjs JSON; checks length and range for 8 words. */
export function toGroth16Calldata(proof: Groth16ProofInput): Groth16Calldata {
  if (!Array.isArray(proof)) return groth16ProofToCalldata(proof as SnarkjsGroth16Proof);
  const words = proof as readonly bigint[];
  if (
    words.length !== 8 ||
    words.some((w) => typeof w !== "bigint" || w < 0n || w >= BASE_FIELD_MODULUS)
  ) {
    throw new InvalidParameterError({
      field: "proof",
      expected: "8 base-field words [a0, a1, b00, b01, b10, b11, c0, c1] or a snarkjs proof",
      received: proof,
    });
  }
  return words as unknown as Groth16Calldata;
}
