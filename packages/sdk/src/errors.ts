import { type Abi, decodeErrorResult, type Hex, isHex, BaseError as ViemBaseError } from "viem";

export type AbiError = Extract<Abi[number], { type: "error" }>;

export type BaseErrorParameters = {
  cause?: unknown;
  /** Defaults to the cause's details (viem or ours) or its message. */
  details?: string | undefined;
  /** Where the docs explain this error, e.g. "/docs/market#bids". */
  docsPath?: string | undefined;
  /** Extra lines printed between the short message and the details. */
  metaMessages?: readonly string[] | undefined;
  name?: string | undefined;
};

export type BaseErrorType = BaseError & { name: "BaseError" };

/**
 * The one error class of the Noosphere stack, shaped like viem's: a one-line `shortMessage`,
 * optional `metaMessages`, `details` taken from the cause, and `walk()` down the cause chain.
 */
export class BaseError extends Error {
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly docsPath: string | undefined;
  readonly metaMessages: readonly string[] | undefined;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { cause, docsPath, metaMessages } = parameters;
    const details = parameters.details ?? detailsOf(cause);
    const message = [
      shortMessage || "An error occurred.",
      ...(metaMessages?.length ? ["", ...metaMessages] : []),
      ...(docsPath || details ? [""] : []),
      ...(docsPath ? [`Docs: ${docsPath}`] : []),
      ...(details ? [`Details: ${details}`] : []),
    ].join("\n");
    super(message, cause === undefined ? undefined : { cause });
    this.name = parameters.name ?? "BaseError";
    this.shortMessage = shortMessage;
    this.details = details;
    this.docsPath = docsPath ?? (cause instanceof BaseError ? cause.docsPath : undefined);
    this.metaMessages = metaMessages;
  }

  /** The innermost cause (this error if it has none). */
  walk(): unknown;
  /** The first error in the cause chain, starting here, for which `fn` is true; else null. */
  walk(fn: (err: unknown) => boolean): unknown;
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn);
  }
}

/** `BaseError.walk` for any error, e.g. one thrown by viem. */
export function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  let current = err;
  // Bounded: a cause cycle would otherwise loop forever.
  for (let depth = 0; depth < 64; depth++) {
    if (fn?.(current)) return current;
    if (!(current && typeof current === "object" && "cause" in current)) break;
    if (current.cause === undefined || current.cause === null) break;
    current = current.cause;
  }
  return fn ? null : current;
}

function detailsOf(cause: unknown): string | undefined {
  if (cause instanceof BaseError) return cause.details ?? cause.shortMessage;
  if (cause instanceof ViemBaseError) return cause.details || cause.shortMessage;
  if (cause instanceof Error) return cause.message;
  if (cause === undefined) return undefined;
  return String(cause);
}

export type InvalidParameterErrorType = InvalidParameterError & { name: "InvalidParameterError" };

/** A parameter failed validation: names the field, what it should be and what it was. */
export class InvalidParameterError extends BaseError {
  readonly field: string;
  readonly expected: string;
  readonly received: unknown;

  constructor({
    field,
    expected,
    received,
    cause,
    docsPath,
  }: {
    field: string;
    expected: string;
    received: unknown;
    cause?: unknown;
    docsPath?: string;
  }) {
    super(`Invalid ${field}: expected ${expected}, received ${formatValue(received)}.`, {
      name: "InvalidParameterError",
      cause,
      docsPath,
    });
    this.field = field;
    this.expected = expected;
    this.received = received;
  }
}

export type ContractRevertErrorType = ContractRevertError;

/**
 * A revert decoded against an ABI. For a custom error, `name` is the Solidity error's name
 * ("MarketBidAbovePrice") so callers can branch on it; `Error(string)` and `Panic(uint256)`
 * keep the name "ContractRevertError".
 */
export class ContractRevertError extends BaseError {
  readonly errorName: string;
  readonly args: readonly unknown[];
  /** Named arguments, for errors whose inputs all have names. */
  readonly namedArgs: Readonly<Record<string, unknown>>;
  readonly selector: Hex;
  readonly data: Hex;
  readonly abiItem: AbiError | undefined;

  constructor({
    errorName,
    args,
    abiItem,
    data,
    cause,
  }: {
    errorName: string;
    args: readonly unknown[];
    abiItem: AbiError | undefined;
    data: Hex;
    cause?: unknown;
  }) {
    const builtin = errorName === "Error" || errorName === "Panic";
    super(formatRevert(errorName, args, abiItem), {
      name: builtin ? "ContractRevertError" : errorName,
      cause,
      metaMessages: [`Revert data: ${data}`],
    });
    this.errorName = errorName;
    this.args = args;
    this.namedArgs = Object.fromEntries(
      (abiItem?.inputs ?? []).flatMap((input, i) => (input.name ? [[input.name, args[i]]] : [])),
    );
    this.selector = data.slice(0, 10) as Hex;
    this.data = data;
    this.abiItem = abiItem;
  }
}

