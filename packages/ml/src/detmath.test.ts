import { describe, expect, test } from "vitest";
import { detExp, detLog } from "./detmath.js";
import { createRng } from "./random.js";

const bits = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
};

describe("detExp / detLog", () => {
  test("pinned bits (the same on every machine)", () => {
    expect(bits(detExp(-0.5))).toBe("3fe368b2fc6f960a");
    expect(bits(detExp(-3.75))).toBe("3f981509354f0d2a");
    expect(bits(detExp(-20.125))).toBe("3e1f3fe0cb68b20c");
    expect(bits(detLog(3.75))).toBe("3ff525e973a0564f");
    expect(bits(detLog(1e-300))).toBe("c085963447f87fb5");
  });

  test("agree bit for bit with V8's fdlibm Math.exp / Math.log", () => {
    const rng = createRng(1);
    const mismatches: string[] = [];
    const check = (name: string, x: number, ours: number, v8: number): void => {
      if (!Object.is(ours, v8)) mismatches.push(`${name}(${x}) = ${ours}, V8 ${v8}`);
    };
    for (let i = 0; i < 100_000; i++) {
      const x = (rng.nextFloat() - 0.5) * 1500;
      check("exp", x, detExp(x), Math.exp(x));
      const small = (rng.nextFloat() - 0.5) * 4;
      check("exp", small, detExp(small), Math.exp(small));
      const y = Math.exp((rng.nextFloat() - 0.5) * 1400);
      check("log", y, detLog(y), Math.log(y));
      const near1 = 1 + (rng.nextFloat() - 0.5) * 1e-5;
      check("log", near1, detLog(near1), Math.log(near1));
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  test("special values", () => {
    const cases = [0, -0, 1, -1, 5e-324, 1e-310, 709.78, 710, -745.2, Infinity, -Infinity, NaN];
    for (const v of cases) {
      expect(detExp(v)).toBe(Math.exp(v));
      expect(detLog(v)).toBe(Math.log(v));
    }
    expect(detExp(1)).toBe(Math.E);
  });
});
