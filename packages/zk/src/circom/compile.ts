import { spawn } from "node:child_process";
import { mkdir, open } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join, relative } from "node:path";
import { ZkCircomError } from "../errors.js";

const require = createRequire(import.meta.url);

export type CircomCompileOptions = {
  /** The project directory (where writeCircomProject wrote main.circom and its includes). */
  dir: string;
  /** The main file (default dir/main.circom). */
  mainFile?: string;
  /** Output directory relative to `dir` (default "build"). */
  outDir?: string;
  /** Simplification level (default "O2": linear constraints substituted away). */
  optimize?: "O0" | "O1" | "O2";
  /** Also emit the .sym file (signal names -> witness indices; default true). */
  sym?: boolean;
  signal?: AbortSignal;
};

export type CircomCompileResult = {
  r1csPath: string;
  wasmPath: string;
  symPath: string | undefined;
  /** From the .r1cs header. */
  constraints: number;
  wires: number;
  publicOutputs: number;
  publicInputs: number;
  privateInputs: number;
  /** Compiler wall time in ms. */
  ms: number;
  log: string;
};

/**
 * Compiles main.circom with circom2 (WASM) to .r1cs + .wasm (+ .sym) under dir/build. circom2
 * runs with `dir` as its working directory and sees only files below it, so every include must
 * sit there (writeCircomProject puts them there).
 */
export async function compileCircom(options: CircomCompileOptions): Promise<CircomCompileResult> {
  const cwd = options.dir;
  const mainFile = options.mainFile ?? join(cwd, "main.circom");
  const outDir = options.outDir ?? "build";
  const name = basename(mainFile, ".circom");
  const args = [
    require.resolve("circom2/cli.js"),
    relative(cwd, mainFile),
    "--r1cs",
    "--wasm",
    ...(options.sym === false ? [] : ["--sym"]),
    `--${options.optimize ?? "O2"}`,
    "-o",
    outDir,
  ];
  await mkdir(join(cwd, outDir), { recursive: true });
  const started = Date.now();
  const log = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", (cause) => reject(new ZkCircomError("could not run circom2", { cause })));
    child.on("close", (code) => {
      if (code === 0 && !/error\[/i.test(out)) resolve(out);
      else {
        reject(
          new ZkCircomError(`circom2 failed on ${mainFile} (exit code ${code})`, {
            details: out.slice(-4000),
          }),
        );
      }
    });
  });
  const ms = Date.now() - started;
  const base = join(cwd, outDir);
  const r1csFile = join(base, `${name}.r1cs`);
  const header = await readR1csHeader(r1csFile);
  return {
    r1csPath: r1csFile,
    wasmPath: join(base, `${name}_js`, `${name}.wasm`),
    symPath: options.sym === false ? undefined : join(base, `${name}.sym`),
    ...header,
    ms,
    log,
  };
}

/** Counts from an .r1cs file's header section (iden3 binary format, version 1). */
export async function readR1csHeader(file: string): Promise<{
  constraints: number;
  wires: number;
  publicOutputs: number;
  publicInputs: number;
  privateInputs: number;
}> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(12);
    await fh.read(buf, 0, 12, 0);
    if (buf.toString("latin1", 0, 4) !== "r1cs") {
      throw new ZkCircomError(`${file} is not an r1cs file`);
    }
    const nSections = buf.readUInt32LE(8);
    let pos = 12;
    for (let s = 0; s < nSections; s++) {
      const h = Buffer.alloc(12);
      await fh.read(h, 0, 12, pos);
      const type = h.readUInt32LE(0);
      const len = Number(h.readBigUInt64LE(4));
      if (type === 1) {
        const body = Buffer.alloc(len);
        await fh.read(body, 0, len, pos + 12);
        const n8 = body.readUInt32LE(0);
        let o = 4 + n8;
        const u32 = (): number => {
          const v = body.readUInt32LE(o);
          o += 4;
          return v;
        };
        const wires = u32();
        const publicOutputs = u32();
        const publicInputs = u32();
        const privateInputs = u32();
        o += 8; // nLabels (u64)
        const constraints = u32();
        return { constraints, wires, publicOutputs, publicInputs, privateInputs };
      }
      pos += 12 + len;
    }
    throw new ZkCircomError(`${file} has no header section`);
  } finally {
    await fh.close();
  }
}
