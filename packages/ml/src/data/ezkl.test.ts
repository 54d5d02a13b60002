import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  parseEzklInput,
  parseEzklOutput,
  readEzklInput,
  readEzklOutput,
  writeEzklInput,
  writeEzklOutput,
} from "./ezkl.js";

describe("EZKL JSON", () => {
  test("write and read back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "noos-ml-ezkl-"));
    const input = join(dir, "input.json");
    await writeEzklInput(input, { input_data: [[0.5, 1, -2]] });
    expect(await readFile(input, "utf8")).toBe('{"input_data":[[0.5,1,-2]]}\n');
    expect(await readEzklInput(input)).toEqual({ input_data: [[0.5, 1, -2]] });
    const output = join(dir, "output.json");
    await writeEzklOutput(output, { output_data: [[1, 2], [3]] });
    expect(await readEzklOutput(output)).toEqual({ output_data: [[1, 2], [3]] });
  });

  test("extra fields are ignored", () => {
    expect(parseEzklInput({ input_data: [[1]], output_data: [[2]] })).toEqual({
      input_data: [[1]],
    });
    expect(parseEzklOutput({ output_data: [[2]] })).toEqual({ output_data: [[2]] });
  });

  test("errors name the file and the bad entry", async () => {
    expect(() => parseEzklInput({ data: [] }, "in.json")).toThrow(
      'Cannot read in.json: expected an object with "input_data": [[numbers]].',
    );
    expect(() => parseEzklInput({ input_data: [] }, "in.json")).toThrow(/non-empty array/);
    expect(() => parseEzklInput({ input_data: [1, 2] }, "in.json")).toThrow(
      /input_data\[0\] must be an array of numbers/,
    );
    expect(() => parseEzklInput({ input_data: [[1, "2"]] }, "in.json")).toThrow(
      /input_data\[0\]\[1\] is "2", not a finite number/,
    );
    const dir = await mkdtemp(join(tmpdir(), "noos-ml-ezkl-"));
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{nope");
    await expect(readEzklInput(bad)).rejects.toThrow(/bad\.json: invalid JSON/);
    await expect(readEzklInput(join(dir, "missing.json"))).rejects.toThrow(/cannot be read/);
  });
});
