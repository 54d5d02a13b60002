// R8: counter-based initialisation, w_i = floorDiv((int(u % 2^17) - 2^16) * scaleQ, 2^16),
// u = uint256(keccak256(abi.encode(uint256 seed, uint256 tensorId, uint256 i))).
import { floorDiv } from "./arith.js";
import { keccakInto, writeUint256 } from "./hash.js";

const msg = new Uint8Array(96);
const digest = new Uint8Array(32);

/** u % 2^17 of R8 (the low 17 bits of the hash). */
export function prngLow17(seed: number, tensorId: number, i: number): number {
  writeUint256(msg, 0, seed);
  writeUint256(msg, 32, tensorId);
  writeUint256(msg, 64, i);
  keccakInto(msg, 0, 96, digest, 0);
  return (
    (((digest[29] as number) & 1) << 16) | ((digest[30] as number) << 8) | (digest[31] as number)
  );
}

/** Element i of an R8-initialised tensor. */
export function initElement(seed: number, tensorId: number, i: number, scaleQ: number): number {
  return floorDiv((prngLow17(seed, tensorId, i) - 65536) * scaleQ, 65536);
}

/** A whole R8 tensor of n elements. */
export function initTensor(seed: number, tensorId: number, n: number, scaleQ: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = initElement(seed, tensorId, i, scaleQ);
  return out;
}
