// A lean Groth16 prover (BN254) for one-shot proofs: the same protocol and the same wasm
// arithmetic as snarkjs' `groth16.prove` (wasmcurves' bn128 module, the one ffjavascript builds
// at run time), driven directly from one wasm instance. It reads the proving key (.zkey) and the
// witness (.wtns) as snarkjs writes them and returns the proof in snarkjs' JSON shape, so
// `noos zk verify`, snarkjs and the Solidity verifier check it as they check snarkjs' proofs.
//
// Why not snarkjs itself, for a fresh `noos zk prove` process (bench/results/zk.json cliProve):
// - loading snarkjs + ffjavascript and building the curve costs more than the proof: ffjavascript
//   regenerates the 86 kB wasm module with wasmbuilder (JS, ~0.4 CPU-s) and compiles it twice
//   (one instance for the main thread, one for its in-process "thread"); wasmcurves ships the
//   same module prebuilt (build/bn128.wasm, byte-identical: see groth16.test.ts);
// - buildABC1 evaluates the ~90k QAP coefficients in JavaScript (one wasm call per field op);
//   the module's own qap_buildABC does it in one call;
// - each multi-exponentiation window copies all bases and scalars into wasm memory again;
// - witness values that are 0, or points at infinity (variables absent from B), still cost a
//   bucket step in every window. Here they are dropped, and small values (bits, small integers:
//   a third of a quantized model's witness) get a multi-exponentiation over 2-byte scalars
//   (2 windows instead of ~30). The sum is the same group element.
// Nothing here trusts the prover: the proof is checked by the verifier like any other.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";

/** Proof in snarkjs' JSON shape (decimal strings; affine points with z = 1). */
export type Groth16ProofJson = {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: "groth16";
  curve: "bn128";
};

const N8 = 32; // bytes of an Fr or Fq element
const G1_AFFINE = 2 * N8;
const G2_AFFINE = 4 * N8;
const G1_JAC = 3 * N8;
const G2_JAC = 6 * N8;

/** BN254 scalar field order r and base field order q. */
export const BN254_R =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
export const BN254_Q =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

type Exports = Record<string, (...args: number[]) => number | undefined>;

// The WebAssembly API, typed here: the project's lib (ES2023, node types) does not declare it.
type WasmMemory = { readonly buffer: ArrayBuffer; grow(pages: number): number };
type WasmModule = object;
type WasmInstance = { readonly exports: Record<string, unknown> };
type WasmApi = {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<WasmInstance>;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type BinFile = { sections: Map<number, { start: number; size: number }>; bytes: Uint8Array };

function readBinFile(bytes: Uint8Array, magic: string, what: string): BinFile {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = String.fromCharCode(...bytes.subarray(0, 4));
  if (head !== magic) throw new Error(`${what}: not a ${magic} file (magic "${head}")`);
  const nSections = dv.getUint32(8, true);
  const sections = new Map<number, { start: number; size: number }>();
  let p = 12;
  for (let i = 0; i < nSections; i++) {
    if (p + 12 > bytes.byteLength) throw new Error(`${what}: truncated section table`);
    const type = dv.getUint32(p, true);
    const size = Number(dv.getBigUint64(p + 4, true));
    if (sections.has(type)) throw new Error(`${what}: section ${type} appears twice`);
    if (p + 12 + size > bytes.byteLength) throw new Error(`${what}: section ${type} is truncated`);
    sections.set(type, { start: p + 12, size });
    p += 12 + size;
  }
  return { sections, bytes };
}

function section(f: BinFile, type: number, what: string): Uint8Array {
  const s = f.sections.get(type);
  if (!s) throw new Error(`${what}: section ${type} is missing`);
  return f.bytes.subarray(s.start, s.start + s.size);
}

function leToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
  return v;
}