/** The revert carried an error selector that the ABI does not define. */
export class UnknownContractErrorError extends BaseError {
  readonly selector: Hex;
  readonly data: Hex;
  constructor({ data, cause }: { data: Hex; cause?: unknown }) {
    const selector = data.slice(0, 10) as Hex;
    super(`Execution reverted with an unknown custom error (selector ${selector}).`, {
      name: "UnknownContractErrorError",
      cause,
      metaMessages: [
        `Revert data: ${data}`,
        "Decode with an ABI that declares this error (e.g. allErrorsAbi).",
      ],
    });
    this.selector = selector;
    this.data = data;
  }
}

/**
 * Turns whatever a contract call, simulation, gas estimate or transaction threw into one
 * BaseError. A revert whose data matches an error in `abi` becomes a ContractRevertError named
 * after it; anything else is wrapped (or returned, if it already is one of ours).
 */
export function decodeContractError(err: unknown, abi: Abi): BaseError {
  if (err instanceof ContractRevertError) return err;
  const data = findRevertData(err);
  if (data && data.length >= 10) {
    try {
      const decoded = decodeErrorResult({ abi, data });
      return new ContractRevertError({
        errorName: decoded.errorName,
        args: decoded.args ?? [],
        abiItem: decoded.abiItem.type === "error" ? decoded.abiItem : undefined,
        data,
        cause: err,
      });
    } catch {
      return new UnknownContractErrorError({ data, cause: err });
    }
  }
  if (err instanceof BaseError) return err;
  if (err instanceof ViemBaseError) {
    return new BaseError(err.shortMessage, { name: err.name, cause: err });
  }
  if (err instanceof Error) return new BaseError(err.message, { name: err.name, cause: err });
  return new BaseError(`Unknown error: ${formatValue(err)}`, { cause: err });
}

/**
 * The raw revert data somewhere in a viem error chain: ContractFunctionRevertedError keeps it
 * in `raw`; RawContractError, CallExecutionError and RPC errors from estimateGas keep it in
 * `data` (a hex string, or an object with a `data` hex string).
 */
export function findRevertData(err: unknown): Hex | undefined {
  let found: Hex | undefined;
  walk(err, (e) => {
    if (!e || typeof e !== "object") return false;
    const candidates = [
      "raw" in e ? e.raw : undefined,
      "data" in e ? e.data : undefined,
      "data" in e && e.data && typeof e.data === "object" && "data" in e.data
        ? e.data.data
        : undefined,
    ];
    for (const c of candidates) {
      if (typeof c === "string" && isHex(c, { strict: true }) && c.length >= 10) {
        found = c;
        return true;
      }
    }
    return false;
  });
  return found;
}

const panicReasons: Record<number, string> = {
  1: "assertion failed",
  17: "arithmetic underflow or overflow",
  18: "division or modulo by zero",
  33: "invalid enum value",
  34: "invalid storage byte array",
  49: "pop on an empty array",
  50: "array index out of bounds",
  65: "out of memory",
  81: "call to an uninitialized function",
};

function formatRevert(
  errorName: string,
  args: readonly unknown[],
  abiItem: AbiError | undefined,
): string {
  if (errorName === "Error") return `Execution reverted: ${String(args[0])}`;
  if (errorName === "Panic") {
    const code = Number(args[0]);
    const reason = panicReasons[code] ?? "unknown panic code";
    return `Execution panicked: ${reason} (Panic(0x${code.toString(16).padStart(2, "0")}))`;
  }
  const inputs = abiItem?.inputs ?? [];
  const parts = args.map((arg, i) => {
    const name = inputs[i]?.name;
    return name ? `${name}: ${formatValue(arg)}` : formatValue(arg);
  });
  return `${errorName}(${parts.join(", ")})`;
}

/** Compact, human-readable rendering of ABI values (bigints without `n`, strings quoted). */
export function formatValue(value: unknown, depth = 0): string {
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "string") return isHex(value) ? value : JSON.stringify(value);
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (depth > 4) return "…";
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, depth + 1)).join(", ")}]`;
  if (value instanceof Error) return value.message;
  if (typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v, depth + 1)}`);
    return `{ ${entries.join(", ")} }`;
  }
  return String(value);
}
