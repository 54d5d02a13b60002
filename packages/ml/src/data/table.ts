import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { InvalidParameterError } from "@noosphere/sdk";
import { TableParseError } from "../errors.js";

/** A numeric data set: column names and rows of numbers (every row has one value per column). */
export type Table = {
  columns: string[];
  rows: number[][];
};

export type TableFormat = "csv" | "jsonl";

export type ParseTableOptions = {
  format: TableFormat;
  /** Named in errors; the file path when the text came from a file. */
  source?: string | undefined;
  /**
   * CSV only: whether the first line holds column names. By default it does when any of its
   * fields is not a number; headerless columns are named c0, c1, ...
   */
  header?: boolean | undefined;
};

/**
 * Reads a CSV (.csv) or JSON Lines (.jsonl, .ndjson) file of numbers. JSONL lines are either
 * objects with the same keys on every line, or arrays of equal length. Errors name the file,
 * the line and the column.
 */
export async function loadTable(
  path: string,
  options: { format?: TableFormat; header?: boolean } = {},
): Promise<Table> {
  const format = options.format ?? formatOf(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new TableParseError({ path, line: 0, reason: "the file cannot be read.", cause });
  }
  return parseTable(text, { format, source: path, header: options.header });
}

function formatOf(path: string): TableFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  throw new InvalidParameterError({
    field: "path",
    expected: "a file ending in .csv, .jsonl or .ndjson (or pass options.format)",
    received: path,
  });
}

/** Parses CSV or JSONL text into a table; see `loadTable`. */
export function parseTable(text: string, options: ParseTableOptions): Table {
  const source = options.source ?? "<input>";
  // Keep 1-based line numbers of the non-blank lines so errors point at the file's real lines.
  const lines = text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map((content, i) => ({ content, line: i + 1 }))
    .filter(({ content }) => content.trim() !== "");
  if (lines.length === 0) {
    throw new TableParseError({ path: source, line: 0, reason: "the file has no data." });
  }
  return options.format === "csv"
    ? parseCsv(lines, source, options.header)
    : parseJsonl(lines, source);
}

type Line = { content: string; line: number };

function parseCsv(lines: Line[], source: string, header: boolean | undefined): Table {
  const first = lines[0] as Line;
  const firstFields = splitCsvLine(first, source);
  const hasHeader = header ?? firstFields.some((field) => !isNumber(field));
  const columns = hasHeader ? firstFields.map((f) => f.trim()) : firstFields.map((_, i) => `c${i}`);
  if (hasHeader) {
    const seen = new Set<string>();
    columns.forEach((name, i) => {
      if (name === "" || seen.has(name)) {
        throw new TableParseError({
          path: source,
          line: first.line,
          column: i + 1,
          reason: name === "" ? "empty column name." : `duplicate column name "${name}".`,
        });
      }
      seen.add(name);
    });
  }
  const rows: number[][] = [];
  for (const line of hasHeader ? lines.slice(1) : lines) {
    const fields = splitCsvLine(line, source);
    if (fields.length !== columns.length) {
      throw new TableParseError({
        path: source,
        line: line.line,
        reason: `expected ${columns.length} fields, found ${fields.length}.`,
      });
    }
    rows.push(
      fields.map((field, i) => toNumber(field, { source, line: line.line, i, name: columns[i] })),
    );
  }
  if (rows.length === 0) {
    throw new TableParseError({ path: source, line: 0, reason: "the file has no data rows." });
  }
  return { columns, rows };
}

