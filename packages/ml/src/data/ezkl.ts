import { readFile, writeFile } from "node:fs/promises";
import { TableParseError } from "../errors.js";

// EZKL's data files: `input_data` holds one flattened array per model input (a single-input
// model takes `[[...]]`), `output_data` one flattened array per model output.

export type EzklInput = { input_data: number[][] };
export type EzklOutput = { output_data: number[][] };

/** Validates parsed JSON as `{"input_data": [[numbers]]}`; `source` is named in errors. */
export function parseEzklInput(json: unknown, source = "<input>"): EzklInput {
  return { input_data: numberArrays(json, "input_data", source) };
}

export function parseEzklOutput(json: unknown, source = "<output>"): EzklOutput {
  return { output_data: numberArrays(json, "output_data", source) };
}

export async function readEzklInput(path: string): Promise<EzklInput> {
  return parseEzklInput(await readJson(path), path);
}

export async function readEzklOutput(path: string): Promise<EzklOutput> {
  return parseEzklOutput(await readJson(path), path);
}

export async function writeEzklInput(path: string, data: EzklInput): Promise<void> {
  await writeFile(path, `${JSON.stringify({ input_data: data.input_data })}\n`);
}

export async function writeEzklOutput(path: string, data: EzklOutput): Promise<void> {
  await writeFile(path, `${JSON.stringify({ output_data: data.output_data })}\n`);
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new TableParseError({ path, line: 0, reason: "the file cannot be read.", cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TableParseError({ path, line: 0, reason: "invalid JSON.", cause });
  }
}

function numberArrays(json: unknown, key: string, source: string): number[][] {
  const fail = (reason: string): never => {
    throw new TableParseError({ path: source, line: 0, reason });
  };
  if (typeof json !== "object" || json === null || !(key in json)) {
    return fail(`expected an object with "${key}": [[numbers]].`);
  }
  const value = (json as Record<string, unknown>)[key];
  if (!Array.isArray(value) || value.length === 0) {
    return fail(`"${key}" must be a non-empty array of arrays of numbers.`);
  }
  return value.map((inner: unknown, i) => {
    if (!Array.isArray(inner)) return fail(`${key}[${i}] must be an array of numbers.`);
    return inner.map((v: unknown, j) =>
      typeof v === "number" && Number.isFinite(v)
        ? v
        : fail(`${key}[${i}][${j}] is ${JSON.stringify(v) ?? String(v)}, not a finite number.`),
    );
  });
}