function bigIntToLe(v: bigint, out: Uint8Array): void {
  let x = v;
  for (let i = 0; i < out.length; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

export type ZkeyGroth16 = {
  nVars: number;
  nPublic: number;
  domainSize: number;
  power: number;
  /** Points, little-endian Montgomery (as stored in the .zkey). */
  alpha1: Uint8Array;
  beta1: Uint8Array;
  beta2: Uint8Array;
  delta1: Uint8Array;
  delta2: Uint8Array;
  /** Section 4: [nCoef u32][{matrix u32, constraint u32, signal u32, coef 32 B}...]. */
  coeffs: Uint8Array;
  nCoeffs: number;
  pointsA: Uint8Array;
  pointsB1: Uint8Array;
  pointsB2: Uint8Array;
  pointsC: Uint8Array;
  pointsH: Uint8Array;
};

/** Parses a Groth16 BN254 proving key (.zkey, snarkjs' format, version 1). */
export function parseZkey(bytes: Uint8Array): ZkeyGroth16 {
  const what = "proving key";
  const f = readBinFile(bytes, "zkey", what);
  const h1 = section(f, 1, what);
  const protocolId = new DataView(h1.buffer, h1.byteOffset, h1.byteLength).getUint32(0, true);
  if (protocolId !== 1) throw new Error(`${what}: protocol ${protocolId} is not Groth16 (1)`);
  const h = section(f, 2, what);
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  let p = 0;
  const n8q = dv.getUint32(p, true);
  p += 4;
  const q = leToBigInt(h.subarray(p, p + n8q));
  p += n8q;
  const n8r = dv.getUint32(p, true);
  p += 4;
  const r = leToBigInt(h.subarray(p, p + n8r));
  p += n8r;
  if (n8q !== N8 || n8r !== N8 || q !== BN254_Q || r !== BN254_R) {
    throw new Error(`${what}: not a BN254 (bn128) key`);
  }
  const nVars = dv.getUint32(p, true);
  const nPublic = dv.getUint32(p + 4, true);
  const domainSize = dv.getUint32(p + 8, true);
  p += 12;
  const take = (n: number) => {
    const out = h.subarray(p, p + n);
    p += n;
    return out;
  };
  const alpha1 = take(G1_AFFINE);
  const beta1 = take(G1_AFFINE);
  const beta2 = take(G2_AFFINE);
  take(G2_AFFINE); // gamma2: the verifier's
  const delta1 = take(G1_AFFINE);
  const delta2 = take(G2_AFFINE);
  const power = Math.log2(domainSize);
  if (!Number.isInteger(power)) throw new Error(`${what}: domain size ${domainSize}`);
  const coeffs = section(f, 4, what);
  const nCoeffs = new DataView(coeffs.buffer, coeffs.byteOffset, 4).getUint32(0, true);
  const key: ZkeyGroth16 = {
    nVars,
    nPublic,
    domainSize,
    power,
    alpha1,
    beta1,
    beta2,
    delta1,
    delta2,
    coeffs,
    nCoeffs,
    pointsA: section(f, 5, what),
    pointsB1: section(f, 6, what),
    pointsB2: section(f, 7, what),
    pointsC: section(f, 8, what),
    pointsH: section(f, 9, what),
  };
  const expect = (name: string, got: number, want: number) => {
    if (got !== want)
      throw new Error(`${what}: section ${name} has ${got} bytes, expected ${want}`);
  };
  expect("coefficients", coeffs.byteLength, 4 + nCoeffs * (12 + N8));
  expect("A", key.pointsA.byteLength, nVars * G1_AFFINE);
  expect("B1", key.pointsB1.byteLength, nVars * G1_AFFINE);
  expect("B2", key.pointsB2.byteLength, nVars * G2_AFFINE);
  expect("C", key.pointsC.byteLength, (nVars - nPublic - 1) * G1_AFFINE);
  expect("H", key.pointsH.byteLength, domainSize * G1_AFFINE);
  return key;
}

/** Witness values (little-endian, normal form, 32 bytes each) of a .wtns file (version 2). */
export function parseWtns(bytes: Uint8Array): { nWitness: number; values: Uint8Array } {
  const what = "witness";
  const f = readBinFile(bytes, "wtns", what);
  const h = section(f, 1, what);
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const n8 = dv.getUint32(0, true);
  if (n8 !== N8 || leToBigInt(h.subarray(4, 4 + n8)) !== BN254_R) {
    throw new Error(`${what}: not a witness over the BN254 scalar field`);
  }
  const nWitness = dv.getUint32(4 + n8, true);
  const values = section(f, 2, what);
  if (values.byteLength !== nWitness * N8) throw new Error(`${what}: data section size`);
  return { nWitness, values };
}

// ---------------------------------------------------------------------------------------------
// The wasm module: wasmcurves' prebuilt bn128 (what ffjavascript's buildBn128 generates).

let modulePromise: Promise<WasmModule> | undefined;

/** Path of wasmcurves' prebuilt bn128 module, resolved through snarkjs -> ffjavascript. */
export function bn128WasmPath(): string {
  const fromZk = createRequire(import.meta.url);
  const fromSnarkjs = createRequire(fromZk.resolve("snarkjs"));
  const fromFf = createRequire(fromSnarkjs.resolve("ffjavascript"));
  return fromFf.resolve("wasmcurves/build/bn128.wasm");
}

/** Compiles the module once per process (a daemon proving many times pays it once). */
export function compileBn128(): Promise<WasmModule> {
  modulePromise ??= wasmApi.compile(readFileSync(bn128WasmPath()));
  return modulePromise;
}

class Wasm {
  readonly x: Exports;
  readonly memory: WasmMemory;
  private free: number;

  constructor(instance: WasmInstance, memory: WasmMemory) {
    this.x = instance.exports as unknown as Exports;
    this.memory = memory;
    this.free = new Uint32Array(memory.buffer)[0] as number; // the module's first free byte
  }

  get u8() {
    return new Uint8Array(this.memory.buffer);
  }

  /** Bump allocation; the module keeps its scratch space above the pointer at address 0. */
  alloc(bytes: number): number {
    const p = (this.free + 7) & ~7;
    this.free = p + bytes;
    const needed = Math.ceil((this.free + 1024 * 1024) / 65536);
    const pages = this.memory.buffer.byteLength / 65536;
    if (needed > pages) this.memory.grow(needed - pages);
    new Uint32Array(this.memory.buffer)[0] = this.free;
    return p;
  }

  mark(): number {
    return this.free;
  }

  /** Frees everything allocated since `mark` (a bump allocator's stack discipline). */
  release(mark: number) {
    this.free = mark;
    new Uint32Array(this.memory.buffer)[0] = this.free;
  }

  set(p: number, bytes: Uint8Array) {
    this.u8.set(bytes, p);
  }

  get(p: number, n: number): Uint8Array {
    return this.u8.slice(p, p + n);
  }

  call(name: string, ...args: number[]): number {
    const f = this.x[name];
    if (!f) throw new Error(`bn128 wasm: no export ${name}`);
    return f(...args) ?? 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Fr helpers (BigInt; a handful of values per proof).

const R_MONT = (1n << 256n) % BN254_R;

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = b % m;
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = (r * x) % m;
    x = (x * x) % m;
    k >>= 1n;
  }
  return r;
}

let rootsCache: { nqr: bigint; s: number; w: bigint[] } | undefined;

/**
 * ffjavascript's Fr roots of unity: nqr = the least quadratic non-residue from 2, w[s] = nqr^t
 * (r - 1 = 2^s t), w[i] = w[i + 1]^2. snarkjs' prover evaluates on the coset w[power + 1]·H,
 * which the key's H points were made for.
 */
function frRoots() {
  if (rootsCache) return rootsCache;
  const half = (BN254_R - 1n) / 2n;
  let nqr = 2n;
  while (modPow(nqr, half, BN254_R) === 1n) nqr++;
  let s = 0;
  let t = BN254_R - 1n;
  while ((t & 1n) === 0n) {
    s++;
    t >>= 1n;
  }
  const w: bigint[] = [];
  w[s] = modPow(nqr, t, BN254_R);
  for (let i = s - 1; i >= 0; i--) w[i] = ((w[i + 1] as bigint) * (w[i + 1] as bigint)) % BN254_R;
  rootsCache = { nqr, s, w };
  return rootsCache;
}

/** Uniform element of Fr (rejection sampling over 254-bit strings). */
function randomFr(): bigint {
  for (;;) {
    const b = randomBytes(32);
    b[31] = (b[31] as number) & 0x3f;
    const v = leToBigInt(b);
    if (v < BN254_R) return v;
  }
}

// ---------------------------------------------------------------------------------------------
// Multi-exponentiation over a subset of (base, scalar) pairs.

type Group = {
  prefix: "g1m" | "g2m";
  affine: number;
  jac: number;
};
const G1: Group = { prefix: "g1m", affine: G1_AFFINE, jac: G1_JAC };
const G2: Group = { prefix: "g2m", affine: G2_AFFINE, jac: G2_JAC };

/** Bytes of a scalar's magnitude when it is "small" (positive or negative), else 0. */
const SMALL_BYTES = 2;

/**
 * One multi-exponentiation over packed pairs: Σ scalars[j]·bases[j] (negated when `negate`),
 * bases affine (little-endian Montgomery), scalars `scalarBytes` bytes little-endian each.
 */
export type MsmJob = {
  prefix: "g1m" | "g2m";
  n: number;
  scalarBytes: number;
  negate: boolean;
  bases: Uint8Array;
  scalars: Uint8Array;
};

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** r mod 2^32. */
const R_LOW32 = Number(BN254_R & 0xffffffffn);

/** r - 2^16 as eight little-endian 32-bit words. */
const NEG_LIMIT = (() => {
  const b = new Uint8Array(N8);
  bigIntToLe(BN254_R - (1n << BigInt(8 * SMALL_BYTES)), b);
  return new Uint32Array(b.buffer);
})();

/** 32-bit words of `b` (a copy when its offset is not 4-byte aligned). */
function u32View(b: Uint8Array): Uint32Array {
  if (b.byteOffset % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  return new Uint32Array(b.slice().buffer);
}

/**
 * Splits Σ scalars[i]·bases[i] into jobs: pairs with a zero scalar or a base at infinity are
 * dropped; scalars below 2^16 (or above r - 2^16, as negatives) go to a 2-byte job, the rest to
 * the full 32-byte one. The jobs' sum is the same group element.
 */
export function planMsm(g: Group, bases: Uint8Array, scalars: Uint8Array, n: number): MsmJob[] {
  const small: number[] = [];
  const smallNeg: number[] = [];
  const large: number[] = [];
  // Scanned as 32-bit words: this runs once per multi-exponentiation in a fresh process, mostly
  // before the JIT optimizes it, so 4x fewer operations than a byte loop matter (~60 ms at 2^11).
  const s32 = u32View(scalars.subarray(0, n * N8));
  const b32 = u32View(bases.subarray(0, n * g.affine));
  const bw = g.affine / 4;
  for (let i = 0; i < n; i++) {
    const s = i * 8;
    const w0 = s32[s] as number;
    const hi =
      (s32[s + 1] as number) |
      (s32[s + 2] as number) |
      (s32[s + 3] as number) |
      (s32[s + 4] as number) |
      (s32[s + 5] as number) |
      (s32[s + 6] as number) |
      (s32[s + 7] as number);
    if ((hi | w0) === 0) continue; // 0
    let nz = 0;
    for (let k = i * bw, end = k + bw; k < end; k++) nz |= b32[k] as number;
    if (nz === 0) continue; // point at infinity
    if (!LITTLE_ENDIAN) {
      large.push(i); // words are not little-endian numbers here: every nonzero scalar is "large"
      continue;
    }
    if (hi === 0 && w0 >>> (8 * SMALL_BYTES) === 0) {
      small.push(i);
      continue;
    }
    // r - 2^16 < x  <=>  x is a small negative: compared word by word from the top
    let greater = false;
    for (let k = 7; k >= 0; k--) {
      const x = s32[s + k] as number;
      const l = NEG_LIMIT[k] as number;
      if (x !== l) {
        greater = x > l;
        break;
      }
    }
    (greater ? smallNeg : large).push(i);
  }
  const job = (idx: number[], scalarBytes: number, negate: boolean): MsmJob => {
    const m = idx.length;
    const packedBases = new Uint8Array(m * g.affine);
    const packedScalars = new Uint8Array(m * scalarBytes);
    // Bases (and full-size scalars) in runs of consecutive indices: one copy per run. Always a
    // copy: jobs travel to the helper thread, and a view would take its whole buffer along.
    for (let j = 0; j < m; ) {
      const i0 = idx[j] as number;
      let k = j + 1;
      while (k < m && idx[k] === i0 + (k - j)) k++;
      packedBases.set(bases.subarray(i0 * g.affine, (i0 + k - j) * g.affine), j * g.affine);
      if (scalarBytes === N8) {
        packedScalars.set(scalars.subarray(i0 * N8, (i0 + k - j) * N8), j * N8);
      }
      j = k;
    }
    if (scalarBytes !== N8) {
      // Small scalars (little-endian words only): the low word; a negative's magnitude r - x
      // is below 2^16, so it equals (r - x) mod 2^32 of the low words.
      for (let j = 0; j < m; j++) {
        const w = s32[(idx[j] as number) * 8] as number;
        const v = negate ? (R_LOW32 - w) >>> 0 : w;
        for (let b = 0; b < scalarBytes; b++)
          packedScalars[j * scalarBytes + b] = (v >>> (8 * b)) & 0xff;
      }
    }
    return {
      prefix: g.prefix,
      n: idx.length,
      scalarBytes,
      negate,
      bases: packedBases,
      scalars: packedScalars,
    };
  };
  return [
    job(large, N8, false),
    job(small, SMALL_BYTES, false),
    job(smallNeg, SMALL_BYTES, true),
  ].filter((j) => j.n > 0);
}

/** Runs jobs in `w` and adds their results into pOut (Jacobian, zeroed first). */
function runMsm(w: Wasm, jobs: readonly MsmJob[], pOut: number): void {
  const g = jobs[0]?.prefix === "g2m" ? G2 : G1;
  w.call(`${g.prefix}_zero`, pOut);
  if (jobs.length === 0) return;
  const mark = w.mark();
  const pPart = w.alloc(g.jac);
  for (const job of jobs) {
    const pBases = w.alloc(job.bases.byteLength);
    const pScalars = w.alloc(job.scalars.byteLength);
    w.set(pBases, job.bases);
    w.set(pScalars, job.scalars);
    w.call(`${job.prefix}_multiexpAffine`, pBases, pScalars, job.scalarBytes, job.n, pPart);
    w.call(job.negate ? `${job.prefix}_sub` : `${job.prefix}_add`, pOut, pPart, pOut);
  }
  w.release(mark);
}

// A helper thread for the multi-exponentiations that need only the witness (B1, B2, C) while
// the main thread evaluates the QAP, then proves H and A. Plain JavaScript evaluated in a worker:
// it instantiates the same compiled module (shared, not recompiled) with its own memory.
const HELPER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.once("message", async ({ module, tasks }) => {
  const memory = new WebAssembly.Memory({ initial: 32 });
  const { exports: x } = await WebAssembly.instantiate(module, { env: { memory } });
  let free = new Uint32Array(memory.buffer)[0];
  const alloc = (bytes) => {
    const p = (free + 7) & ~7;
    free = p + bytes;
    const need = Math.ceil((free + (1 << 20)) / 65536) - memory.buffer.byteLength / 65536;
    if (need > 0) memory.grow(need);
    new Uint32Array(memory.buffer)[0] = free;
    return p;
  };
  const results = [];
  for (const { jobs, jac } of tasks) {
    const start = free;
    const pOut = alloc(jac);
    const pPart = alloc(jac);
    const prefix = jobs[0] ? jobs[0].prefix : "g1m";
    x[prefix + "_zero"](pOut);
    for (const job of jobs) {
      const pBases = alloc(job.bases.byteLength);
      const pScalars = alloc(job.scalars.byteLength);
      new Uint8Array(memory.buffer).set(job.bases, pBases);
      new Uint8Array(memory.buffer).set(job.scalars, pScalars);
      x[prefix + "_multiexpAffine"](pBases, pScalars, job.scalarBytes, job.n, pPart);
      x[prefix + (job.negate ? "_sub" : "_add")](pOut, pPart, pOut);
    }
    results.push(new Uint8Array(memory.buffer).slice(pOut, pOut + jac));
    free = start;
    new Uint32Array(memory.buffer)[0] = free;
  }
  parentPort.postMessage(results);
});
`;

type Helper = { run(tasks: { jobs: MsmJob[]; jac: number }[]): Promise<Uint8Array[]> };

async function startHelper(module: WasmModule): Promise<Helper> {
  const { Worker } = await import("node:worker_threads");
  const worker = new Worker(HELPER_SOURCE, { eval: true });
  return {
    run(tasks) {
      return new Promise((resolve, reject) => {
        worker.once("message", (results: Uint8Array[]) => {
          resolve(results);
          void worker.terminate();
        });
        worker.once("error", reject);
        worker.postMessage({ module, tasks });
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------

export type ProveOptions = {
  /**
   * Run the multi-exponentiations of B1, B2 and C on one helper worker thread while this thread
   * evaluates the QAP and proves H and A (default: when the machine has more than one CPU).
   */
  helperThread?: boolean | undefined;
  /** Filled with CPU seconds of this thread per phase (a profile of one proof). */
  timings?: Record<string, number> | undefined;
};

/**
 * A Groth16 proof of `witness` (.wtns bytes) with the proving key `zkey` (.zkey bytes or its
 * parsed form). Public signals are witness[1 .. nPublic], as snarkjs returns them.
 */
export async function proveGroth16(
  zkeyBytes: Uint8Array | ZkeyGroth16,
  wtnsBytes: Uint8Array,
  options: ProveOptions = {},
): Promise<{ proof: Groth16ProofJson; publicSignals: string[] }> {
  const { timings } = options;
  let t = process.cpuUsage();
  const mark = (name: string) => {
    if (!timings) return;
    const now = process.cpuUsage();
    timings[name] = (timings[name] ?? 0) + (now.user + now.system - t.user - t.system) / 1e6;
    t = now;
  };
  const zkey = zkeyBytes instanceof Uint8Array ? parseZkey(zkeyBytes) : zkeyBytes;
  const wtns = parseWtns(wtnsBytes);
  if (wtns.nWitness !== zkey.nVars) {
    throw new Error(
      `Invalid witness length. Circuit: ${zkey.nVars}, witness: ${wtns.nWitness} (not this circuit's witness)`,
    );
  }
  mark("parse");
  const module = await compileBn128();
  mark("compile");
  const { domainSize: n, nVars, nPublic, power } = zkey;
  const witness = wtns.values;
  const cScalars = witness.subarray((nPublic + 1) * N8);
  const nC = nVars - nPublic - 1;
  const useHelper = options.helperThread ?? os.availableParallelism() > 1;
  let helperResults: Promise<Uint8Array[]> | undefined;
  if (useHelper) {
    const tasks = [
      { jobs: planMsm(G1, zkey.pointsB1, witness, nVars), jac: G1_JAC },
      { jobs: planMsm(G2, zkey.pointsB2, witness, nVars), jac: G2_JAC },
      { jobs: planMsm(G1, zkey.pointsC, cScalars, nC), jac: G1_JAC },
    ];
    helperResults = startHelper(module).then((h) => h.run(tasks));
    // a rejection is handled where it is awaited; keep it from being reported as unhandled
    helperResults.catch(() => {});
    mark("helper");
  }
  const pages = Math.ceil(
    (zkey.coeffs.byteLength + 5 * n * N8 + nVars * N8 + n * G1_AFFINE + (2 << 20)) / 65536,
  );
  const memory = new wasmApi.Memory({ initial: pages });
  const instance = await wasmApi.instantiate(module, { env: { memory } });
  const w = new Wasm(instance, memory);
  mark("instantiate");

  // QAP: A·w, B·w on the domain, C = A∘B, all in Montgomery form.
  const pWitness = w.alloc(nVars * N8);
  w.set(pWitness, witness);
  const pCoeffs = w.alloc(zkey.coeffs.byteLength);
  w.set(pCoeffs, zkey.coeffs);
  const pA = w.alloc(n * N8);
  const pB = w.alloc(n * N8);
  const pC = w.alloc(n * N8);
  w.call("qap_buildABC", pCoeffs + 4, zkey.nCoeffs, pWitness, pA, pB, pC, 0, n, 0, nVars);
  mark("buildABC");

  // Evaluate A, B, C on the odd coset: ifft, multiply by inc^i, fft.
  const roots = frRoots();
  const incNormal =
    power === roots.s ? (roots.nqr * roots.nqr) % BN254_R : (roots.w[power + 1] as bigint);
  const pInc = w.alloc(N8);
  const pOne = w.alloc(N8);
  bigIntToLe((incNormal * R_MONT) % BN254_R, w.u8.subarray(pInc, pInc + N8));
  w.call("frm_one", pOne);
  for (const p of [pA, pB, pC]) {
    w.call("frm_ifft", p, n);
    w.call("frm_batchApplyKey", p, n, pOne, pInc, p);
    w.call("frm_fft", p, n);
  }
  const pH = w.alloc(n * N8);
  w.call("qap_joinABC", pA, pB, pC, n, pH);
  w.call("frm_batchFromMontgomery", pH, n, pH);
  const hScalars = w.get(pH, n * N8);
  mark("fft");

  const piA = w.alloc(G1_JAC);
  const piB1 = w.alloc(G1_JAC);
  const piB = w.alloc(G2_JAC);
  const piC = w.alloc(G1_JAC);
  const resH = w.alloc(G1_JAC);
  runMsm(w, planMsm(G1, zkey.pointsH, hScalars, n), resH);
  mark("msmH");
  runMsm(w, planMsm(G1, zkey.pointsA, witness, nVars), piA);
  mark("msmA");
  if (helperResults) {
    const [b1, b2, c] = await helperResults;
    w.set(piB1, b1 as Uint8Array);
    w.set(piB, b2 as Uint8Array);
    w.set(piC, c as Uint8Array);
    mark("waitHelper");
  } else {
    runMsm(w, planMsm(G1, zkey.pointsB1, witness, nVars), piB1);
    mark("msmB1");
    runMsm(w, planMsm(G2, zkey.pointsB2, witness, nVars), piB);
    mark("msmB2");
    runMsm(w, planMsm(G1, zkey.pointsC, cScalars, nC), piC);
    mark("msmC");
  }

  // Blinding: r, s uniform in Fr.
  const r = randomFr();
  const s = randomFr();
  const pScalar = w.alloc(N8);
  const setScalar = (v: bigint) => bigIntToLe(v, w.u8.subarray(pScalar, pScalar + N8));
  const pT1 = w.alloc(G2_JAC);
  const point = (bytes: Uint8Array, g: Group) => {
    const pa = w.alloc(g.affine);
    w.set(pa, bytes);
    const pj = w.alloc(g.jac);
    w.call(`${g.prefix}_toJacobian`, pa, pj);
    return pj;
  };
  const addTimes = (g: Group, acc: number, base: number, k: bigint) => {
    setScalar(k);
    w.call(`${g.prefix}_timesScalar`, base, pScalar, N8, pT1);
    w.call(`${g.prefix}_add`, acc, pT1, acc);
  };
  const alpha1 = point(zkey.alpha1, G1);
  const beta1 = point(zkey.beta1, G1);
  const beta2 = point(zkey.beta2, G2);
  const delta1 = point(zkey.delta1, G1);
  const delta2 = point(zkey.delta2, G2);
  // pi_a = A + alpha1 + r·delta1
  w.call("g1m_add", piA, alpha1, piA);
  addTimes(G1, piA, delta1, r);
  // pi_b = B2 + beta2 + s·delta2 ; pib1 = B1 + beta1 + s·delta1
  w.call("g2m_add", piB, beta2, piB);
  addTimes(G2, piB, delta2, s);
  w.call("g1m_add", piB1, beta1, piB1);
  addTimes(G1, piB1, delta1, s);
  // pi_c = C + H + s·pi_a + r·pib1 - r·s·delta1
  w.call("g1m_add", piC, resH, piC);
  addTimes(G1, piC, piA, s);
  addTimes(G1, piC, piB1, r);
  addTimes(G1, piC, delta1, (BN254_R - ((r * s) % BN254_R)) % BN254_R);

  const g1Json = (pj: number) => {
    const pa = w.alloc(G1_AFFINE);
    w.call("g1m_toAffine", pj, pa);
    w.call("g1m_fromMontgomeryAffine", pa, pa);
    const b = w.get(pa, G1_AFFINE);
    return [
      leToBigInt(b.subarray(0, N8)).toString(),
      leToBigInt(b.subarray(N8, 2 * N8)).toString(),
      "1",
    ];
  };
  const g2Json = (pj: number) => {
    const pa = w.alloc(G2_AFFINE);
    w.call("g2m_toAffine", pj, pa);
    w.call("g2m_fromMontgomeryAffine", pa, pa);
    const b = w.get(pa, G2_AFFINE);
    const f = (k: number) => leToBigInt(b.subarray(k * N8, (k + 1) * N8)).toString();
    return [
      [f(0), f(1)],
      [f(2), f(3)],
      ["1", "0"],
    ];
  };
  const proof: Groth16ProofJson = {
    pi_a: g1Json(piA),
    pi_b: g2Json(piB),
    pi_c: g1Json(piC),
    protocol: "groth16",
    curve: "bn128",
  };
  const publicSignals: string[] = [];
  for (let i = 1; i <= nPublic; i++) {
    publicSignals.push(leToBigInt(witness.subarray(i * N8, (i + 1) * N8)).toString());
  }
  mark("finish");
  return { proof, publicSignals };
}
