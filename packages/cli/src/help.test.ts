// `noos --help` lists the commands from main.ts' table without loading their modules, and
// `noos <cmd> --help` loads that command's module only, whose libraries (viem, the SDK,
// @noosphere/node, onnxruntime...) load inside its actions: this checks that the table's
// descriptions stay the ones the modules register, that `noos --help` and `noos <cmd> --help`
// print what they should, and, with a module-load hook, that no command's help loads a library.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerDevnet } from "./commands/devnet.js";
import { registerMarket } from "./commands/market.js";
import type { GlobalOptions } from "./context.js";

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

/**
 * What a command's help must not load: viem, our libraries (@noosphere/devnet but its small `dir`
 * module, which main.ts uses for --dir's default), onnxruntime and snarkjs.
 */
const HEAVY =
  /\/node_modules\/(viem|onnxruntime-node|snarkjs)\/|\/packages\/(sdk|node|zk|ml|storage|subnet)\/|\/packages\/devnet\/(src|dist)\/(?!dir\.[jt]s$)/;

/** A Node module-load hook (module.register) that appends each loaded URL to $NOOS_LOADED_FILE. */
const HOOKS = `import { appendFileSync } from "node:fs";
const out = process.env.NOOS_LOADED_FILE;
export async function load(url, context, nextLoad) {
  if (out) appendFileSync(out, url + "\\n");
  return nextLoad(url, context);
}
`;

let hookDir: string;
beforeAll(async () => {
  hookDir = await mkdtemp(path.join(tmpdir(), "noos-help-"));
  await writeFile(path.join(hookDir, "hooks.mjs"), HOOKS);
  await writeFile(
    path.join(hookDir, "register.mjs"),
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(hookDir, "hooks.mjs")).href)});\n`,
  );
});
afterAll(async () => {
  await rm(hookDir, { recursive: true, force: true });
});

let runs = 0;
/**
 * Runs `noos <args>` as bin/noos.js does (the build, or the sources through tsx) with the hook:
 * what it printed, its exit code and every module it loaded.
 */
async function loadedBy(
  args: string[],
): Promise<{ stdout: string; code: number; modules: string[] }> {
  const file = path.join(hookDir, `run-${++runs}.txt`);
  const run = promisify(execFile)(
    process.execPath,
    ["--import", pathToFileURL(path.join(hookDir, "register.mjs")).href, noosBin, ...args],
    { timeout: 120_000, env: { ...process.env, NOOS_LOADED_FILE: file } },
  );
  const { stdout, code } = await run.then(
    (r) => ({ stdout: r.stdout, code: 0 }),
    (err: { stdout?: string; code?: number }) => ({
      stdout: err.stdout ?? "",
      code: err.code ?? -1,
    }),
  );
  const modules = (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);
  return { stdout, code, modules };
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

  it("test_commandHelp_loadsCommanderAndTheCommandModuleOnly", async () => {
    const names = [...table().entries()];
    const failures: string[] = [];
    // Two at a time: each is a process start (a few seconds through tsx on a loaded machine).
    const queue = [...names];
    await Promise.all(
      [0, 1].map(async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [name, { module }] = next;
          const { stdout, code, modules } = await loadedBy([name, "--help"]);
          expect({ name, code }).toEqual({ name, code: 0 });
          expect(stdout).toContain(`Usage: noos ${name} `);
          // The hook saw the command's own module: it records what loads, so an empty list cannot pass.
          expect(modules.some((m) => new RegExp(`/commands/${module}\\.[jt]s$`).test(m))).toBe(
            true,
          );
          const heavy = modules.filter((m) => HEAVY.test(m));
          if (heavy.length > 0) failures.push(`noos ${name} --help loaded ${heavy.join(", ")}`);
        }
      }),
    );
    expect(failures).toEqual([]);
  }, 600_000);

  it("test_loadHook_seesTheSdk_whenACommandLoadsIt", async () => {
    // The check above can fail: the same hook on a command that loads the SDK in its action (which
    // then fails fast: no devnet in an empty folder) reports the SDK and viem.
    const dir = await mkdtemp(path.join(tmpdir(), "noos-help-dir-"));
    const { code, modules } = await loadedBy(["--dir", dir, "market", "orders"]);
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(modules.filter((m) => HEAVY.test(m)).length).toBeGreaterThan(0);
  }, 120_000);

  it("test_helpConstants_matchTheLibraries", async () => {
    // market and devnet spell out, for their help, lists that live in modules which load the SDK.
    const { leaseStates, orderStates } = await import("@noosphere/sdk");
    const { MAX_LOCAL_PROVIDERS } = await import("./localProviders.js");
    const { MAX_LOCAL_COPROCESSORS } = await import("./localCoprocessors.js");
    const program = new Command("noos");
    const globals = () => ({}) as GlobalOptions;
    registerMarket(program, globals);
    registerDevnet(program, globals);
    const sub = (...names: string[]) => {
      let cmd: Command | undefined = program;
      for (const n of names) cmd = cmd?.commands.find((c) => c.name() === n);
      // commander wraps long descriptions to the terminal's width: compare the words.
      return (cmd?.helpInformation() ?? "").replace(/\s+/g, " ");
    };
    expect(sub("market", "orders")).toContain(`(${orderStates.slice(1).join(" | ")})`);
    expect(sub("market", "leases")).toContain(`(${leaseStates.slice(1).join(" | ")})`);
    expect(sub("devnet")).toContain(`providers (0..${MAX_LOCAL_PROVIDERS})`);
    expect(sub("devnet")).toContain(`model (0..${MAX_LOCAL_COPROCESSORS})`);
  });
});
