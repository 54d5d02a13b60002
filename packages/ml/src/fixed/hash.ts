// keccak256 over short byte strings (one 136-byte block) without allocations: the Merkle trees and the
// Feistel rounds hash hundreds of thousands of 64- and 96-byte messages per training run.
import { keccak_256 } from "@noble/hashes/sha3";
import type { Hex } from "viem";
import { keccakF1600 } from "./keccakf.js";

const state8 = new Uint8Array(200);
const state32 = new Uint32Array(state8.buffer);
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** keccak256(input[inOff, inOff + len)) written to out[outOff, outOff + 32). len < 136. */
export function keccakInto(
  input: Uint8Array,
  inOff: number,
  len: number,
  out: Uint8Array,
  outOff: number,
): void {
  if (!littleEndian || len >= 136) {
    out.set(keccak_256(input.subarray(inOff, inOff + len)), outOff);
    return;
  }
  state32.fill(0);
  state8.set(input.subarray(inOff, inOff + len));
  state8[len] = (state8[len] as number) ^ 0x01;
  state8[135] = (state8[135] as number) ^ 0x80;
  keccakF1600(state32);
  out.set(state8.subarray(0, 32), outOff);
}

/** keccak256 of any byte string (multi-block absorb with the unrolled permutation). */
export function keccakBytes(input: Uint8Array): Uint8Array {
  if (!littleEndian) return keccak_256(input);
  state32.fill(0);
  let off = 0;
  while (input.length - off >= 136) {
    for (let i = 0; i < 136; i++) state8[i] = (state8[i] as number) ^ (input[off + i] as number);
    keccakF1600(state32);
    off += 136;
  }
  const rest = input.length - off;
  for (let i = 0; i < rest; i++) state8[i] = (state8[i] as number) ^ (input[off + i] as number);
  state8[rest] = (state8[rest] as number) ^ 0x01;
  state8[135] = (state8[135] as number) ^ 0x80;
  keccakF1600(state32);
  return state8.slice(0, 32);
}

const hexChars = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array, off = 0, len = bytes.length - off): Hex {
  let s = "0x";
  for (let i = off; i < off + len; i++) s += hexChars[bytes[i] as number];
  return s as Hex;
}

export function fromHex(hex: string): Uint8Array {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h))
    throw new TypeError(`fromHex: not a hex string: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Writes a non-negative integer (< 2^53) as a big-endian uint256 word at out[off, off + 32). */
export function writeUint256(out: Uint8Array, off: number, x: number): void {
  out.fill(0, off, off + 32);
  let v = x;
  for (let i = 31; i >= 24 && v > 0; i--) {
    out[off + i] = v % 256;
    v = Math.floor(v / 256);
  }
}
