import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { TableParseError } from "../errors.js";
import { formatCsv, loadTable, parseTable, toFeaturesAndLabels, writeTable } from "./table.js";

const digitsPath = fileURLToPath(new URL("../../../../examples/data/digits.csv", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "noos-ml-table-"));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The TableParseError that `fn` rejects with. */
async function parseError(fn: () => Promise<unknown>): Promise<TableParseError> {
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TableParseError);
  return err as TableParseError;
}

describe("loadTable", () => {
  test("the vendored digits data set", async () => {
    const table = await loadTable(digitsPath);
    expect(table.columns).toHaveLength(65);
    expect(table.columns[0]).toBe("p0");
    expect(table.columns[64]).toBe("label");
    expect(table.rows).toHaveLength(1797);
    expect(table.rows[0]?.slice(0, 4)).toEqual([0, 0, 5, 13]);
    expect(table.rows.every((r) => r.length === 65)).toBe(true);
  });

  test("CSV: header, CRLF, BOM, quotes, blank lines, number forms", async () => {
    const path = await file(
      "a.csv",
      '\uFEFFx,"y, quoted",label\r\n1,-2.5,0\r\n\r\n1e3," 4 ",1\r\n',
    );
    expect(await loadTable(path)).toEqual({
      columns: ["x", "y, quoted", "label"],
      rows: [
        [1, -2.5, 0],
        [1000, 4, 1],
      ],
    });
  });

  test("CSV without a header gets c0, c1, ...", async () => {
    const path = await file("b.csv", "1,2\n3,4\n");
    expect(await loadTable(path)).toEqual({
      columns: ["c0", "c1"],
      rows: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(await loadTable(path, { header: true })).toEqual({
      columns: ["1", "2"],
      rows: [[3, 4]],
    });
  });

  test("JSONL of objects and of arrays", async () => {
    const objects = await file("c.jsonl", '{"a":1,"b":2}\n\n{"a":3.5,"b":-4}\n');
    expect(await loadTable(objects)).toEqual({
      columns: ["a", "b"],
      rows: [
        [1, 2],
        [3.5, -4],
      ],
    });
    const arrays = await file("d.ndjson", "[1,2,3]\n[4,5,6]");
    expect(await loadTable(arrays)).toEqual({
      columns: ["c0", "c1", "c2"],
      rows: [
        [1, 2, 3],
        [4, 5, 6],
      ],
    });
  });

  test("a non-number names the file, line and column", async () => {
    const path = await file("bad.csv", "a,b,label\n1,2,3\n4,five,6\n");
    const err = await parseError(() => loadTable(path));
    expect(err.line).toBe(3);
    expect(err.column).toBe(2);
    expect(err.columnName).toBe("b");
    expect(err.shortMessage).toBe(
      `Cannot read ${path}, line 3, column 2 ("b"): "five" is not a number.`,
    );
  });

  test("an empty value, a short row, an unterminated quote", async () => {
    const empty = await parseError(async () => loadTable(await file("e.csv", "a,b\n1,\n")));
    expect(empty.shortMessage).toMatch(/e\.csv, line 2, column 2 \("b"\): empty value\.$/);
    const short = await parseError(async () => loadTable(await file("f.csv", "a,b\n1,2\n\n3\n")));
    expect(short.shortMessage).toMatch(/f\.csv, line 4: expected 2 fields, found 1\.$/);
    const quote = await parseError(async () => loadTable(await file("g.csv", 'a,b\n1,"2\n')));
    expect(quote.line).toBe(2);
    expect(quote.shortMessage).toMatch(/unterminated quoted field/);
  });

  test("header problems and empty files", async () => {
    const dup = await parseError(async () => loadTable(await file("h.csv", "a,a\n1,2\n")));
    expect(dup.shortMessage).toMatch(/line 1, column 2: duplicate column name "a"/);
    const none = await parseError(async () => loadTable(await file("i.csv", "\n\n")));
    expect(none.shortMessage).toMatch(/the file has no data/);
    const noRows = await parseError(async () => loadTable(await file("j.csv", "a,b\n")));
    expect(noRows.shortMessage).toMatch(/no data rows/);
  });

  test("JSONL errors name the line and column", async () => {
    const json = await parseError(async () => loadTable(await file("k.jsonl", '{"a":1}\n{"a":\n')));
    expect(json.shortMessage).toMatch(/k\.jsonl, line 2: invalid JSON\./);
    const keys = await parseError(async () =>
      loadTable(await file("l.jsonl", '{"a":1}\n{"b":1}\n')),
    );
    expect(keys.shortMessage).toMatch(/line 2: expected the keys \["a"\], found \["b"\]/);
    const value = await parseError(async () =>
      loadTable(await file("m.jsonl", '{"a":1,"b":2}\n{"a":1,"b":"x"}\n')),
    );
    expect(value.shortMessage).toMatch(/line 2, column 2 \("b"\): "x" is not a finite number/);
    const mixed = await parseError(async () => loadTable(await file("n.jsonl", '[1]\n{"a":1}\n')));
    expect(mixed.shortMessage).toMatch(/line 2: expected an array like the first line/);
  });

  test("a missing file or an unknown extension", async () => {
    const missing = await parseError(() => loadTable(join(dir, "nope.csv")));
    expect(missing.shortMessage).toMatch(/nope\.csv: the file cannot be read/);
    await expect(loadTable(join(dir, "x.txt"))).rejects.toThrow(
      /Invalid path: expected a file ending in \.csv/,
    );
  });
});

describe("writeTable / toFeaturesAndLabels", () => {
  test("CSV and JSONL round trip", async () => {
    const table = {
      columns: ["a", "b,c"],
      rows: [
        [0.1, -2],
        [3e-7, 4],
      ],
    };
    expect(formatCsv(table)).toBe('a,"b,c"\n0.1,-2\n3e-7,4\n');
    for (const name of ["out.csv", "out.jsonl"]) {
      const path = join(dir, name);
      await writeTable(path, table);
      expect(await loadTable(path)).toEqual(table);
    }
  });

  test("splits off the label column", () => {
    const table = parseTable("a,label,b\n1,0,2\n3,1,4\n", { format: "csv" });
    expect(toFeaturesAndLabels(table, { label: "label" })).toEqual({
      features: [
        [1, 2],
        [3, 4],
      ],
      labels: [0, 1],
      featureColumns: ["a", "b"],
    });
    expect(toFeaturesAndLabels(table, { label: "label", features: ["b"] }).features).toEqual([
      [2],
      [4],
    ]);
    expect(() => toFeaturesAndLabels(table, { label: "y" })).toThrow(
      /Invalid label: expected one of the columns/,
    );
    expect(() => toFeaturesAndLabels(table, { label: "label", features: ["label"] })).toThrow(
      /Invalid features/,
    );
  });
});
