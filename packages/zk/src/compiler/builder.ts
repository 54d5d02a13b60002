import { ZkCompileError } from "../errors.js";
import { floorDiv } from "../field.js";
import { log2Exact, maxBig, minBig, signedBits } from "../quantize/fixed.js";
import type { Affine, Gadget } from "./ir.js";

/** Widest value the circuit range-checks; the field has 254 bits, so this leaves ample room. */
export const MAX_BITS = 64;
/** Every linear combination must stay below 2^LIMIT_BITS in magnitude (no wrap mod p). */
const LIMIT_BITS = 240n;

/**
 * One tensor element during compilation: the integer affine expression the circuit computes,
 * its integer bounds, and for the error bound the float interval [flo, fhi] of the exact
 * (real-arithmetic) model and |dequantized - exact| <= err, valid for inputs in the input range.
 */
export type Elem = { a: Affine; lo: bigint; hi: bigint; flo: number; fhi: number; err: number };

export const constAffine = (k: bigint): Affine => ({ wires: [], coefs: [], k });
export const wireAffine = (w: number): Affine => ({ wires: [w], coefs: [1n], k: 0n });

/** Accumulates sum(coef * affine) + k, merging terms of the same wire. */
export class AffineSum {
  private readonly terms = new Map<number, bigint>();
  k = 0n;

  add(a: Affine, coef: bigint): this {
    if (coef === 0n) return this;
    for (let i = 0; i < a.wires.length; i++) {
      const w = a.wires[i] as number;
      const c = (this.terms.get(w) ?? 0n) + (a.coefs[i] as bigint) * coef;
      if (c === 0n) this.terms.delete(w);
      else this.terms.set(w, c);
    }
    this.k += a.k * coef;
    return this;
  }

  addWire(w: number, coef: bigint): this {
    if (coef === 0n) return this;
    const c = (this.terms.get(w) ?? 0n) + coef;
    if (c === 0n) this.terms.delete(w);
    else this.terms.set(w, c);
    return this;
  }

  build(): Affine {
    const wires = [...this.terms.keys()];
    return { wires, coefs: wires.map((w) => this.terms.get(w) as bigint), k: this.k };
  }
}

export function scaleAffine(a: Affine, f: bigint): Affine {
  return { wires: [...a.wires], coefs: a.coefs.map((c) => c * f), k: a.k * f };
}

/** Wires, their bounds and the gadget list, built node by node. */
export class CircuitBuilder {
  readonly wireLo: bigint[] = [];
  readonly wireHi: bigint[] = [];
  readonly gadgets: Gadget[] = [];
  readonly params: bigint[] = [];
  /** Sign-bit wire of a wire that a div already decomposed (reused by ReLU). */
  private readonly posOf = new Map<number, number>();
  /** Current node, for error messages. */
  node = "";
  /** Widest range check of the current node. */
  maxBits = 0;
  /** Wire ids of the parameters, in creation (= hash) order. */
  private readonly paramWires: number[] = [];

  constructor(
    readonly nInputs: number,
    inputLo: bigint,
    inputHi: bigint,
  ) {
    for (let i = 0; i < nInputs; i++) {
      this.wireLo.push(inputLo);
      this.wireHi.push(inputHi);
    }
  }

  /** A parameter wire (param_visibility "hashed"); finish() moves parameters after the inputs. */
  param(value: bigint): number {
    this.params.push(value);
    const w = this.newWire(value, value);
    this.paramWires.push(w);
    return w;
  }

  private newWire(lo: bigint, hi: bigint): number {
    this.wireLo.push(lo);
    this.wireHi.push(hi);
    return this.wireLo.length - 1;
  }

  bounds(a: Affine): [bigint, bigint] {
    let lo = a.k;
    let hi = a.k;
    for (let i = 0; i < a.wires.length; i++) {
      const c = a.coefs[i] as bigint;
      const w = a.wires[i] as number;
      const wl = this.wireLo[w] as bigint;
      const wh = this.wireHi[w] as bigint;
      if (c > 0n) {
        lo += c * wl;
        hi += c * wh;
      } else {
        lo += c * wh;
        hi += c * wl;
      }
    }
    const limit = 1n << LIMIT_BITS;
    if (lo <= -limit || hi >= limit) {
      throw new ZkCompileError(
        `a value needs more than ${LIMIT_BITS} bits; lower input_scale/param_scale or the input range`,
        { node: this.node },
      );
    }
    return [lo, hi];
  }

