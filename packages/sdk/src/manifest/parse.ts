import {
  type Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify,
} from "yaml";
import type { z } from "zod";
import { BaseError } from "../errors.js";
import { ManifestError, type ManifestIssue, manifestIssue } from "./errors.js";
import { type ContentRef, type InputRef, readInputRef, readModelRef } from "./refs.js";
import {
  crossFieldIssues,
  type JobManifest,
  jobManifestFields,
  jobManifestSchema,
  type ServiceManifest,
  serviceManifestSchema,
} from "./schema.js";
import { closest } from "./suggest.js";

export type ParseJobManifestOptions = {
  /** Where the text came from (a file path), shown in errors: `job.yaml:12:9: …`. */
  source?: string | undefined;
  /**
   * Whether a file the manifest names (`model`, `input`, `training.initialModel`, as written)
   * exists; a missing one is reported with its field and line. Not checked when absent.
   */
  fileExists?: ((path: string) => boolean) | undefined;
};

type Position = { line: number; column: number };
type RawIssue = { path: (string | number)[]; problem: string; expected: string };

/**
 * Parses and validates a job manifest written in YAML (JSON is YAML too, so the canonical bytes
 * parse as well). Throws a ManifestError listing every issue with its field, the allowed values
 * and its line.
 *
 * Prices may be written unquoted (`deposit: 5.10`): their source text is kept, so no float
 * rounding happens; attribute values written as numbers or booleans are kept as their text too.
 */
export function parseJobManifest(text: string, options: ParseJobManifestOptions = {}): JobManifest {
  const { data, locate } = readYaml(text, options);
  return validate(jobSpec, data, options, locate);
}

/** Reads YAML text with positions; throws a ManifestError for YAML that does not parse. */
function readYaml(text: string, options: ParseJobManifestOptions) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) =>
      manifestIssue(
        [],
        `${error.message.split("\n")[0] ?? error.code} (YAML ${error.code})`,
        "valid YAML: one document, unique keys, consistent indentation",
        at(error.pos[0]),
      ),
    );
    throw new ManifestError({ issues, source: options.source });
  }
  keepSourceText(doc);
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  return { data, locate: (path: readonly (string | number)[]) => locate(doc, path, at) };
}

/**
 * Parses and validates a service manifest (`kind: service`) written in YAML, with the same
 * reporting as `parseJobManifest`: every issue with its field, allowed values and line.
 */
export function parseServiceManifest(
  text: string,
  options: ParseJobManifestOptions = {},
): ServiceManifest {
  const { data, locate } = readYaml(text, options);
  return validate(serviceSpec, data, options, locate);
}

/** The `kind` a manifest's text declares (undefined when it does not parse or names none). */
export function manifestKindOf(text: string): string | undefined {
  try {
    const data: unknown = parseDocument(text).toJS();
    const kind = (data as { kind?: unknown } | null)?.kind;
    return typeof kind === "string" ? kind : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and parses a service manifest file; `model` paths are relative to its directory. */
export async function loadServiceManifest(path: string): Promise<ServiceManifest> {
  const { text, fileExists } = await readManifestFile(path);
  return parseServiceManifest(text, { source: path, fileExists });
}

/** Validates a manifest already parsed from JSON or built in code. Same errors, without lines. */
export function validateJobManifest(
  value: unknown,
  options: ParseJobManifestOptions = {},
): JobManifest {
  return validate(jobSpec, value, options, () => undefined);
}

/** Validates a service manifest already parsed from JSON (the canonical bytes a provider fetched). */
export function validateServiceManifest(
  value: unknown,
  options: ParseJobManifestOptions = {},
): ServiceManifest {
  return validate(serviceSpec, value, options, () => undefined);
}

/**
 * Reads and parses a manifest file. Paths inside it (`model`, `input`, `training.initialModel`)
 * are relative to the file's directory; they stay as written (see `resolveManifestRefs`).
 */
export async function loadJobManifest(path: string): Promise<JobManifest> {
  const { text, fileExists } = await readManifestFile(path);
  return parseJobManifest(text, { source: path, fileExists });
}

async function readManifestFile(path: string) {
  // Imported here so the SDK's other entry points stay usable in a browser.
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new BaseError(`Cannot read job manifest ${path}.`, { name: "ManifestReadError", cause });
  }
  const { statSync } = await import("node:fs");
  const { dirname, resolve } = await import("node:path");
  const fileExists = (file: string) => {
    try {
      return statSync(resolve(dirname(path), file)).isFile();
    } catch {
      return false;
    }
  };
  return { text, fileExists };
}

/**
 * The manifest as YAML, fields in their usual order, references in short form where that reads
 * back the same (`model: ./model.onnx`). `parseJobManifest(stringifyJobManifest(m))` equals `m`.
 */
export function stringifyJobManifest(manifest: JobManifest): string {
  const record = manifest as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of jobManifestFields) {
    const value = record[key];
    if (value === undefined) continue;
    if (key === "model") out[key] = shortModelRef(value as ContentRef);
    else if (key === "input") out[key] = shortInputRef(value as InputRef);
    else if (key === "training") {
      const training = value as Record<string, unknown>;
      out[key] = training.initialModel
        ? { ...training, initialModel: shortModelRef(training.initialModel as ContentRef) }
        : training;
    } else out[key] = value;
  }
  return stringify(out, { lineWidth: 0 });
}

function shortModelRef(ref: ContentRef): unknown {
  const short = "cid" in ref ? ref.cid : ref.path;
  return sameRef(readModelRef(short).value, ref) ? short : ref;
}

