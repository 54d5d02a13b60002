// Groth16 over BN254 with snarkjs, in process (the snarkjs CLI adds ~0.5 s and ~170 MB per call).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";

export type Groth16Proof = {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
};

export type VerificationKey = Record<string, unknown> & {
  protocol: string;
  curve: string;
  nPublic: number;
};

export type CircuitInfo = { constraints: number; publicSignals: number; power: number };

/** Constraint count and the powers-of-tau size the circuit needs (snarkjs' own rule). */
export async function circuitInfo(r1csPath: string): Promise<CircuitInfo> {
  const info = await snarkjs.r1cs.info(r1csPath);
  const constraints = Number(info.nConstraints);
  const publicSignals = Number(info.nOutputs) + Number(info.nPubInputs);
  const power = Math.max(1, Math.ceil(Math.log2(constraints + publicSignals + 1)));
  return { constraints, publicSignals, power };
}

/**
 * Circuit-specific setup: a phase-2 zkey from the r1cs and a powers-of-tau file, with one
 * contribution of fresh randomness (discarded), then the verification key.
 */
export async function setup(params: {
  r1csPath: string;
  ptauPath: string;
  pkPath: string;
}): Promise<VerificationKey> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "noos-zkey-"));
  try {
    const initial = path.join(tmp, "circuit_0000.zkey");
    await snarkjs.zKey.newZKey(params.r1csPath, params.ptauPath, initial);
    await snarkjs.zKey.contribute(
      initial,
      params.pkPath,
      "noosphere setup",
      randomBytes(32).toString("hex"),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return (await snarkjs.zKey.exportVerificationKey(params.pkPath)) as VerificationKey;
}

export async function prove(
  pkPath: string,
  witness: Uint8Array,
): Promise<{ proof: Groth16Proof; publicSignals: string[] }> {
  const wtns = { type: "mem", data: witness };
  return (await snarkjs.groth16.prove(pkPath, wtns)) as {
    proof: Groth16Proof;
    publicSignals: string[];
  };
}

export async function verify(
  vk: VerificationKey,
  publicSignals: readonly (string | bigint)[],
  proof: Groth16Proof,
): Promise<boolean> {
  return snarkjs.groth16.verify(
    vk,
    publicSignals.map((s) => s.toString()),
    proof,
  ) as Promise<boolean>;
}

/**
 * Builds snarkjs' BN254 curve (wasm, worker threads unless `singleThread`): the fixed cost of a
 * first proof. snarkjs keeps it in `globalThis.curve_bn128` and proves with it from then on; one
 * thread saves each worker's wasm memory (~60 MB here) at ~1.3x the proving time.
 */
export async function warmUpProver(options: { singleThread?: boolean } = {}): Promise<void> {
  const singleThread = options.singleThread ?? false;
  const g = globalThis as { curve_bn128?: unknown };
  g.curve_bn128 = await snarkjs.curves.getCurveFromName("bn128", { singleThread });
}

export { terminateSnarkjs } from "../circom/witness.js";
