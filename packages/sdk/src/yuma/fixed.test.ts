import { describe, expect, it } from "vitest";
import { emaAlphaFromMovingAverage } from "./epoch.js";
import {
  add,
  checkedDiv,
  checkedMul,
  E_I32F32,
  emissionToU64,
  expFixed,
  expSafe,
  fixed64To32,
  fixedProportionToU16,
  fromF32,
  fromF64,
  fromInt,
  fromU64To64,
  I32F32_MAX,
  I32F32_MIN,
  mul,
  ONE,
  round,
  safeDiv,
  safeDiv64,
  saturatingDiv,
  toU16,
  toU64,
  u16ProportionToFixed,
} from "./fixed.js";

describe("I32F32 multiplication floors (arithmetic shift)", () => {
  it("positive products drop the low bits", () => {
    // 1.5 * (1 + 2^-32) = 1.5 + 1.5·2^-32 → floor keeps +1 ulp
    expect(mul(ONE + ONE / 2n, ONE + 1n)).toBe(ONE + ONE / 2n + 1n);
    expect(mul(3n, ONE / 2n)).toBe(1n); // 3 ulp * 0.5 = 1.5 ulp → 1
  });
  it("negative products round toward -inf, not toward 0", () => {
    expect(mul(-3n, ONE / 2n)).toBe(-2n); // -1.5 ulp → -2
    expect(mul(-1n, 1n)).toBe(-1n); // -2^-64 → -1 ulp
  });
  it("saturates on overflow; checked_mul returns null", () => {
    const big = fromInt(1n << 31n) - 1n;
    expect(mul(big, fromInt(4))).toBe(I32F32_MAX);
    expect(mul(big, fromInt(-4))).toBe(I32F32_MIN);
    expect(checkedMul(big, fromInt(4))).toBeNull();
    expect(checkedMul(fromInt(2), fromInt(3))).toBe(fromInt(6));
  });
});

describe("I32F32 division truncates toward zero", () => {
  it("positive and negative quotients", () => {
    expect(checkedDiv(ONE, fromInt(3))).toBe(1431655765n); // 0.333… truncated
    expect(checkedDiv(-ONE, fromInt(3))).toBe(-1431655765n); // not -1431655766 (floor)
    expect(checkedDiv(fromInt(7), fromInt(-2))).toBe(fromInt(-3) - ONE / 2n);
  });
  it("safe_div is 0 on division by zero and on overflow", () => {
    expect(safeDiv(ONE, 0n)).toBe(0n);
    expect(safeDiv(fromInt(1n << 30n), 1n)).toBe(0n); // 2^30 / 2^-32 overflows i64
    expect(safeDiv(fromInt(1), fromInt(4))).toBe(ONE / 4n);
  });
  it("saturating_div saturates", () => {
    expect(saturatingDiv(fromInt(1n << 30n), 1n)).toBe(I32F32_MAX);
    expect(saturatingDiv(fromInt(1000), fromInt(-100))).toBe(fromInt(-10));
  });
});