function shortInputRef(ref: InputRef): unknown {
  const short = "cid" in ref ? ref.cid : ref.path;
  return sameRef(readInputRef(short).value, ref) ? short : ref;
}

function sameRef(a: object | undefined, b: object): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

// ---- validation and reporting ----

type ManifestSpec<T> = {
  schema: z.ZodType<T>;
  crossFieldIssues: (raw: unknown) => RawIssue[];
  refs: (manifest: T) => [(string | number)[], ContentRef | InputRef | undefined][];
};

const jobSpec: ManifestSpec<JobManifest> = {
  schema: jobManifestSchema,
  crossFieldIssues,
  refs: (manifest) => [
    [["model"], "model" in manifest ? manifest.model : undefined],
    [["input"], manifest.input],
    [
      ["training", "initialModel"],
      "training" in manifest && "initialModel" in manifest.training
        ? manifest.training.initialModel
        : undefined,
    ],
  ],
};

const serviceSpec: ManifestSpec<ServiceManifest> = {
  schema: serviceManifestSchema,
  crossFieldIssues: () => [],
  refs: (manifest) => [[["model"], manifest.model]],
};

function validate<T>(
  spec: ManifestSpec<T>,
  data: unknown,
  { source, fileExists }: ParseJobManifestOptions,
  locate: (path: readonly (string | number)[]) => Position | undefined,
): T {
  const result = spec.schema.safeParse(data);
  const missing =
    result.success && fileExists ? missingFiles(spec.refs(result.data), fileExists) : [];
  if (result.success && missing.length === 0) return result.data;
  // zod skips the cross-field refinement once a field fails: run it on the raw document too.
  const raw = result.success
    ? missing
    : [...result.error.issues.flatMap(fromZod), ...spec.crossFieldIssues(data)];
  const seen = new Set<string>();
  const issues: ManifestIssue[] = [];
  for (const { path, problem, expected } of raw) {
    const issue = manifestIssue(path, problem, expected, locate(path));
    if (seen.has(issue.message)) continue;
    seen.add(issue.message);
    issues.push(issue);
  }
  issues.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  throw new ManifestError({ issues, source });
}

/** The file references of a valid manifest whose file does not exist. */
function missingFiles(
  refs: [(string | number)[], ContentRef | InputRef | undefined][],
  fileExists: (path: string) => boolean,
): RawIssue[] {
  return refs.flatMap(([path, ref]) =>
    ref && "path" in ref && !fileExists(ref.path)
      ? [
          {
            path,
            problem: `no file at ${ref.path}`,
            expected: "an existing file (paths are relative to the manifest)",
          },
        ]
      : [],
  );
}

const separator = "; expected ";

function fromZod(issue: z.core.$ZodIssue): RawIssue[] {
  const path = issue.path.map((key) => (typeof key === "symbol" ? String(key) : key));
  const cut = issue.message.indexOf(separator);
  const problem = cut < 0 ? issue.message : issue.message.slice(0, cut);
  const expected = cut < 0 ? "a valid value" : issue.message.slice(cut + separator.length);
  if (issue.code !== "unrecognized_keys") return [{ path, problem, expected }];
  const allowed = expected.split(" | ");
  return issue.keys.map((key) => {
    const guess = closest(key, allowed);
    return {
      path: [...path, key],
      problem: guess ? `unknown field (did you mean ${guess}?)` : "unknown field",
      expected: `one of ${expected}`,
    };
  });
}

// ---- YAML positions ----

type Range = readonly [number, number, number];

function rangeOf(node: unknown): Range | undefined {
  return isNode(node) && node.range ? node.range : undefined;
}

/**
 * Where a path points in the document: the key of the deepest mapping entry the path reaches
 * (or the list item), so a missing field points at its parent and an unknown one at itself.
 */
function locate(
  doc: Document,
  path: readonly (string | number)[],
  at: (offset: number) => Position,
): Position | undefined {
  let node: unknown = doc.contents;
  let range = rangeOf(node);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key),
      );
      if (!pair) break;
      range = rangeOf(pair.key) ?? range;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key];
      if (item === undefined) break;
      range = rangeOf(item) ?? range;
      node = item;
    } else break;
  }
  return range ? at(range[0]) : undefined;
}

/**
 * Number and boolean scalars where the manifest wants text keep their source text: prices
 * (`deposit: 5.10` is "5.10", not the float 5.1), addresses (YAML reads an unquoted `0x…` as a
 * hex integer) and attribute values (`tier: 1.0` is "1.0").
 */
function keepSourceText(doc: Document) {
  const nodes: unknown[] = [
    doc.getIn(["pricing", "maxPricePerSecond"], true),
    doc.getIn(["pricing", "deposit"], true),
    doc.getIn(["pricing", "token"], true),
    doc.getIn(["pricing", "perThousandSamples"], true),
  ];
  const attributes = doc.getIn(["placement", "attributes"], true);
  if (isMap(attributes)) nodes.push(...attributes.items.map((pair) => pair.value));
  for (const list of ["allOf", "anyOf"]) {
    const addresses = doc.getIn(["placement", "signedBy", list], true);
    if (isSeq(addresses)) nodes.push(...addresses.items);
  }
  for (const node of nodes) {
    if (isScalar(node) && (typeof node.value === "number" || typeof node.value === "boolean")) {
      node.value = node.source ?? String(node.value);
    }
  }
}
