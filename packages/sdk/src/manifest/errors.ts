import type { Hex } from "viem";
import { BaseError } from "../errors.js";

/** One thing wrong with a manifest. */
export type ManifestIssue = {
  /** Path in the document, e.g. `["verification", "mode"]`; empty for the document itself. */
  path: readonly (string | number)[];
  /** The path as people write it: `verification.mode`, `placement.signedBy.anyOf[0]`. */
  field: string;
  /** What is wrong: `got "zk"`, `missing`, `unknown field`. */
  problem: string;
  /** The allowed values: `none | receipt | redundant`. */
  expected: string;
  /** `<field>: <problem>; expected <expected>`. */
  message: string;
  /** 1-based line and column in the YAML source, where known. */
  line?: number;
  column?: number;
};

export type ManifestErrorType = ManifestError & { name: "ManifestError" };

/** A manifest failed validation: lists every issue, each naming its field and the allowed values. */
export class ManifestError extends BaseError {
  readonly issues: readonly ManifestIssue[];
  /** Where the manifest came from (a file path), if known. */
  readonly source: string | undefined;

  constructor({
    issues,
    source,
    cause,
  }: {
    issues: readonly ManifestIssue[];
    source?: string | undefined;
    cause?: unknown;
  }) {
    const count = `${issues.length} problem${issues.length === 1 ? "" : "s"}`;
    super(`Invalid job manifest${source ? ` ${source}` : ""}: ${count}.`, {
      name: "ManifestError",
      metaMessages: issues.map((issue) => formatManifestIssue(issue, source)),
      cause,
    });
    this.issues = issues;
    this.source = source;
  }
}

/** `job.yaml:12:9: verification.mode: got "zk"; expected none | receipt | redundant`. */
export function formatManifestIssue(issue: ManifestIssue, source?: string): string {
  if (issue.line === undefined) return issue.message;
  const at = source
    ? `${source}:${issue.line}${issue.column === undefined ? "" : `:${issue.column}`}`
    : `line ${issue.line}`;
  return `${at}: ${issue.message}`;
}

/** `placement.attributes["gpu.vendor"]`, `signedBy.anyOf[0]`; `manifest` for the document. */
export function formatFieldPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) {
      out += out ? `.${key}` : key;
    } else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "manifest";
}

/** An issue from its parts. */
export function manifestIssue(
  path: readonly (string | number)[],
  problem: string,
  expected: string,
  position?: { line: number; column: number },
): ManifestIssue {
  const field = formatFieldPath(path);
  return {
    path,
    field,
    problem,
    expected,
    message: `${field}: ${problem}; expected ${expected}`,
    ...(position ? { line: position.line, column: position.column } : {}),
  };
}

export type ManifestHashMismatchErrorType = ManifestHashMismatchError & {
  name: "ManifestHashMismatchError";
};

/** The manifest fetched by CID is not the one the order's on-chain hash commits to. */
export class ManifestHashMismatchError extends BaseError {
  readonly expected: Hex;
  readonly actual: Hex;
  constructor({
    expected,
    actual,
    source,
  }: { expected: Hex; actual: Hex; source?: string | undefined }) {
    super(`Manifest${source ? ` ${source}` : ""} does not match the order's manifest hash.`, {
      name: "ManifestHashMismatchError",
      metaMessages: [`Expected: ${expected}`, `Computed: ${actual}`],
    });
    this.expected = expected;
    this.actual = actual;
  }
}
