// A warm prover for a daemon that proves the same model many times: the compiled circuit, the
// witness-generator wasm, the proving key and the verification key stay in memory, and snarkjs'
// BN254 curve (worker threads, wasm) is built once. A proof then costs the witness and the
// multi-exponentiations only, not the zkey read and curve setup of a cold `noos zk prove`.
import { InvalidParameterError } from "@noosphere/sdk";
import * as snarkjs from "snarkjs";
import type { CompiledCircuit } from "../compiler/compile.js";
import { ZkInputRangeError } from "../errors.js";
import { toField } from "../field.js";
import { poseidonHashInputs } from "../poseidon.js";
import { graphOf, runQuantizedInts } from "../quantize/run.js";
import { type Groth16Proof, type VerificationKey, warmUpProver } from "./groth16.js";
import { readPublicSignals } from "./steps.js";

export type WarmProof = {
  /** Output elements as signed fixed-point integers (outputs[i] / 2^outputScales[i] is the value). */
  outputs: bigint[];
  outputScales: number[];
  proof: Groth16Proof;
  /** Public signals in ProofRegistry's order, decimal strings. */
  publicSignals: string[];
  /** Input commitment of the quantized input (poseidonHashInputs: what a hashed-input circuit exposes). */
  inputHash: bigint;
  /** Checked off chain with the verification key before returning. */
  verified: boolean;
  witnessSeconds: number;
  proveSeconds: number;
};

export type WarmProver = {
  readonly circuit: CompiledCircuit;
  /** Proves the model on fixed-point integer inputs at the circuit's input scale. */
  prove(input: readonly bigint[]): Promise<WarmProof>;
};

/** Range-checks integer inputs exactly as the circuit does; throws ZkInputRangeError. */
export function checkQuantizedInput(circuit: CompiledCircuit, input: readonly bigint[]): void {
  const g = graphOf(circuit);
  const n = circuit.inputs.reduce((acc, i) => acc + i.dims.reduce((a, b) => a * b, 1), 0);
  if (input.length !== n) {
    throw new InvalidParameterError({
      field: "input",
      expected: `${n} fixed-point integers (the model inputs, flattened)`,
      received: `${input.length} values`,
    });
  }
  const s = circuit.settings.run_args.input_scale;
  const hi = g.inputLo + (1n << BigInt(g.inputBits)) - 1n;
  input.forEach((q, i) => {
    if (q < g.inputLo || q > hi) {
      throw new ZkInputRangeError({
        index: i,
        value: Number(q) / 2 ** s,
        range: [Number(g.inputLo) / 2 ** s, Number(hi) / 2 ** s],
      });
    }
  });
}

export async function createWarmProver(p: {
  circuit: CompiledCircuit;
  /** The witness generator's circuit.wasm. */
  wasm: Uint8Array;
  /** Proving key (.zkey) bytes. */
  pk: Uint8Array;
  vk: VerificationKey;
  singleThread?: boolean | undefined;
}): Promise<WarmProver> {
  const g = globalThis as { curve_bn128?: unknown };
  if (!g.curve_bn128) await warmUpProver({ singleThread: p.singleThread ?? false });
  const { circuit } = p;
  const total = circuit.layout.total;
  return {
    circuit,
    async prove(input) {
      checkQuantizedInput(circuit, input);
      const start = performance.now();
      const inputs: Record<string, string | string[]> = {
        in: input.map((x) => toField(x).toString()),
      };
      const graph = graphOf(circuit);
      if (circuit.settings.run_args.param_visibility === "hashed" && graph.nParams > 0)
        inputs.params = graph.params.map((x) => toField(x).toString());
      const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem" };
      await snarkjs.wtns.calculate(inputs, { type: "mem", data: p.wasm }, wtns);
      const witness = wtns.data as Uint8Array;
      const signals = readPublicSignals(witness, total);
      const witnessSeconds = (performance.now() - start) / 1000;
      const proveStart = performance.now();
      const { proof, publicSignals } = await snarkjs.groth16.prove(
        { type: "mem", data: p.pk },
        { type: "mem", data: witness },
      );
      const proveSeconds = (performance.now() - proveStart) / 1000;
      if (publicSignals.some((s, i) => BigInt(s) !== signals[i])) {
        throw new Error("internal: the proof's public signals differ from the witness'");
      }
      const verified = (await snarkjs.groth16.verify(p.vk, publicSignals, proof)) as boolean;
      const { outputs, outputScales } = runQuantizedInts(circuit, input);
      return {
        outputs,
        outputScales,
        proof: proof as Groth16Proof,
        publicSignals,
        inputHash: poseidonHashInputs(input),
        verified,
        witnessSeconds,
        proveSeconds,
      };
    },
  };
}
