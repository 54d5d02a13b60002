import type { UnitCheck } from "./units.js";
import { describeValue } from "./units.js";

/** Formats an input data reference can have: one EZKL-style JSON sample, or a CSV / JSONL batch. */
export const inputFormats = ["json", "csv", "jsonl"] as const;
export type InputFormat = (typeof inputFormats)[number];

/** Content a job consumes: a local file (imported to the store before the order) or a CID. */
export type ContentRef = { cid: string } | { path: string };
/** A job's input: a content reference and how to read it. */
export type InputRef = ContentRef & { format: InputFormat };

/** A sub-issue found inside a reference: path relative to the reference. */
export type RefIssue = { path: (string | number)[]; problem: string; expected: string };

const cidV0 = /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/;
// CIDv1 in base32 (multibase prefix `b`), the form Kubo and the local store print: bafy…, bafk…
const cidV1 = /^b[a-z2-7]{50,}$/;

/** Whether `value` is a CID in the forms the store prints (CIDv0 `Qm…`, CIDv1 base32 `b…`). */
export function isCid(value: string): boolean {
  return cidV0.test(value) || cidV1.test(value);
}

const extensionFormats: Record<string, InputFormat> = {
  json: "json",
  csv: "csv",
  jsonl: "jsonl",
  ndjson: "jsonl",
};

/** The input format a file name implies (`.json`, `.csv`, `.jsonl` / `.ndjson`), if any. */
export function inferInputFormat(path: string): InputFormat | undefined {
  const dot = path.lastIndexOf(".");
  if (dot < 0 || dot < path.lastIndexOf("/")) return undefined;
  return extensionFormats[path.slice(dot + 1).toLowerCase()];
}

export const modelRefExpected =
  "an ONNX model: a file path ending in .onnx, or a CID (bafy… or Qm…)";
export const inputRefExpected =
  "a file path or a CID, or a mapping { path | cid, format: json | csv | jsonl }";
export const inputFormatExpected = inputFormats.join(" | ");

type RefResult<T> = { value?: T; issues: RefIssue[] };

/** A string that names content: `ipfs://<cid>` or a CID is a CID, anything else a path. */
function refFromString(value: string): UnitCheck<ContentRef> {
  const cid = value.startsWith("ipfs://") ? value.slice("ipfs://".length) : undefined;
  if (cid !== undefined) {
    return isCid(cid)
      ? { ok: true, value: { cid } }
      : { ok: false, problem: describeValue(value), expected: "ipfs://<a CID>" };
  }
  if (isCid(value)) return { ok: true, value: { cid: value } };
  if (value.trim() === "" || value.includes("\0")) {
    return { ok: false, problem: describeValue(value), expected: "a file path or a CID" };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return {
      ok: false,
      problem: `${describeValue(value)} (URLs are not fetched)`,
      expected: "a file path or a CID (add the file to the store first)",
    };
  }
  return { ok: true, value: { path: value } };
}

/**
 * Reads `{ path }` / `{ cid }` (plus `extraKeys`) or a string. Issues carry paths relative to the
 * reference; `expected` words the whole reference for a value of the wrong shape.
 */
function readRef(
  value: unknown,
  expected: string,
  extraKeys: readonly string[],
): RefResult<{ ref: ContentRef; extra: Record<string, unknown> }> {
  if (typeof value === "string") {
    const r = refFromString(value);
    return r.ok
      ? { value: { ref: r.value, extra: {} }, issues: [] }
      : { issues: [{ path: [], problem: r.problem, expected: r.expected }] };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { issues: [{ path: [], problem: describeValue(value), expected }] };
  }
  const record = value as Record<string, unknown>;
  const allowed = ["path", "cid", ...extraKeys];
  const issues: RefIssue[] = [];
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      issues.push({ path: [key], problem: "unknown field", expected: allowed.join(" | ") });
    }
  }
  const { path, cid } = record;
  let ref: ContentRef | undefined;
  if (path !== undefined && cid !== undefined) {
    issues.push({
      path: ["cid"],
      problem: "got both path and cid",
      expected: "exactly one of path | cid",
    });
  } else if (path === undefined && cid === undefined) {
    issues.push({
      path: [],
      problem: "missing path and cid",
      expected: "exactly one of path | cid",
    });
  } else if (cid !== undefined) {
    const text = typeof cid === "string" && cid.startsWith("ipfs://") ? cid.slice(7) : cid;
    if (typeof text === "string" && isCid(text)) ref = { cid: text };
    else
      issues.push({ path: ["cid"], problem: describeValue(cid), expected: "a CID (bafy… or Qm…)" });
  } else {
    const r = typeof path === "string" ? refFromString(path) : undefined;
    if (r?.ok && "path" in r.value) ref = r.value;
    else issues.push({ path: ["path"], problem: describeValue(path), expected: "a file path" });
  }
  const extra: Record<string, unknown> = {};
  for (const key of extraKeys) if (record[key] !== undefined) extra[key] = record[key];
  return ref && issues.length === 0 ? { value: { ref, extra }, issues } : { issues };
}

/** A model reference: `./model.onnx`, a CID, `{ path }` or `{ cid }`. Paths must end in `.onnx`. */
export function readModelRef(value: unknown): RefResult<ContentRef> {
  const r = readRef(value, modelRefExpected, []);
  if (!r.value) return { issues: r.issues };
  const ref = r.value.ref;
  if ("path" in ref && !ref.path.toLowerCase().endsWith(".onnx")) {
    const at = typeof value === "string" ? [] : ["path"];
    return { issues: [{ path: at, problem: describeValue(ref.path), expected: modelRefExpected }] };
  }
  return { value: ref, issues: [] };
}

/**
 * An input reference: a path or CID string (the format comes from the file extension), or
 * `{ path | cid, format }`. A CID has no extension, so it needs `format`.
 */
export function readInputRef(value: unknown): RefResult<InputRef> {
  const r = readRef(value, inputRefExpected, ["format"]);
  if (!r.value) return { issues: r.issues };
  const { ref, extra } = r.value;
  const given = extra.format;
  if (given !== undefined) {
    if (typeof given === "string" && (inputFormats as readonly string[]).includes(given)) {
      return { value: { ...ref, format: given as InputFormat }, issues: [] };
    }
    return {
      issues: [{ path: ["format"], problem: describeValue(given), expected: inputFormatExpected }],
    };
  }
  const inferred = "path" in ref ? inferInputFormat(ref.path) : undefined;
  if (inferred) return { value: { ...ref, format: inferred }, issues: [] };
  const why =
    "path" in ref
      ? `cannot tell the format of ${JSON.stringify(ref.path)} from its extension`
      : "cannot tell the format of a CID";
  return {
    issues: [
      {
        path: ["format"],
        problem: `missing (${why})`,
        expected: `${inputFormatExpected}, e.g. input: { ${"path" in ref ? "path" : "cid"}: …, format: csv }`,
      },
    ],
  };
}
