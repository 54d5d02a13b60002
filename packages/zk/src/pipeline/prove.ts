// `noos zk prove` and only what it needs: node's fs and the lean Groth16 prover
// (../prove/groth16.ts: wasmcurves' prebuilt bn128 wasm driven directly, no snarkjs). This is the
// "@noosphere/zk/prover" entry; the package index would also load the compiler, viem, the SDK and
// onnxruntime (~250 MB and seconds of module loading) for a proof that needs none of them, and
// snarkjs + ffjavascript alone cost more than the proof of a small model (module loading, a wasm
// module regenerated in JavaScript at every start). snarkjs is loaded only for --worker-threads.
// Keep it that way: no value import from the SDK or the rest of the package here (type imports
// are erased); errors load the SDK only when they are thrown.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { proveGroth16 } from "../prove/groth16.js";
import type { CompiledFile, ProofFile, WitnessFile } from "./steps.js";

/**
 * Below this many constraints a one-shot proof uses the lean prover (one thread, plus one helper
 * thread on a multi-core machine): snarkjs' worker threads each compile and hold their own wasm
 * heap (~50 MB) and it loads and builds more than it proves for a small circuit
 * (bench/results/zk.json `cliProve`). Larger circuits get snarkjs with one worker per core.
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
   * true = the lean prover on this thread only; false = snarkjs with one worker thread per core
   * (or the curve this process already built: a daemon's or a test's); "auto" (default) = for a
   * circuit under SINGLE_THREAD_MAX_CONSTRAINTS the lean prover, with one helper thread for part
   * of its multi-exponentiations when the machine has more than one CPU, else snarkjs' workers.
   * Each is a Groth16 proof with the same key of the same witness, checked the same way.
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
  const mode = p.singleThread ?? "auto";
  const lean = mode === "auto" ? compiled.constraints < SINGLE_THREAD_MAX_CONSTRAINTS : mode;
  const helperThread = mode === "auto" && os.availableParallelism() > 1;
  const wtns = Buffer.from(witness.witness, "base64");
  let proof: ProofFile["proof"];
  let publicSignals: string[];
  if (lean) {
    ({ proof, publicSignals } = await proveGroth16(readFileSync(p.pkPath), wtns, {
      helperThread,
    }));
  } else {
    // snarkjs proves with globalThis.curve_bn128 once it exists; else build it with workers.
    const { prove, warmUpProver } = await import("./groth16.js");
    const g = globalThis as { curve_bn128?: unknown };
    if (!g.curve_bn128) await warmUpProver({ singleThread: false });
    ({ proof, publicSignals } = await prove(p.pkPath, wtns));
  }
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
    /** true: the lean prover (with `threads` threads); false: snarkjs' curve with workers. */
    singleThread: lean,
    threads: lean ? (helperThread ? 2 : 1) : ("snarkjs workers" as const),
    seconds: proveSeconds,
  };
}
