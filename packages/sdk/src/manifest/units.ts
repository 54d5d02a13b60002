import { InvalidParameterError } from "../errors.js";

/**
 * Unit parsers for manifest quantities. Each has an exported `parseX(value, field)` that throws an
 * InvalidParameterError naming the field, and an internal `checkX(value)` that the manifest schema
 * uses to word its own issue (`<field>: <problem>; expected <allowed values>`).
 */

/** The outcome of a check: the value, or what is wrong and what would be right. */
export type UnitCheck<T> =
  | { ok: true; value: T }
  | { ok: false; problem: string; expected: string; note?: string };

/** Expected-value wording shared by the parsers and the manifest schema. */
export const unitExpectations = {
  duration: 'a duration like "90s", "10m", "1h" or "1h30m" (units d | h | m | s), or whole seconds',
  memory:
    'bytes, or a quantity like "512Mi", "1Gi" or "1G" (suffixes Ki | Mi | Gi | Ti | Pi | Ei | k | M | G | T | P | E)',
  cpu: 'cores as a number (1, 0.5) or millicores as a string ("500m")',
  noos: 'a decimal NOOS amount as a string with at most 18 decimals, e.g. "0.001"',
} as const;

const UINT256_MAX = 2n ** 256n - 1n;

/** `got "10x"`, `got 1.5`, `missing`, … — how an issue describes the value it rejected. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "got an empty value";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `got ${JSON.stringify(shown)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") return `got ${String(value)}`;
  if (typeof value === "bigint") return `got ${value}n`;
  if (Array.isArray(value)) return "got a list";
  if (typeof value === "object") return "got a mapping";
  return `got a ${typeof value}`;
}

function fail<T>(value: unknown, expected: string, note?: string): UnitCheck<T> {
  const problem = describeValue(value);
  return note
    ? { ok: false, problem: `${problem} (${note})`, expected, note }
    : { ok: false, problem, expected };
}

function orThrow<T>(check: UnitCheck<T>, field: string, received: unknown): T {
  if (check.ok) return check.value;
  throw new InvalidParameterError({
    field,
    expected: check.note ? `${check.expected} (${check.note})` : check.expected,
    received,
  });
}

const durationUnits = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const durationPattern = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

export function checkDuration(value: unknown): UnitCheck<number> {
  const expected = unitExpectations.duration;
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return { ok: true, value };
    return fail(value, expected);
  }
  if (typeof value !== "string") return fail(value, expected);
  const match = durationPattern.exec(value);
  if (!match || value === "") {
    if (/^\d+$/.test(value)) return fail(value, expected, "a unit is required");
    if (/^\d+ms$/.test(value)) return fail(value, expected, "durations are whole seconds");
    if (/^\d*\.\d+[dhms]$/.test(value)) return fail(value, expected, "use whole numbers per unit");
    return fail(value, expected);
  }
  const [, d, h, m, s] = match;
  const seconds =
    Number(d ?? 0) * durationUnits.d +
    Number(h ?? 0) * durationUnits.h +
    Number(m ?? 0) * durationUnits.m +
    Number(s ?? 0) * durationUnits.s;
  if (!Number.isSafeInteger(seconds)) return fail(value, expected, "too large");
  return { ok: true, value: seconds };
}

/** `"10m"` -> 600, `"1h30m"` -> 5400, `90` -> 90 (seconds). Units d, h, m, s, largest first. */
export function parseDuration(value: string | number, field = "duration"): number {
  return orThrow(checkDuration(value), field, value);
}

