import { describe, expect, test } from "vitest";
import { InvalidParameterError } from "../errors.js";
import { formatNoos, parseCpu, parseDuration, parseMemory, parseNoos } from "./units.js";

function thrown(fn: () => unknown): InvalidParameterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidParameterError);
    return err as InvalidParameterError;
  }
  throw new Error("expected an InvalidParameterError");
}

describe("parseDuration", () => {
  test.each([
    ["90s", 90],
    ["10m", 600],
    ["1h", 3_600],
    ["1h30m", 5_400],
    ["1d2h3m4s", 93_784],
    ["0s", 0],
    [45, 45],
  ] as const)("%s -> %i s", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  test.each([
    ["10", "a unit is required"],
    ["500ms", "whole seconds"],
    ["1.5h", "whole numbers per unit"],
    ["30m1h", undefined],
    ["10 minutes", undefined],
    ["", undefined],
    ["-5s", undefined],
  ])("rejects %j", (input, note) => {
    const err = thrown(() => parseDuration(input, "deadline"));
    expect(err.field).toBe("deadline");
    expect(err.expected).toContain("units d | h | m | s");
    if (note) expect(err.expected).toContain(note);
  });

  test("rejects fractional and negative seconds", () => {
    expect(thrown(() => parseDuration(1.5, "bidWindow")).field).toBe("bidWindow");
    expect(thrown(() => parseDuration(-1)).field).toBe("duration");
  });
});

describe("parseMemory", () => {
  test.each([
    ["512Mi", 536_870_912n],
    ["1Gi", 1_073_741_824n],
    ["1G", 1_000_000_000n],
    ["1k", 1_000n],
    ["1K", 1_000n],
    ["1.5Gi", 1_610_612_736n],
    ["1024", 1_024n],
    [1024, 1_024n],
    [2048n, 2_048n],
    ["16Ei", 16n * 1024n ** 6n],
  ] as const)("%s -> %s bytes", (input, bytes) => {
    expect(parseMemory(input)).toBe(bytes);
  });

  test.each([
    ["512m", 'did you mean "512Mi"?'],
    ["1GB", "drop the B"],
    ["1.5", "whole bytes only"],
    ["0.3Ki", "not a whole number of bytes"],
    ["1e9", undefined],
    ["lots", undefined],
  ])("rejects %j", (input, note) => {
    const err = thrown(() => parseMemory(input, "resources.memory"));
    expect(err.field).toBe("resources.memory");
    expect(err.expected).toContain("Ki | Mi | Gi");
    if (note) expect(err.expected).toContain(note);
  });

  test("rejects negative and fractional numbers", () => {
    expect(thrown(() => parseMemory(-1)).field).toBe("memory");
    expect(thrown(() => parseMemory(1.5)).expected).toContain("whole bytes only");
  });
});

describe("parseCpu", () => {
  test.each([
    ["500m", 500],
    [1, 1_000],
    [0.5, 500],
    [0.25, 250],
    ["2", 2_000],
    ["1.5", 1_500],
    ["0.100", 100],
    [0.3, 300],
  ] as const)("%s -> %i millicores", (input, millis) => {
    expect(parseCpu(input)).toBe(millis);
  });

  test.each([["0.0005"], [0.0001], ["1 core"], ["-1"], [-1], ["1e3"], [Number.NaN]])(
    "rejects %j",
    (input) => {
      const err = thrown(() => parseCpu(input, "resources.cpu"));
      expect(err.field).toBe("resources.cpu");
      expect(err.expected).toContain('millicores as a string ("500m")');
    },
  );

  test("says when the value is finer than a millicore", () => {
    expect(thrown(() => parseCpu("0.0005")).expected).toContain("finer than 1 millicore");
  });
});

describe("parseNoos", () => {
  test.each([
    ["0.001", 10n ** 15n],
    ["5", 5n * 10n ** 18n],
    ["1.5", 15n * 10n ** 17n],
    ["0", 0n],
    ["0.000000000000000001", 1n],
    ["123456789.123456789123456789", 123_456_789_123_456_789_123_456_789n],
  ] as const)("%s -> %s wei", (input, wei) => {
    expect(parseNoos(input)).toBe(wei);
  });

  test.each([
    ["0.0000000000000000001", "19 decimals"],
    ["-1", "negative amounts are not allowed"],
    ["1e18", "exponents are not allowed"],
    ["1E-3", "exponents are not allowed"],
    [".5", undefined],
    ["5.", undefined],
    ["1,000", undefined],
    ["+1", undefined],
    ["1".repeat(80), "above 2^256 - 1 wei"],
  ])("rejects %j", (input, note) => {
    const err = thrown(() => parseNoos(input, "pricing.deposit"));
    expect(err.field).toBe("pricing.deposit");
    expect(err.expected).toContain("at most 18 decimals");
    if (note) expect(err.expected).toContain(note);
    expect(err.message).toContain("Invalid pricing.deposit");
  });

  test("rejects numbers: they must be quoted", () => {
    const err = thrown(() => parseNoos(0.001 as unknown as string));
    expect(err.field).toBe("amount");
    expect(err.expected).toContain("quote it");
  });

  test("formatNoos is its inverse", () => {
    for (const text of ["0.001", "5", "1.5", "0", "0.000000000000000001", "123456789.123456789"]) {
      expect(formatNoos(parseNoos(text))).toBe(text);
    }
    expect(formatNoos(-15n * 10n ** 17n)).toBe("-1.5");
  });
});
