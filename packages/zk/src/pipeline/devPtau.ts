// A development powers of tau written directly from its secrets, in the file layout snarkjs
// reads (the same sections `powersOfTau new` + `contribute` + `preparePhase2` produce).
//
// Why: snarkjs' preparePhase2 turns the powers [tau^i]G into Lagrange-basis points with an
// inverse FFT over curve points, one scalar multiplication per butterfly: (n log n)/2 per size,
// for every size up to 2^power and for each of four sections. That is ~90% of a local
// preparation. Whoever picks tau can instead compute each L_i(tau) as a field element and do one
// scalar multiplication per point. The trust is the same as the local contribution it replaces:
// one party saw tau, alpha and beta, and forgot them (they live only in this function's scope).
// It is still a development setup and is labelled so everywhere.
import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import * as snarkjs from "snarkjs";

// ffjavascript's curve objects (untyped here, as in snarkjs.d.ts).
// biome-ignore lint/suspicious/noExplicitAny: ffjavascript ships no types
type Any = any;

/**
 * Writes a phase-2-ready ptau of 2^power to `file`; returns seconds spent. `secrets` is for tests
 * only (devZkey.test.ts builds the ptau that matches a development zkey's secrets); by default
 * each secret is fresh randomness that lives only in this call.
 */
export async function writeDevelopmentPtau(
  file: string,
  power: number,
  secrets: { tau?: bigint; alpha?: bigint; beta?: bigint } = {},
): Promise<number> {
  const started = performance.now();
  const curve: Any = await snarkjs.curves.getCurveFromName("bn128");
  const { Fr, G1, G2 } = curve;
  const random = () => {
    for (;;) {
      const x = BigInt(`0x${randomBytes(64).toString("hex")}`) % (curve.r as bigint);
      if (x !== 0n) return Fr.e(x);
    }
  };
  const tau = secrets.tau === undefined ? random() : Fr.e(secrets.tau);
  const alpha = secrets.alpha === undefined ? random() : Fr.e(secrets.alpha);
  const beta = secrets.beta === undefined ? random() : Fr.e(secrets.beta);
  const n = 2 ** power;
  const generators = (G: Any, count: number) => {
    const one = G.oneAffine as Uint8Array;
    const out = new Uint8Array(count * one.length);
    for (let i = 0; i < count; i++) out.set(one, i * one.length);
    return out;
  };
  // [first * inc^i] G for i < count, affine (Montgomery, as ptau files store points): worker threads.
  const powers = async (G: Any, count: number, first: Any, inc: Any): Promise<Uint8Array> =>
    G.batchApplyKey(generators(G, count), first, inc, "affine", "affine");

  const sections = new Map<number, Uint8Array[]>();
  sections.set(2, [await powers(G1, 2 * n - 1, Fr.one, tau)]);
  sections.set(3, [await powers(G2, n, Fr.one, tau)]);
  sections.set(4, [await powers(G1, n, alpha, tau)]);
  sections.set(5, [await powers(G1, n, beta, tau)]);
  sections.set(6, [await powers(G2, 1, beta, Fr.one)]);
  // Section 7: the contributions transcript. None: this file has no ceremony behind it.
  sections.set(7, [new Uint8Array(4)]);

  // Lagrange basis of each domain 2^p (snarkjs' roots of unity Fr.w[p]) evaluated at tau:
  // L_i(tau) = (tau^m - 1) / m * w^i / (tau - w^i).
  const lagrange = async (p: number): Promise<Any[]> => {
    const m = 2 ** p;
    const w = Fr.w[p];
    const c = Fr.div(Fr.sub(Fr.exp(tau, m), Fr.one), Fr.e(m));
    const roots: Any[] = [];
    let wi = Fr.one;
    for (let i = 0; i < m; i++) {
      roots.push(wi);
      wi = Fr.mul(wi, w);
    }
    const denominators = roots.map((r) => Fr.sub(tau, r));
    if (denominators.some((d) => Fr.isZero(d))) throw new Error("tau is a root of unity: retry");
    const inverses = (await Fr.batchInverse(denominators)) as Any[];
    const l = roots.map((r, i) => Fr.mul(c, Fr.mul(r, inverses[i])));
    if (p <= power) return l;
    // The 2^(power+1) domain: snarkjs transforms the 2m-1 powers it has with the last one set to
    // zero, so each point lacks tau^(m-1) w^(-i(m-1)) / m = tau^(m-1) w^i / m.
    const missing = Fr.div(Fr.exp(tau, m - 1), Fr.e(m));
    return l.map((li, i) => Fr.sub(li, Fr.mul(missing, roots[i])));
  };
  const times = (G: Any, scalars: Any[], factor: Any) => timesGenerator(curve, G, scalars, factor);
  for (const id of [12, 13, 14, 15]) sections.set(id, []);
  for (let p = 0; p <= power + 1; p++) {
    const l = await lagrange(p);
    sections.get(12)?.push(await times(G1, l, Fr.one));
    if (p > power) continue; // only tauG1 has the 2^(power+1) domain (Groth16's H query)
    sections.get(13)?.push(await times(G2, l, Fr.one));
    sections.get(14)?.push(await times(G1, l, alpha));
    sections.get(15)?.push(await times(G1, l, beta));
  }

  // Binary file: "ptau", version 1, section count; each section: type u32, size u64, bytes.
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const header = Buffer.concat([
    u32(curve.F1.n8),
    (() => {
      const q = Buffer.alloc(curve.F1.n8);
      let x = curve.q as bigint;
      for (let i = 0; i < q.length; i++, x >>= 8n) q[i] = Number(x & 0xffn);
      return q;
    })(),
    u32(power),
    u32(power), // ceremony power
  ]);
  sections.set(1, [header]);
  const ids = [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15];
  const fd = await open(file, "w");
  try {
    await fd.write(Buffer.concat([Buffer.from("ptau", "latin1"), u32(1), u32(ids.length)]));
    for (const id of ids) {
      const parts = sections.get(id) ?? [];
      const size = parts.reduce((a, b) => a + b.length, 0);
      const head = Buffer.alloc(12);
      head.writeUInt32LE(id, 0);
      head.writeBigUInt64LE(BigInt(size), 4);
      await fd.write(head);
      for (const part of parts) await fd.write(part);
    }
  } finally {
    await fd.close();
  }
  return (performance.now() - started) / 1000;
}