describe("conversions", () => {
  it("u16 proportions and back (spec constants)", () => {
    expect(u16ProportionToFixed(32767)).toBe(2147450879n); // kappa
    expect(u16ProportionToFixed(45875)).toBe(3006509875n); // alpha_low default
    expect(u16ProportionToFixed(58982)).toBe(3865503334n); // alpha_high default
    expect(u16ProportionToFixed(65535)).toBe(ONE);
    expect(fixedProportionToU16(ONE)).toBe(65535);
    expect(fixedProportionToU16(ONE * 2n)).toBe(65535); // clamped
    expect(fixedProportionToU16(-1n)).toBe(0);
    expect(fixedProportionToU16(u16ProportionToFixed(16383))).toBe(16382); // floor of 16382.99…
  });
  it("moving-average alpha constants", () => {
    expect(emaAlphaFromMovingAverage(900_000n)).toBe(429496730n);
    expect(emaAlphaFromMovingAverage(975_000n)).toBe(107374183n);
  });
  it("from_num(f32/f64) rounds to nearest, ties to even", () => {
    expect(fromF64(0.5)).toBe(ONE / 2n);
    expect(fromF64(2 ** -33)).toBe(0n); // exactly half an ulp → even (0)
    expect(fromF64(3 * 2 ** -33)).toBe(2n); // 1.5 ulp → 2 (even)
    expect(fromF64(-(2 ** -33))).toBe(0n);
    expect(fromF32(0.1)).toBe(429496736n); // f32 0.1 = 0.100000001490116… (f32 first)
    expect(fromF64(0.1)).toBe(429496730n);
  });
  it("round() is half away from zero; to_num floors and saturates", () => {
    expect(round(fromInt(2) + ONE / 2n)).toBe(fromInt(3));
    expect(round(-(fromInt(2) + ONE / 2n))).toBe(fromInt(-3));
    expect(round(fromInt(2) + ONE / 2n - 1n)).toBe(fromInt(2));
    expect(toU16(fromInt(70000))).toBe(65535);
    expect(toU16(-ONE / 2n)).toBe(0);
    expect(toU64(fromInt(5) - 1n)).toBe(4n);
  });
  it("I64F64 stake normalisation truncates, then drops 32 bits", () => {
    const s = fromU64To64(1n);
    const total = fromU64To64(10n);
    expect(safeDiv64(s, total)).toBe(1844674407370955161n);
    expect(fixed64To32(safeDiv64(s, total))).toBe(429496729n);
    expect(safeDiv64(s, 0n)).toBe(0n);
  });
  it("I96F32 emission floors", () => {
    expect(emissionToU64(429496729n, 1_000_000_000n)).toBe(99999999n); // test_10_graph
    expect(emissionToU64(-5n, 10n)).toBe(0n);
  });
  it("add saturates", () => {
    expect(add(I32F32_MAX, 1n)).toBe(I32F32_MAX);
  });
});

describe("exp (substrate-fixed transcendental) and exp_safe", () => {
  it("exact special cases", () => {
    expect(expFixed(0n)).toBe(ONE);
    expect(expFixed(ONE)).toBe(E_I32F32); // the I9F23 constant, not the series value
    expect(E_I32F32).toBe(11674931200n);
  });
  it("matches e^x closely and inverts for x < 0", () => {
    for (const x of [0.25, 0.5, 2, 5, -0.5, -5]) {
      const r = expFixed(fromF64(x));
      expect(r).not.toBeNull();
      expect(Number(r) / 2 ** 32).toBeCloseTo(Math.exp(x), 5);
    }
    // The series stops at the x^31/31! term: far from 0 it falls short of e^x, bit for bit as
    // substrate-fixed does (values from an independent integer transcription).
    expect(expFixed(fromInt(10))).toBe(94602947905357n);
    expect(expFixed(fromInt(20))).toBe(2066907302758576256n);
    const p = expFixed(fromF64(2)) as bigint;
    expect(expFixed(fromF64(-2))).toBe(checkedDiv(ONE, p));
  });
  it("overflow is Err inside exp; exp_safe clamps to ±20 first", () => {
    expect(expFixed(fromInt(25))).toBeNull(); // e^25 > 2^31
    expect(expSafe(fromInt(25))).toBe(expSafe(fromInt(20)));
    expect(Number(expSafe(fromInt(20))) / 2 ** 32).toBeCloseTo(481239357.67416286, 3);
    expect(expSafe(fromInt(-100))).toBe(expSafe(fromInt(-20)));
    expect(Number(expSafe(fromInt(-20))) / 2 ** 32).toBeLessThan(1e-8);
  });
  it("a huge series overflows (Err → I32F32::MAX for positive inputs)", () => {
    // e^21 overflows i64 bits only in the series; the clamp keeps exp_safe finite there.
    expect(expFixed(fromInt(22))).toBeNull();
    expect(expSafe(fromInt(22))).not.toBe(I32F32_MAX);
  });
});
