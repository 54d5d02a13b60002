// Output for people (aligned tables, NOOS amounts) and for scripts (`--json`, bigints as strings).

// viem's formatEther, inlined: importing viem here would load all of it (~0.3 s) into every
// command that prints anything, `noos zk prove` included.
function formatEther(wei: bigint): string {
  const negative = wei < 0n;
  const digits = (negative ? -wei : wei).toString().padStart(18, "0");
  const integer = digits.slice(0, -18) || "0";
  const fraction = digits.slice(-18).replace(/0+$/, "");
  return `${negative ? "-" : ""}${integer}${fraction ? `.${fraction}` : ""}`;
}

/** JSON with bigints as decimal strings, so scripts never lose precision. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(value)}\n`);
}

/** `1.5 NOOS` from wei. */
export function noos(wei: bigint): string {
  return `${formatEther(wei)} NOOS`;
}

/** A plain aligned table; empty tables print `empty` instead. */
export function printTable(rows: Record<string, string | number | bigint>[], empty = "none"): void {
  if (rows.length === 0) {
    process.stdout.write(`${empty}\n`);
    return;
  }
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) =>
    Math.max(c.length, ...rows.map((r) => String(r[c] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of rows)
    process.stdout.write(`${line(columns.map((c) => String(row[c] ?? "")))}\n`);
}

/** `key: value` lines with aligned values. */
export function printFields(fields: Record<string, string | number | bigint | boolean>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [key, value] of Object.entries(fields)) {
    process.stdout.write(`${`${key}:`.padEnd(width + 2)}${String(value)}\n`);
  }
}

/** Unix seconds to ISO time (or "-" for 0). */
export function time(seconds: bigint | number): string {
  const s = Number(seconds);
  return s === 0 ? "-" : new Date(s * 1000).toISOString().replace(".000Z", "Z");
}
