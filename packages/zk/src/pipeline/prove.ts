// `noos zk prove` and only what it needs: node's fs, snarkjs and the Groth16 wrapper. This is the
// "@noosphere/zk/prover" entry; the package index would also load the compiler, viem, the SDK and
// onnxruntime (~250 MB and seconds of module loading) for a proof that needs none of them.
// Keep it that way: no value import from the SDK or the rest of the package here (type imports
// are erased); errors load the SDK only when they are thrown.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { prove, warmUpProver } from "./groth16.js";
import type { CompiledFile, ProofFile, WitnessFile } from "./steps.js";

export {
  type Groth16Proof,
  prove,
  terminateSnarkjs,
  type VerificationKey,
  verify,
  warmUpProver,
} from "./groth16.js";

/**
 * Below this many constraints a one-shot proof runs on one thread: each snarkjs worker compiles
 * and holds its own wasm heap, so one thread keeps a fresh `noos zk prove` of the digits MLP at
 * ~165 MB peak instead of ~210 MB, and on the shared 2-core machine it was as fast or faster
 * (2.8 s vs 3.4 s median under load; on an idle machine workers were ~1.2x faster).
 * bench/results/zk.json `cliProve` has the figures. Larger circuits get worker threads.
 */
export const SINGLE_THREAD_MAX_CONSTRAINTS = 1 << 15;

async function invalid(field: string, expected: string, received: string): Promise<never> {
  const { InvalidParameterError } = await import("@noosphere/sdk");
  throw new InvalidParameterError({ field, expected, received });
}

async function readJson<T>(file: string, field: string): Promise<T> {
  if (!existsSync(file)) return invalid(field, "an existing file", file);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (cause) {
    return invalid(
      field,
      "a JSON file",
      `${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

export type ProveStepParameters = {
  witnessPath: string;
  compiledPath: string;
  pkPath: string;
  proofPath: string;
  /**
   * Worker threads for snarkjs' curve when this process has none yet: true = none, false = one
   * per core, "auto" (default) = none for a circuit under SINGLE_THREAD_MAX_CONSTRAINTS.
   * The proof is the same either way (same key, same witness, verified the same).
   */
  singleThread?: boolean | "auto" | undefined;
};

export async function proveStep(p: ProveStepParameters) {
  const compiled = await readJson<CompiledFile>(p.compiledPath, "--compiled-circuit");
  if (compiled.format !== "noosphere-zk-circuit/1" || compiled.circuit?.layout === undefined) {
    return invalid(
      "--compiled-circuit",
      "a file written by `noos zk compile-circuit` (format noosphere-zk-circuit/1)",
      String(compiled.format),
    );
  }
  const witness = await readJson<WitnessFile>(p.witnessPath, "--witness");
  if (typeof witness.witness !== "string") {
    return invalid("--witness", "a witness written by `noos zk gen-witness`", p.witnessPath);
  }
  if (!existsSync(p.pkPath)) {
    return invalid("--pk-path", "the proving key written by `noos zk setup`", p.pkPath);
  }
  const start = performance.now();
  const g = globalThis as { curve_bn128?: unknown };
  const mode = p.singleThread ?? "auto";
  const singleThread =
    mode === "auto" ? compiled.constraints < SINGLE_THREAD_MAX_CONSTRAINTS : mode;
  // snarkjs proves with globalThis.curve_bn128 once it exists (a daemon's or a test's warm
  // curve is reused as it is); else build it here with the chosen threads.
  const built = !g.curve_bn128;
  if (built) await warmUpProver({ singleThread });
  const { proof, publicSignals } = await prove(p.pkPath, Buffer.from(witness.witness, "base64"));
  const proveSeconds = (performance.now() - start) / 1000;
  const layout = compiled.circuit.layout;
  const file: ProofFile = {
    protocol: "groth16",
    curve: "bn128",
    proof,
    public_signals: publicSignals,
    layout: { param_hash: layout.paramHash, inputs: layout.inputs, outputs: layout.outputs },
    output_data: witness.output_data,
    model_sha256: compiled.model_sha256,
  };
  writeFileSync(p.proofPath, `${JSON.stringify(file, null, 2)}\n`);
  return {
    proofPath: p.proofPath,
    publicSignals,
    /** Whether this call built a single-thread curve (undefined: an existing curve was used). */
    singleThread: built ? singleThread : undefined,
    seconds: proveSeconds,
  };
}