/** Per group: [2^(8j)] G for j < 32 (affine), built once per process. */
const byteBases = new WeakMap<object, Uint8Array>();

function byteBasesOf(G: Any): Uint8Array {
  let bases = byteBases.get(G);
  if (!bases) {
    const sAffine = G.F.n8 * 2;
    bases = new Uint8Array(32 * sAffine);
    let base = G.g;
    for (let j = 0; j < 32; j++) {
      G.toRprLEM(bases, j * sAffine, G.toAffine(base));
      for (let k = 0; k < 8; k++) base = G.double(base);
    }
    byteBases.set(G, bases);
  }
  return bases;
}

/**
 * [s_i * factor] G for each scalar (Fr elements as the curve holds them), affine, in the layout
 * ptau and zkey files store, on snarkjs' worker threads (each chunk is a task of wasm calls, as
 * ffjavascript's own batch operations are). Every point has the same base G, so each is a small
 * multi-exponentiation of the 32 fixed points [2^(8j)] G by the scalar's 32 bytes (one wasm call
 * per point, as before, but ~3x less work than a generic scalar multiplication).
 */
export async function timesGenerator(
  curve: Any,
  G: Any,
  scalars: Any[],
  factor: Any,
): Promise<Uint8Array> {
  const { Fr } = curve;
  const sFr = Fr.n8 as number;
  const sAffine = G.F.n8 * 2;
  const sJacobian = G.F.n8 * 3;
  const tm = curve.tm;
  const bases = byteBasesOf(G);
  const chunk = Math.max(1, Math.ceil(scalars.length / (tm.concurrency * 4)));
  const tasks: Promise<Uint8Array[]>[] = [];
  for (let start = 0; start < scalars.length; start += chunk) {
    const part = scalars.slice(start, start + chunk);
    const bytes = new Uint8Array(part.length * sFr);
    part.forEach((x, i) => {
      Fr.toRprLE(bytes, i * sFr, Fr.mul(x, factor)); // plain little-endian integers
    });
    const task: Any[] = [
      { cmd: "ALLOCSET", var: 0, buff: bases },
      { cmd: "ALLOCSET", var: 1, buff: bytes },
      { cmd: "ALLOC", var: 2, len: part.length * sJacobian },
    ];
    for (let i = 0; i < part.length; i++) {
      task.push({
        cmd: "CALL",
        fnName: `${G.prefix}_multiexpAffine`,
        params: [
          { var: 0 },
          { var: 1, offset: i * sFr },
          { val: 1 }, // one byte per base
          { val: sFr },
          { var: 2, offset: i * sJacobian },
        ],
      });
    }
    task.push({
      cmd: "CALL",
      fnName: `${G.prefix}_batchToAffine`,
      params: [{ var: 2 }, { val: part.length }, { var: 2 }],
    });
    task.push({ cmd: "GET", out: 0, var: 2, len: part.length * sAffine });
    tasks.push(tm.queueAction(task));
  }
  const parts = (await Promise.all(tasks)).map((r) => r[0] as Uint8Array);
  const out = new Uint8Array(scalars.length * sAffine);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
