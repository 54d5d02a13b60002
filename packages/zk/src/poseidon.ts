import { poseidon2, poseidon16 } from "poseidon-lite";
import { toField } from "./field.js";

/** Elements absorbed per Poseidon(16) call; the 16th input carries the running state. */
export const POSEIDON_CHUNK = 15;

/**
 * Hash of a vector of field elements, identical to `PoseidonVector(n)` in
 * circuits/noosphere.circom: h = 0; for each chunk c of 15 (zero padded) h = Poseidon16([h, ...c]);
 * result Poseidon2([h, n]). Signed inputs are mapped into the field first (p - |x|). The length
 * in the last step keeps vectors that differ only by trailing zeros apart.
 */
export function poseidonHashVector(elements: readonly (bigint | number)[]): bigint {
  let h = 0n;
  for (let start = 0; start < elements.length; start += POSEIDON_CHUNK) {
    const chunk: bigint[] = [h];
    for (let i = 0; i < POSEIDON_CHUNK; i++) {
      const v = elements[start + i];
      chunk.push(v === undefined ? 0n : toField(BigInt(v)));
    }
    h = poseidon16(chunk);
  }
  return poseidon2([h, BigInt(elements.length)]);
}