  private checkBits(B: number, what: string): void {
    if (B > MAX_BITS) {
      throw new ZkCompileError(
        `${what} needs ${B} bits, more than the ${MAX_BITS}-bit cap; lower input_scale/param_scale or the input range`,
        { node: this.node },
      );
    }
    this.maxBits = Math.max(this.maxBits, B);
  }

  /** Range check x - lo in [0, 2^bits). */
  ubits(x: Affine, bits: number): void {
    this.checkBits(bits, "an input range check");
    this.gadgets.push({ op: "ubits", x, bits });
  }

  /** floor(x / d) with a range-checked remainder, as a new wire (x itself when d = 1). */
  div(x: Affine, d: bigint): Affine {
    if (d === 1n) return x;
    const [lo, hi] = this.bounds(x);
    const qlo = floorDiv(lo, d);
    const qhi = floorDiv(hi, d);
    const B = signedBits(qlo, qhi);
    this.checkBits(B, "a rescaled value");
    const rk = log2Exact(d) >= 0 ? log2Exact(d) : 0;
    this.checkBits(rk, "a remainder");
    const out = this.newWire(qlo, qhi);
    const pos = this.newWire(0n, 1n);
    this.gadgets.push({ op: "div", x, d, B, out, pos });
    this.posOf.set(out, pos);
    return wireAffine(out);
  }

  /** Wire holding [x >= 0]. */
  sign(x: Affine): number {
    if (x.wires.length === 1 && x.coefs[0] === 1n && x.k === 0n) {
      const known = this.posOf.get(x.wires[0] as number);
      if (known !== undefined) return known;
    }
    const [lo, hi] = this.bounds(x);
    const B = signedBits(lo, hi);
    this.checkBits(B, "a comparison");
    const pos = this.newWire(0n, 1n);
    this.gadgets.push({ op: "sign", x, B, pos });
    return pos;
  }

  /** Wire holding a * b + c. */
  mul(a: Affine, b: Affine, c: Affine): number {
    const [al, ah] = this.bounds(a);
    const [bl, bh] = this.bounds(b);
    const [cl, ch] = this.bounds(c);
    const p = [al * bl, al * bh, ah * bl, ah * bh];
    const lo = p.reduce(minBig) + cl;
    const hi = p.reduce(maxBig) + ch;
    this.bounds({ wires: [], coefs: [], k: lo });
    this.bounds({ wires: [], coefs: [], k: hi });
    const out = this.newWire(lo, hi);
    this.gadgets.push({ op: "mul", a, b, c, out });
    return out;
  }

  /**
   * Renumbers wires to the circuit layout: inputs, then parameters (hash order), then the rest.
   * Returns the map old id -> new id; gadgets are rewritten in place.
   */
  finish(): (a: Affine) => Affine {
    const n = this.wireLo.length;
    const map = new Int32Array(n).fill(-1);
    let next = 0;
    for (let i = 0; i < this.nInputs; i++) map[i] = next++;
    for (const w of this.paramWires) map[w] = next++;
    for (let i = 0; i < n; i++) if (map[i] === -1) map[i] = next++;
    const remap = (a: Affine): Affine => ({
      wires: a.wires.map((w) => map[w] as number),
      coefs: a.coefs,
      k: a.k,
    });
    for (let i = 0; i < this.gadgets.length; i++) {
      const g = this.gadgets[i] as Gadget;
      switch (g.op) {
        case "ubits":
          this.gadgets[i] = { ...g, x: remap(g.x) };
          break;
        case "div":
          this.gadgets[i] = {
            ...g,
            x: remap(g.x),
            out: map[g.out] as number,
            pos: map[g.pos] as number,
          };
          break;
        case "sign":
          this.gadgets[i] = { ...g, x: remap(g.x), pos: map[g.pos] as number };
          break;
        case "mul":
          this.gadgets[i] = {
            ...g,
            a: remap(g.a),
            b: remap(g.b),
            c: remap(g.c),
            out: map[g.out] as number,
          };
          break;
      }
    }
    const lo = [...this.wireLo];
    const hi = [...this.wireHi];
    for (let i = 0; i < n; i++) {
      this.wireLo[map[i] as number] = lo[i] as bigint;
      this.wireHi[map[i] as number] = hi[i] as bigint;
    }
    return remap;
  }
}
