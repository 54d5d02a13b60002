import { BaseError } from "@noosphere/sdk";

export type ZkUnsupportedOperatorErrorType = ZkUnsupportedOperatorError & {
  name: "ZkUnsupportedOperatorError";
};

/** The model uses an operator (or an operator feature) the zk compiler cannot turn into constraints. */
export class ZkUnsupportedOperatorError extends BaseError {
  readonly opType: string;
  readonly node: string;

  constructor({
    opType,
    node,
    reason,
    supported,
  }: {
    opType: string;
    node: string;
    reason?: string;
    supported: readonly string[];
  }) {
    super(
      reason === undefined
        ? `${opType} (node "${node}") is not supported; supported: ${supported.join(", ")}.`
        : `${opType} (node "${node}"): ${reason}`,
      { name: "ZkUnsupportedOperatorError" },
    );
    this.opType = opType;
    this.node = node;
  }
}

export type ZkCompileErrorType = ZkCompileError & { name: "ZkCompileError" };

/** The model is malformed for the compiler, or needs more bits than the circuit allows. */
export class ZkCompileError extends BaseError {
  readonly node: string | undefined;

  constructor(message: string, options: { node?: string; cause?: unknown } = {}) {
    super(options.node === undefined ? message : `${message} (node "${options.node}")`, {
      name: "ZkCompileError",
      cause: options.cause,
    });
    this.node = options.node;
  }
}

export type ZkInputRangeErrorType = ZkInputRangeError & { name: "ZkInputRangeError" };

/** An input value lies outside the range the circuit range-checks, so no witness exists. */
export class ZkInputRangeError extends BaseError {
  readonly index: number;
  readonly value: number;

  constructor({
    index,
    value,
    range,
  }: {
    index: number;
    value: number;
    range: readonly [number, number];
  }) {
    super(
      `input[${index}] = ${value} is outside the circuit's input range [${range[0]}, ${range[1]}]; ` +
        "recalibrate with data that covers it (calibration.input_range / run_args.input_range).",
      { name: "ZkInputRangeError" },
    );
    this.index = index;
    this.value = value;
  }
}

export type ZkCircomErrorType = ZkCircomError & { name: "ZkCircomError" };

/** The circom compiler failed; the message carries its output. */
export class ZkCircomError extends BaseError {
  constructor(message: string, options: { details?: string; cause?: unknown } = {}) {
    super(message, { name: "ZkCircomError", details: options.details, cause: options.cause });
  }
}
