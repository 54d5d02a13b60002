// The lean prover against snarkjs: the wasm it loads is the module ffjavascript builds, and its
// proofs verify with snarkjs' verifier (the same check `noos zk verify` and the Solidity verifier
// make) for a witness with every kind of value its multi-exponentiation treats apart.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCircom } from "../circom/compile.js";
import { terminateSnarkjs } from "../circom/witness.js";
import { writeDevelopmentZkey } from "../pipeline/devZkey.js";
import { BN254_R, bn128WasmPath, parseWtns, proveGroth16 } from "./groth16.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "noos-lean-prover-"));
afterAll(async () => {
  await terminateSnarkjs();
  rmSync(dir, { recursive: true, force: true });
});

// Witness values of every class: 0, 1, small (< 2^16, the largest 65535), 2^16 exactly, small
// negatives (-3, -65535), -65536 (magnitude not below 2^16), and full-size field elements (an
// inverse). They are private inputs used in products, so that they stay in the witness with
// points on the curve. Public: the output y and the input x.
const VALUES = [0n, 1n, 65535n, 65536n, BN254_R - 3n, BN254_R - 65535n, BN254_R - 65536n];
const CIRCUIT = `pragma circom 2.0.0;
template T(n) {
  signal input x;
  signal input k;
  signal input v[n];
  signal output y;
  signal p[n];
  signal inv;
  signal t;
  var acc = 0;
  for (var i = 0; i < n; i++) {
    p[i] <== v[i] * x;
    acc += p[i];
  }
  inv <-- 1 / x;
  inv * x === 1;
  t <== inv * k;
  y <== t + acc;
}
component main {public [x]} = T(${VALUES.length});
`;

let pk: Uint8Array;
let vk: snarkjs.VerificationKey;
let wasmPath: string;

beforeAll(async () => {
  writeFileSync(path.join(dir, "main.circom"), CIRCUIT);
  const compiled = await compileCircom({ dir, optimize: "O1", sym: false });
  wasmPath = compiled.wasmPath;
  const pkPath = path.join(dir, "pk.zkey");
  await writeDevelopmentZkey(compiled.r1csPath, pkPath);
  pk = readFileSync(pkPath);
  vk = await snarkjs.zKey.exportVerificationKey(pkPath);
}, 120_000);

async function witness(inputs: Record<string, unknown>): Promise<Uint8Array> {
  const out: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snarkjs.wtns.calculate(inputs, wasmPath, out);
  return out.data as Uint8Array;
}

describe("proveGroth16", () => {
  it("test_bn128Wasm_isTheModuleFfjavascriptBuilds", () => {
    // ffjavascript's buildBn128 generates this module with wasmbuilder at every start.
    const fromFf = createRequire(
      createRequire(createRequire(import.meta.url).resolve("snarkjs")).resolve("ffjavascript"),
    );
    const { ModuleBuilder } = fromFf("wasmbuilder") as {
      ModuleBuilder: new () => { setMemory(n: number): void; build(): Uint8Array };
    };
    const { buildBn128 } = fromFf("wasmcurves") as { buildBn128(m: unknown): void };
    const builder = new ModuleBuilder();
    builder.setMemory(25);
    buildBn128(builder);
    const built = Buffer.from(builder.build());
    expect(built.equals(readFileSync(bn128WasmPath()))).toBe(true);
  });

  it("test_proveGroth16_everyValueClass_verifiesWithSnarkjs", async () => {
    const wtns = await witness({ x: 7, k: 5, v: VALUES.map(String) });
    const values = parseWtns(wtns).values;
    const v = (i: number) => {
      let x = 0n;
      for (let b = 31; b >= 0; b--) x = (x << 8n) | BigInt(values[i * 32 + b] as number);
      return x;
    };
    const all = Array.from({ length: values.length / 32 }, (_, i) => v(i));
    // The witness holds each class the multi-exponentiation splits on.
    for (const want of VALUES) expect(all).toContain(want);
    expect(all.some((x) => x > 1n << 200n && x < BN254_R - (1n << 200n))).toBe(true);

    const { proof, publicSignals } = await proveGroth16(pk, wtns, { helperThread: false });
    expect(publicSignals).toEqual([String(all[1]), "7"]);
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vk, [publicSignals[0] as string, "8"], proof)).toBe(false);
    // With the helper thread (B1, B2, C proved there), and fresh blinding: another valid proof.
    const again = await proveGroth16(pk, wtns, { helperThread: true });
    expect(again.proof.pi_a).not.toEqual(proof.pi_a);
    expect(again.publicSignals).toEqual(publicSignals);
    expect(await snarkjs.groth16.verify(vk, again.publicSignals, again.proof)).toBe(true);
  }, 60_000);

  it("test_proveGroth16_wrongWitnessOrKey_throws", async () => {
    const wtns = await witness({ x: 7, k: 5, v: VALUES.map(String) });
    const short = Buffer.from(wtns);
    // nWitness in the header (after n8 and the 32-byte prime): one variable fewer.
    const at = 12 + 12 + 4 + 32;
    short.writeUInt32LE(short.readUInt32LE(at) - 1, at);
    expect(() => parseWtns(short)).toThrow(/data section size/);
    await expect(proveGroth16(wtns, wtns)).rejects.toThrow(/not a zkey file/);
  });
});