/** Splits one CSV line on commas, honouring double quotes ("" inside quotes is a quote). */
function splitCsvLine({ content, line }: Line, source: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const ch = content[i];
    if (quoted) {
      if (ch === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  if (quoted) {
    throw new TableParseError({
      path: source,
      line,
      column: fields.length + 1,
      reason: "unterminated quoted field.",
    });
  }
  fields.push(field);
  return fields;
}

function isNumber(field: string): boolean {
  return field.trim() !== "" && Number.isFinite(Number(field));
}

function toNumber(
  field: string,
  where: { source: string; line: number; i: number; name: string | undefined },
): number {
  if (isNumber(field)) return Number(field);
  throw new TableParseError({
    path: where.source,
    line: where.line,
    column: where.i + 1,
    columnName: where.name,
    reason: field.trim() === "" ? "empty value." : `${JSON.stringify(field)} is not a number.`,
  });
}

function parseJsonl(lines: Line[], source: string): Table {
  let columns: string[] | undefined;
  let objects: boolean | undefined;
  const rows: number[][] = [];
  for (const { content, line } of lines) {
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (cause) {
      throw new TableParseError({ path: source, line, reason: "invalid JSON.", cause });
    }
    const isArray = Array.isArray(value);
    if (!isArray && (typeof value !== "object" || value === null)) {
      throw new TableParseError({
        path: source,
        line,
        reason: "expected a JSON object or an array of numbers.",
      });
    }
    if (objects === undefined) objects = !isArray;
    if (objects === isArray) {
      throw new TableParseError({
        path: source,
        line,
        reason: `expected ${objects ? "an object" : "an array"} like the first line.`,
      });
    }
    const values: unknown[] = isArray ? (value as unknown[]) : Object.values(value as object);
    const keys = isArray ? values.map((_, i) => `c${i}`) : Object.keys(value as object);
    columns ??= keys;
    if (keys.length !== columns.length || keys.some((k, i) => k !== columns?.[i])) {
      throw new TableParseError({
        path: source,
        line,
        reason: objects
          ? `expected the keys ${JSON.stringify(columns)}, found ${JSON.stringify(keys)}.`
          : `expected ${columns.length} values, found ${keys.length}.`,
      });
    }
    rows.push(
      values.map((v, i) => {
        if (typeof v === "number" && Number.isFinite(v)) return v;
        throw new TableParseError({
          path: source,
          line,
          column: i + 1,
          columnName: keys[i],
          reason: `${JSON.stringify(v) ?? String(v)} is not a finite number.`,
        });
      }),
    );
  }
  return { columns: columns ?? [], rows };
}

/** The table as CSV text with a header line (numbers in JS's shortest round-trip form). */
export function formatCsv(table: Table): string {
  const quote = (name: string): string =>
    /[",\r\n]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name;
  const lines = [table.columns.map(quote).join(",")];
  for (const row of table.rows) lines.push(row.map(String).join(","));
  return `${lines.join("\n")}\n`;
}

/** Writes the table as CSV, or as JSONL objects when the path ends in .jsonl / .ndjson. */
export async function writeTable(path: string, table: Table): Promise<void> {
  const format = formatOf(path);
  const text =
    format === "csv"
      ? formatCsv(table)
      : `${table.rows
          .map((row) =>
            JSON.stringify(Object.fromEntries(table.columns.map((c, i) => [c, row[i]]))),
          )
          .join("\n")}\n`;
  await writeFile(path, text);
}

/**
 * Splits a labelled table into feature rows and integer labels. `label` names the label column;
 * every other column (or only those in `features`) becomes a feature, in table order.
 */
export function toFeaturesAndLabels(
  table: Table,
  { label, features }: { label: string; features?: readonly string[] | undefined },
): { features: number[][]; labels: number[]; featureColumns: string[] } {
  const labelIndex = table.columns.indexOf(label);
  if (labelIndex < 0) {
    throw new InvalidParameterError({
      field: "label",
      expected: `one of the columns ${JSON.stringify(table.columns)}`,
      received: label,
    });
  }
  const featureColumns = features
    ? [...features]
    : table.columns.filter((_, i) => i !== labelIndex);
  const indices = featureColumns.map((name) => {
    const i = table.columns.indexOf(name);
    if (i < 0 || i === labelIndex) {
      throw new InvalidParameterError({
        field: "features",
        expected: `columns other than the label among ${JSON.stringify(table.columns)}`,
        received: name,
      });
    }
    return i;
  });
  return {
    features: table.rows.map((row) => indices.map((i) => row[i] as number)),
    labels: table.rows.map((row) => row[labelIndex] as number),
    featureColumns,
  };
}
