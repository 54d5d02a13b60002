// `noos --help` lists the commands from main.ts' table without loading their modules (each one
// pulls in viem, the SDK, onnxruntime...): this checks that the table's descriptions stay the ones
// the modules register, and that `noos --help` and `noos <cmd> --help` print what they should.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");

/** name -> { description, module } from main.ts' `commands` table. */
function table(): Map<string, { description: string; module: string }> {
  const source = readFileSync(path.join(here, "main.ts"), "utf8");
  const re =
    /^ {2}(\w+): \{\s*description:\s*"((?:[^"\\]|\\.)*)",\s*load: async \(\) => \(await import\("\.\/commands\/(\w+)\.js"\)\)/gm;
  const out = new Map<string, { description: string; module: string }>();
  for (const m of source.matchAll(re)) {
    out.set(m[1] as string, { description: m[2] as string, module: m[3] as string });
  }
  return out;
}

/** The description a module registers for `.command("name")` (the next `.description("...")`). */
function registered(module: string, name: string): string | undefined {
  const source = readFileSync(path.join(here, "commands", `${module}.ts`), "utf8");
  const at = source.indexOf(`.command("${name}")`);
  if (at < 0) return undefined;
  const m = /\.description\(\s*"((?:[^"\\]|\\.)*)"/.exec(source.slice(at));
  return m?.[1];
}

describe("noos --help", () => {
  it("test_helpTable_descriptionsMatchTheModules", () => {
    const commands = table();
    expect(commands.size).toBeGreaterThanOrEqual(16);
    for (const [name, { description, module }] of commands) {
      expect({ name, description }).toEqual({ name, description: registered(module, name) });
    }
  });

  it("test_help_listsEveryCommand_andCommandHelpShowsItsSubcommands", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [noosBin, "--help"], { timeout: 60_000 });
    for (const name of table().keys()) expect(stdout).toMatch(new RegExp(`^ {2}${name} `, "m"));
    const store = await run(process.execPath, [noosBin, "store", "--help"], { timeout: 60_000 });
    expect(store.stdout).toContain("get [options] <cid>");
    const help = await run(process.execPath, [noosBin, "help", "token"], { timeout: 60_000 });
    expect(help.stdout).toContain("balance [address]");
  }, 120_000);
});
