// A development Groth16 proving key written directly from its secrets, in snarkjs' zkey layout.
//
// Why: without a ceremony file, `noos zk setup` used to prepare a development powers of tau
// (every power of tau and its Lagrange basis for each domain up to 2^(N+1), ~6 x 2^N G1 and
// 3 x 2^N G2 scalar multiplications), then run snarkjs' newZKey (a multi-exponentiation per
// wire over those points) and one contribution (every C and H point again). Whoever picks tau
// can instead evaluate each wire's QAP polynomials at tau as field elements and do ONE scalar
// multiplication per non-zero key point: A, B1, C (G1) and B2 (G2) per wire, H per domain point.
// For a 2^13-2^14 circuit that is seconds instead of minutes.
//
// The trust is the same as the development setup it replaces (a local powers of tau, whose
// secrets one process saw, plus one local contribution): one process saw tau, alpha, beta and
// delta, and forgot them (they live only in this call). It is a DEVELOPMENT setup and labelled so
// everywhere. There is no MPC transcript: section 10 holds a zero circuit hash and no
// contributions (so `snarkjs zkey verify` cannot check it against a ceremony: there is none).
//
// Sections 1-9 are byte for byte what snarkjs' newZKey writes from a ptau with the same tau,
// alpha and beta (delta = 1) followed by a contribution of delta: devZkey.test.ts checks it.
import { randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import * as snarkjs from "snarkjs";
import { timesGenerator } from "./devPtau.js";

// ffjavascript's curve objects (untyped here, as in snarkjs.d.ts).
// biome-ignore lint/suspicious/noExplicitAny: ffjavascript ships no types
type Any = any;

export type DevelopmentZkeySecrets = { tau: bigint; alpha: bigint; beta: bigint; delta: bigint };

type R1cs = {
  nVars: number;
  nPublic: number;
  nConstraints: number;
  /** Section 2 of the r1cs: per constraint, A, B, C as (count, then wire u32 + coefficient). */
  constraints: Uint8Array;
  n8: number;
};

function readU32(b: Uint8Array, at: number): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32LE(at);
}

function leToBigInt(b: Uint8Array, at: number, n: number): bigint {
  return BigInt(
    `0x${Buffer.from(b.subarray(at, at + n))
      .reverse()
      .toString("hex")}`,
  );
}

