import { describe, expect, test } from "vitest";
import { createRng } from "../random.js";
import {
  div,
  dot,
  expQ,
  floorDiv,
  INT32_MAX,
  INT32_MIN,
  mul,
  mulShift,
  ONE,
  sat,
  softmaxGradRow,
} from "./arith.js";

const big = (x: number) => BigInt(x);
function floorDivBig(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}
function satBig(x: bigint): number {
  return Number(x < -2147483648n ? -2147483648n : x > 2147483647n ? 2147483647n : x);
}

describe("fixed arithmetic (ARITHMETIC.md R1-R7)", () => {
  test("saturation and floor division toward -infinity", () => {
    expect(sat(2 ** 31)).toBe(INT32_MAX);
    expect(sat(-(2 ** 31) - 1)).toBe(INT32_MIN);
    expect(sat(-5)).toBe(-5);
    expect(floorDiv(-1, 65536)).toBe(-1);
    expect(floorDiv(-65536, 65536)).toBe(-1);
    expect(floorDiv(-65537, 65536)).toBe(-2);
    expect(floorDiv(7, 2)).toBe(3);
    expect(floorDiv(-7, 2)).toBe(-4);
    // float quotient would round up to an integer here: the correction must catch it
    expect(floorDiv(2 ** 52 - 1, 2 ** 31 - 1)).toBe(
      Number(floorDivBig(big(2 ** 52 - 1), big(2 ** 31 - 1))),
    );
    expect(mul(INT32_MAX, INT32_MAX)).toBe(INT32_MAX);
    expect(mul(INT32_MIN, INT32_MAX)).toBe(INT32_MIN);
    expect(mul(-1, 1)).toBe(-1); // floor(-1 / 65536)
    expect(mul(3 * ONE, -ONE / 2)).toBe(-3 * (ONE / 2));
    expect(div(ONE, 3 * ONE)).toBe(21845);
    expect(div(-ONE, 3 * ONE)).toBe(-21846);
    expect(div(INT32_MAX, 1)).toBe(INT32_MAX);
    expect(() => div(1, 0)).toThrow(/divisor/);
  });

  test("mulShift and dot are exact against BigInt, including products past 2^53", () => {
    const rng = createRng(7);
    const r32 = () => rng.nextUint32() - 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const a = i < 1000 ? r32() : r32() >> 12;
      const b = r32();
      expect(mulShift(a, b)).toBe(Number(floorDivBig(big(a) * big(b), 65536n)));
    }
    for (const scale of [0, 8, 15]) {
      for (let i = 0; i < 50; i++) {
        const K = 1 + (i % 64);
        const a = Array.from({ length: K }, () => r32() >> scale);
        const b = Array.from({ length: K }, () => r32() >> scale);
        const bias = r32() >> 4;
        let s = 0n;
        for (let k = 0; k < K; k++) s += big(a[k] as number) * big(b[k] as number);
        expect(dot(a, 0, b, 0, K, bias)).toBe(satBig(floorDivBig(s, 65536n) + big(bias)));
      }
    }
  });

  test("exp follows Math.exp within 0.0002 relative + 2^-16 on [-16, 0], 0 below", () => {
    let worst = 0;
    for (let x = -16 * ONE; x <= 0; x += 97) {
      const got = expQ(x) / ONE;
      const want = Math.exp(x / ONE);
      const err = Math.abs(got - want) - 0.0002 * want;
      worst = Math.max(worst, err);
    }
    expect(worst).toBeLessThanOrEqual(1 / ONE);
    expect(expQ(0)).toBe(ONE);
    expect(expQ(-16 * ONE - 1)).toBe(0);
    expect(expQ(5 * ONE)).toBe(ONE); // x > 0 is treated as 0
    expect(expQ(INT32_MIN)).toBe(0);
  });

  test("softmax gradient rows sum to about 0 and push the label's logit up", () => {
    const z = [ONE, 2 * ONE, -ONE, 0, 3 * ONE, INT32_MIN, INT32_MAX, 5, -5, ONE / 2];
    const out = new Int32Array(10);
    softmaxGradRow(z, 0, 10, 3, 32, out, 0);
    const sum = out.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum)).toBeLessThanOrEqual(12);
    expect(out[3]).toBeLessThan(0);
    expect(out[6]).toBeGreaterThan(0);
    expect(out[5]).toBe(0);
  });
});
