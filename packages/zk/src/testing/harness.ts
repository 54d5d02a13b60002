// Test helpers: compile a CompiledCircuit with circom2 and compute witnesses with snarkjs.
// Used by the package's tests only (not exported from the package index).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CircomCompileResult, compileCircom } from "../circom/compile.js";
import { writeCircomProject } from "../circom/project.js";
import { calculateWitnessFile, checkWitness, readWitness } from "../circom/witness.js";
import type { CompiledCircuit } from "../compiler/compile.js";
import { circuitInputs } from "../quantize/run.js";

export type BuiltCircuit = CircomCompileResult & { dir: string; compiled: CompiledCircuit };

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function buildCircuit(compiled: CompiledCircuit, dir: string): Promise<BuiltCircuit> {
  writeCircomProject(compiled, dir);
  const built = await compileCircom({ dir });
  return { ...built, dir, compiled };
}

let counter = 0;

/** Witness for `input`; returns all witness values and whether they satisfy the R1CS. */
export async function witnessOf(
  built: BuiltCircuit,
  input: readonly number[],
): Promise<{ witness: bigint[]; file: string; ok: boolean }> {
  const file = join(built.dir, `w${counter++}.wtns`);
  await calculateWitnessFile(built.wasmPath, circuitInputs(built.compiled, input), file);
  return {
    witness: await readWitness(file),
    file,
    ok: await checkWitness(built.r1csPath, file),
  };
}
