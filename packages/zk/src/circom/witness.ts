import { open, readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { FIELD_P } from "../field.js";

// Witness helpers over snarkjs. snarkjs (ffjavascript) starts worker threads the first time a
// curve is built (wtns.check, proving); call terminateSnarkjs() when done or the process (and
// vitest) will not exit.

const silent: snarkjs.Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs the circuit's WASM witness generator on `inputs` and writes `wtnsFile`. */
export async function calculateWitnessFile(
  wasmFile: string,
  inputs: Record<string, unknown>,
  wtnsFile: string,
): Promise<void> {
  await snarkjs.wtns.calculate(inputs, wasmFile, wtnsFile);
}

/** All witness values; index 0 is the constant 1, then public outputs, public inputs, the rest. */
export async function readWitness(wtnsFile: string): Promise<bigint[]> {
  return (await snarkjs.wtns.exportJson(wtnsFile)).map((x) => BigInt(x));
}

/** True iff the witness satisfies every R1CS constraint. */
export async function checkWitness(r1csFile: string, wtnsFile: string): Promise<boolean> {
  return snarkjs.wtns.check(r1csFile, wtnsFile, silent);
}

/** Public signals as a proof carries them: witness[1 .. 1 + n] (outputs of main come first). */
export function publicSignalsOf(witness: readonly bigint[], n: number): bigint[] {
  return witness.slice(1, 1 + n);
}

/**
 * Writes a .wtns file (iden3 binary, version 2) from values; used to test that forged witnesses
 * are rejected.
 */
export async function writeWitness(wtnsFile: string, values: readonly bigint[]): Promise<void> {
  const n8 = 32;
  const header = Buffer.alloc(4 + n8 + 4);
  header.writeUInt32LE(n8, 0);
  writeLe(header, 4, FIELD_P, n8);
  header.writeUInt32LE(values.length, 4 + n8);
  const data = Buffer.alloc(n8 * values.length);
  values.forEach((v, i) => {
    writeLe(data, i * n8, ((v % FIELD_P) + FIELD_P) % FIELD_P, n8);
  });
  const section = (type: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(type, 0);
    h.writeBigUInt64LE(BigInt(body.length), 4);
    return Buffer.concat([h, body]);
  };
  const top = Buffer.alloc(12);
  top.write("wtns", 0, "latin1");
  top.writeUInt32LE(2, 4);
  top.writeUInt32LE(2, 8);
  const fh = await open(wtnsFile, "w");
  try {
    await fh.write(Buffer.concat([top, section(1, header), section(2, data)]));
  } finally {
    await fh.close();
  }
}

function writeLe(buf: Buffer, offset: number, v: bigint, n: number): void {
  let x = v;
  for (let i = 0; i < n; i++) {
    buf[offset + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

/**
 * Signal name -> witness index from a .sym file ("label,witnessIdx,component,name" lines;
 * witnessIdx -1 marks signals the optimizer removed).
 */
export async function readSymbols(symFile: string): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  for (const line of (await readFile(symFile, "utf8")).split("\n")) {
    if (!line) continue;
    const parts = line.split(",");
    const idx = Number(parts[1]);
    const name = parts.slice(3).join(",");
    if (idx >= 0) map.set(name, idx);
  }
  return map;
}

/** Stops snarkjs' worker threads (ffjavascript's cached bn128 curve), if any were started. */
export async function terminateSnarkjs(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}
