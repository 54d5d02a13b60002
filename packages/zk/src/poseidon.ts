import { poseidon2, poseidon16 } from "poseidon-lite";
import { toField } from "./field.js";

/** Elements absorbed per Poseidon(16) call; the 16th input carries the running state. */
export const POSEIDON_CHUNK = 15;

/**
 * Hash of a vector of field elements, identical to `PoseidonVector(n)` in
 * circuits/noosphere_hash.circom: h = 0; for each chunk c of 15 (zero padded) h = Poseidon16([h, ...c]);
 * result Poseidon2([h, n]). Signed inputs are mapped into the field first (p - |x|). The length
 * in the last step keeps vectors that differ only by trailing zeros apart. Used for the parameter
 * and output commitments (values of any size); the input commitment is poseidonHashInputs.
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

/** Bits per packed input: each quantized input x is stored as the 32-bit word x + 2^31. */
export const INPUT_PACK_BITS = 32;
/** Packed inputs per field element (7 x 32 = 224 bits < the 254-bit field). */
export const INPUTS_PER_WORD = 7;
/** Quantized inputs a hashed-input commitment accepts: [-2^31, 2^31). */
export const INPUT_PACK_MIN = -(1n << BigInt(INPUT_PACK_BITS - 1));
export const INPUT_PACK_MAX = (1n << BigInt(INPUT_PACK_BITS - 1)) - 1n;

/**
 * The quantized inputs packed 7 to a field element: word j = Σ_k (x[7j + k] + 2^31) · 2^(32k)
 * (the last word holds the remainder). Injective on [-2^31, 2^31): the circuit range-checks every
 * input to a narrower interval before packing (compileCircuit refuses an input range that does not
 * fit). Throws a RangeError for a value outside.
 */
export function packInputs(values: readonly (bigint | number)[]): bigint[] {
  const words: bigint[] = [];
  const offset = 1n << BigInt(INPUT_PACK_BITS - 1);
  for (let start = 0; start < values.length; start += INPUTS_PER_WORD) {
    let word = 0n;
    const end = Math.min(start + INPUTS_PER_WORD, values.length);
    for (let i = end - 1; i >= start; i--) {
      const x = BigInt(values[i] as bigint | number);
      if (x < INPUT_PACK_MIN || x > INPUT_PACK_MAX) {
        throw new RangeError(
          `input ${i} (${x} at the input scale) is outside the hashed-input range [-2^31, 2^31)`,
        );
      }
      word = (word << BigInt(INPUT_PACK_BITS)) | (x + offset);
    }
    words.push(word);
  }
  return words;
}

/**
 * The input commitment of a hashed-input circuit (`in_hash`, what a coprocessor request and a
 * proof's statement carry), identical to `PackedInputHash(n)` in circuits/noosphere_hash.circom:
 * the n quantized inputs packed 7 to a word (packInputs); h = n; for each chunk c of 15 words
 * (zero padded; at least one chunk) h = Poseidon16([h, ...c]); the result is h. The length n as
 * the starting state keeps inputs that differ only by trailing zeros apart. A 64-pixel input is
 * 10 words: one Poseidon(16) (~600 constraints instead of ~3250 for poseidonHashVector).
 */
export function poseidonHashInputs(values: readonly (bigint | number)[]): bigint {
  const words = packInputs(values);
  let h = BigInt(values.length);
  const chunks = Math.max(1, Math.ceil(words.length / POSEIDON_CHUNK));
  for (let c = 0; c < chunks; c++) {
    const chunk: bigint[] = [h];
    for (let i = 0; i < POSEIDON_CHUNK; i++) chunk.push(words[c * POSEIDON_CHUNK + i] ?? 0n);
    h = poseidon16(chunk);
  }
  return h;
}