/** The header and constraints of a circom r1cs file (iden3's binary format, version 1). */
async function readR1cs(file: string): Promise<R1cs> {
  const buf = new Uint8Array(await readFile(file));
  if (Buffer.from(buf.subarray(0, 4)).toString("latin1") !== "r1cs") {
    throw new Error(`${file}: not an r1cs file`);
  }
  const nSections = readU32(buf, 8);
  let at = 12;
  const sections = new Map<number, Uint8Array>();
  for (let i = 0; i < nSections; i++) {
    const id = readU32(buf, at);
    const size = Number(leToBigInt(buf, at + 4, 8));
    sections.set(id, buf.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  const header = sections.get(1);
  const constraints = sections.get(2);
  if (!header || !constraints) throw new Error(`${file}: r1cs without header or constraints`);
  const n8 = readU32(header, 0);
  let p = 4 + n8;
  const nVars = readU32(header, p);
  const nOutputs = readU32(header, p + 4);
  const nPubInputs = readU32(header, p + 8);
  p += 16 + 8; // nPrvInputs, nLabels (u64)
  const nConstraints = readU32(header, p);
  return { nVars, nPublic: nOutputs + nPubInputs, nConstraints, constraints, n8 };
}

/**
 * Writes a Groth16 proving key (snarkjs zkey) for the circuit in `r1csPath` to `zkeyPath`, from
 * fresh secrets (or `secrets`, for tests). Returns the seconds spent.
 */
export async function writeDevelopmentZkey(
  r1csPath: string,
  zkeyPath: string,
  secrets?: Partial<DevelopmentZkeySecrets>,
): Promise<number> {
  const started = performance.now();
  const curve: Any = await snarkjs.curves.getCurveFromName("bn128");
  const { Fr, G1, G2 } = curve;
  const r = curve.r as bigint;
  const random = () => {
    for (;;) {
      const x = BigInt(`0x${randomBytes(64).toString("hex")}`) % r;
      if (x !== 0n) return x;
    }
  };
  const tau = secrets?.tau ?? random();
  const alpha = secrets?.alpha ?? random();
  const beta = secrets?.beta ?? random();
  const delta = secrets?.delta ?? random();

  const r1cs = await readR1cs(r1csPath);
  if (r1cs.n8 !== Fr.n8) throw new Error(`${r1csPath}: not a BN254 circuit`);
  const { nVars, nPublic, nConstraints } = r1cs;
  // snarkjs' rule: the domain holds every constraint plus one per public input (and ONE).
  const cirPower = (nConstraints + nPublic).toString(2).length;
  const m = 2 ** cirPower;

  const mod = (x: bigint) => ((x % r) + r) % r;
  const pow = (b: bigint, e: bigint) => {
    let result = 1n;
    let base = mod(b);
    for (let k = e; k > 0n; k >>= 1n) {
      if (k & 1n) result = (result * base) % r;
      base = (base * base) % r;
    }
    return result;
  };
  const inv = (x: bigint) => pow(x, r - 2n);
  /** L_i(tau) for every i of the domain 2^p (snarkjs' roots of unity Fr.w[p]). */
  const lagrange = (p: number): bigint[] => {
    const size = 2 ** p;
    const w = BigInt(Fr.toObject(Fr.w[p]));
    const c = mod((pow(tau, BigInt(size)) - 1n) * inv(BigInt(size)));
    const roots: bigint[] = new Array(size);
    let wi = 1n;
    for (let i = 0; i < size; i++) {
      roots[i] = wi;
      wi = (wi * w) % r;
    }
    // Batch inversion of (tau - w^i).
    const den = roots.map((x) => mod(tau - x));
    if (den.some((d) => d === 0n)) throw new Error("tau is a root of unity: retry");
    const prefix: bigint[] = new Array(size);
    let acc = 1n;
    for (let i = 0; i < size; i++) {
      prefix[i] = acc;
      acc = (acc * (den[i] as bigint)) % r;
    }
    let accInv = inv(acc);
    const out: bigint[] = new Array(size);
    for (let i = size - 1; i >= 0; i--) {
      const di = ((prefix[i] as bigint) * accInv) % r;
      accInv = (accInv * (den[i] as bigint)) % r;
      out[i] = (((c * (roots[i] as bigint)) % r) * di) % r;
    }
    return out;
  };
  const L = lagrange(cirPower);

  // Each wire's QAP polynomials at tau: u (A), v (B), w (C), and snarkjs' coefficient section.
  const u: bigint[] = new Array(nVars).fill(0n);
  const v: bigint[] = new Array(nVars).fill(0n);
  const w: bigint[] = new Array(nVars).fill(0n);
  const inA = new Uint8Array(nVars);
  const inB = new Uint8Array(nVars);
  const inC = new Uint8Array(nVars); // in A, B or C: snarkjs writes a point (maybe zero) for it
  const n8 = Fr.n8 as number;
  const coefs: { matrix: number; c: number; s: number; at: number }[] = [];
  const cs = r1cs.constraints;
  let at = 0;
  for (let c = 0; c < nConstraints; c++) {
    for (const matrix of [0, 1, 2]) {
      const n = readU32(cs, at);
      at += 4;
      for (let k = 0; k < n; k++) {
        const s = readU32(cs, at);
        const coef = leToBigInt(cs, at + 4, n8);
        const term = (coef * (L[c] as bigint)) % r;
        if (matrix === 0) {
          u[s] = ((u[s] as bigint) + term) % r;
          inA[s] = 1;
          coefs.push({ matrix, c, s, at: at + 4 });
        } else if (matrix === 1) {
          v[s] = ((v[s] as bigint) + term) % r;
          inB[s] = 1;
          coefs.push({ matrix, c, s, at: at + 4 });
        } else {
          w[s] = ((w[s] as bigint) + term) % r;
        }
        inC[s] = 1;
        at += 4 + n8;
      }
    }
  }
  // snarkjs adds one constraint per public input (and ONE): A[nConstraints + s][s] = 1.
  for (let s = 0; s <= nPublic; s++) {
    u[s] = ((u[s] as bigint) + (L[nConstraints + s] as bigint)) % r;
    inA[s] = 1;
    inC[s] = 1;
    coefs.push({ matrix: 0, c: nConstraints + s, s, at: -1 });
  }

  const sG1 = G1.F.n8 * 2;
  const sG2 = G2.F.n8 * 2;
  /** [scalar_i]G for the wires in `used` (others: the zero point, all-zero bytes). */
  const points = async (G: Any, size: number, scalars: bigint[], used: Uint8Array) => {
    const idx: number[] = [];
    for (let i = 0; i < scalars.length; i++) if (used[i] && scalars[i] !== 0n) idx.push(i);
    const computed = await timesGenerator(
      curve,
      G,
      idx.map((i) => Fr.e(scalars[i] as bigint)),
      Fr.one,
    );
    const out = new Uint8Array(scalars.length * size);
    idx.forEach((i, k) => {
      out.set(computed.subarray(k * size, (k + 1) * size), i * size);
    });
    return out;
  };
  const deltaInv = inv(delta);
  const lc = (s: number) =>
    (beta * (u[s] as bigint) + alpha * (v[s] as bigint) + (w[s] as bigint)) % r;
  const ic = Array.from({ length: nPublic + 1 }, (_, s) => lc(s));
  const cPriv = Array.from(
    { length: nVars - nPublic - 1 },
    (_, k) => (lc(k + nPublic + 1) * deltaInv) % r,
  );
  const cUsed = inC.subarray(nPublic + 1);
  // H: the odd points of the 2^(cirPower+1) domain's Lagrange basis, over delta.
  const L2 = lagrange(cirPower + 1);
  const h = Array.from({ length: m }, (_, i) => ((L2[2 * i + 1] as bigint) * deltaInv) % r);

  const sectionIc = await points(G1, sG1, ic, inC);
  const sectionH = await points(G1, sG1, h, new Uint8Array(m).fill(1));
  const sectionC = await points(G1, sG1, cPriv, cUsed);
  const sectionA = await points(G1, sG1, u, inA);
  const sectionB1 = await points(G1, sG1, v, inB);
  const sectionB2 = await points(G2, sG2, v, inB);

  // Header (section 2): q, r, sizes, alpha1, beta1, beta2, gamma2 (the generator), delta1, delta2.
  const le = (x: bigint, n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++, x >>= 8n) b[i] = Number(x & 0xffn);
    return b;
  };
  const u32 = (x: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(x);
    return b;
  };
  const one = (G: Any, scalar: bigint) => timesGenerator(curve, G, [Fr.e(scalar)], Fr.one);
  const g2 = new Uint8Array(sG2);
  G2.toRprLEM(g2, 0, G2.g);
  const header = Buffer.concat([
    u32(G1.F.n8),
    le(curve.q as bigint, G1.F.n8),
    u32(n8),
    le(r, n8),
    u32(nVars),
    u32(nPublic),
    u32(m),
    await one(G1, alpha),
    await one(G1, beta),
    await one(G2, beta),
    g2,
    await one(G1, delta),
    await one(G2, delta),
  ]);

  // Coefficients (section 4), as snarkjs' newZKey writes them: value * R^2 in its Fr form.
  const Rr = mod(1n << BigInt(n8 * 8));
  const R2r = Fr.e(mod(Rr * Rr));
  const bOne = new Uint8Array(n8);
  Fr.toRprLE(bOne, 0, Fr.e(1));
  const sectionCoefs = Buffer.alloc(4 + coefs.length * (12 + n8));
  sectionCoefs.writeUInt32LE(coefs.length, 0);
  coefs.forEach((k, i) => {
    const o = 4 + i * (12 + n8);
    sectionCoefs.writeUInt32LE(k.matrix, o);
    sectionCoefs.writeUInt32LE(k.c, o + 4);
    sectionCoefs.writeUInt32LE(k.s, o + 8);
    const raw = k.at >= 0 ? cs.subarray(k.at, k.at + n8) : bOne;
    Fr.toRprLE(sectionCoefs, o + 12, Fr.mul(Fr.fromRprLE(raw, 0), R2r));
  });

  // Section 10: no MPC transcript (zero circuit hash, no contributions).
  const sectionMpc = Buffer.concat([Buffer.alloc(64), u32(0)]);
  // newZKey's order: 1, 2, 4, 3, 9, 8, 5, 6, 7, 10.
  const ordered: [number, Uint8Array][] = [
    [1, u32(1)], // Groth16
    [2, header],
    [4, sectionCoefs],
    [3, sectionIc],
    [9, sectionH],
    [8, sectionC],
    [5, sectionA],
    [6, sectionB1],
    [7, sectionB2],
    [10, sectionMpc],
  ];
  const fd = await open(zkeyPath, "w");
  try {
    await fd.write(Buffer.concat([Buffer.from("zkey", "latin1"), u32(1), u32(ordered.length)]));
    for (const [id, data] of ordered) {
      const head = Buffer.alloc(12);
      head.writeUInt32LE(id, 0);
      head.writeBigUInt64LE(BigInt(data.length), 4);
      await fd.write(head);
      await fd.write(data);
    }
  } finally {
    await fd.close();
  }
  return (performance.now() - started) / 1000;
}
