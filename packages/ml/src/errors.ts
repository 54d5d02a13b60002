import { BaseError } from "@noosphere/sdk";

export type TableParseErrorType = TableParseError & { name: "TableParseError" };

/** A data set file could not be read as a table: names the file, the line and the column. */
export class TableParseError extends BaseError {
  readonly path: string;
  /** 1-based line in the file; 0 when the problem is the file as a whole. */
  readonly line: number;
  /** 1-based column index, or undefined when the whole line is at fault. */
  readonly column: number | undefined;
  readonly columnName: string | undefined;

  constructor({
    path,
    line,
    column,
    columnName,
    reason,
    cause,
  }: {
    path: string;
    line: number;
    column?: number | undefined;
    columnName?: string | undefined;
    reason: string;
    cause?: unknown;
  }) {
    const where = [path, line > 0 ? `line ${line}` : undefined]
      .concat(
        column === undefined
          ? []
          : [`column ${column}${columnName === undefined ? "" : ` ("${columnName}")`}`],
      )
      .filter((part) => part !== undefined)
      .join(", ");
    super(`Cannot read ${where}: ${reason}`, { name: "TableParseError", cause });
    this.path = path;
    this.line = line;
    this.column = column;
    this.columnName = columnName;
  }
}

export type InputShapeErrorType = InputShapeError & { name: "InputShapeError" };

/** The data given to a model does not fit the shape its input declares. */
export class InputShapeError extends BaseError {
  readonly input: string;
  readonly expected: readonly (number | string)[];

  constructor({
    input,
    expected,
    reason,
  }: {
    input: string;
    expected: readonly (number | string)[];
    reason: string;
  }) {
    super(`Input "${input}" expects shape [${expected.join(", ")}]: ${reason}`, {
      name: "InputShapeError",
    });
    this.input = input;
    this.expected = expected;
  }
}

export type ModelLoadErrorType = ModelLoadError & { name: "ModelLoadError" };

/** onnxruntime (or our ONNX reader) refused the model. */
export class ModelLoadError extends BaseError {
  readonly source: string;

  constructor({ source, cause }: { source: string; cause: unknown }) {
    super(`Cannot load the ONNX model ${source}.`, { name: "ModelLoadError", cause });
    this.source = source;
  }
}

export type OnnxFormatErrorType = OnnxFormatError & { name: "OnnxFormatError" };

/** An ONNX graph uses something the reader, writer or reference evaluator does not support. */
export class OnnxFormatError extends BaseError {
  /** The node (name and op type) at fault, when there is one. */
  readonly node: string | undefined;

  constructor(shortMessage: string, { node, cause }: { node?: string; cause?: unknown } = {}) {
    super(node === undefined ? shortMessage : `${node}: ${shortMessage}`, {
      name: "OnnxFormatError",
      cause,
    });
    this.node = node;
  }
}