const memorySuffixes: Record<string, bigint> = {
  "": 1n,
  k: 1000n,
  K: 1000n,
  M: 1000n ** 2n,
  G: 1000n ** 3n,
  T: 1000n ** 4n,
  P: 1000n ** 5n,
  E: 1000n ** 6n,
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
  Ei: 1024n ** 6n,
};
const memoryPattern = /^(\d+)(?:\.(\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E)?$/;

export function checkMemory(value: unknown): UnitCheck<bigint> {
  const expected = unitExpectations.memory;
  if (typeof value === "bigint") return value >= 0n ? { ok: true, value } : fail(value, expected);
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return { ok: true, value: BigInt(value) };
    return fail(value, expected, Number.isInteger(value) ? undefined : "whole bytes only");
  }
  if (typeof value !== "string") return fail(value, expected);
  const match = memoryPattern.exec(value);
  if (!match) {
    if (/^\d+(\.\d+)?m$/.test(value)) {
      return fail(value, expected, `m means milli; did you mean "${value.slice(0, -1)}Mi"?`);
    }
    if (/^\d+(\.\d+)?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(value)) {
      return fail(value, expected, "drop the B: Mi, Gi, M, G");
    }
    return fail(value, expected);
  }
  const [, whole = "0", fraction = "", suffix = ""] = match;
  if (fraction && !suffix) return fail(value, expected, "whole bytes only");
  const multiplier = memorySuffixes[suffix] ?? 1n;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction || "0")) * multiplier;
  if (scaled % scale !== 0n) return fail(value, expected, "not a whole number of bytes");
  return { ok: true, value: scaled / scale };
}

/** `"512Mi"` -> 536870912n, `"1G"` -> 1000000000n, `1024` -> 1024n (bytes). */
export function parseMemory(value: string | number | bigint, field = "memory"): bigint {
  return orThrow(checkMemory(value), field, value);
}

const coresPattern = /^(\d+)(?:\.(\d+))?$/;

export function checkCpu(value: unknown): UnitCheck<number> {
  const expected = unitExpectations.cpu;
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) return fail(value, expected);
    text = String(value);
  } else if (typeof value === "string") {
    if (/^\d+m$/.test(value)) {
      const millis = Number(value.slice(0, -1));
      return Number.isSafeInteger(millis) ? { ok: true, value: millis } : fail(value, expected);
    }
    text = value;
  } else {
    return fail(value, expected);
  }
  const match = coresPattern.exec(text);
  if (!match) return fail(value, expected);
  const [, whole = "0", fraction = ""] = match;
  if (fraction.replace(/0+$/, "").length > 3)
    return fail(value, expected, "finer than 1 millicore");
  const millis = Number(whole) * 1000 + Number(fraction.padEnd(3, "0").slice(0, 3));
  if (!Number.isSafeInteger(millis)) return fail(value, expected, "too large");
  return { ok: true, value: millis };
}

/** `"500m"` -> 500, `1` -> 1000, `0.25` -> 250 (millicores). */
export function parseCpu(value: string | number, field = "cpu"): number {
  return orThrow(checkCpu(value), field, value);
}

const noosPattern = /^(\d+)(?:\.(\d+))?$/;

export function checkNoos(value: unknown): UnitCheck<bigint> {
  const expected = unitExpectations.noos;
  if (typeof value !== "string") {
    return fail(value, expected, typeof value === "number" ? "quote it" : undefined);
  }
  if (value.startsWith("-")) return fail(value, expected, "negative amounts are not allowed");
  if (/^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$/.test(value)) {
    return fail(value, expected, "exponents are not allowed");
  }
  const match = noosPattern.exec(value);
  if (!match) return fail(value, expected);
  const [, whole = "0", fraction = ""] = match;
  if (fraction.length > 18) return fail(value, expected, `${fraction.length} decimals`);
  const wei = BigInt(whole) * 10n ** 18n + BigInt(fraction.padEnd(18, "0"));
  if (wei > UINT256_MAX) return fail(value, expected, "above 2^256 - 1 wei");
  return { ok: true, value: wei };
}

/** `"0.001"` -> 1000000000000000n wei (18 decimals). Rejects negatives, exponents, > 18 decimals. */
export function parseNoos(value: string, field = "amount"): bigint {
  return orThrow(checkNoos(value), field, value);
}

/** 1000000000000000n -> `"0.001"`: the shortest decimal NOOS string for a wei amount. */
export function formatNoos(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / 10n ** 18n;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}
