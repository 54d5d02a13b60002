// The development proving key written from its secrets is the key snarkjs would make: with the
// same tau, alpha and beta (and delta = 1), sections 1-9 equal snarkjs' newZKey output from the
// matching powers of tau byte for byte; with a random delta it proves and verifies.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { compileCircom } from "../circom/compile.js";
import { terminateSnarkjs } from "../circom/witness.js";
import { writeDevelopmentPtau } from "./devPtau.js";
import { writeDevelopmentZkey } from "./devZkey.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "noos-devzkey-"));
afterAll(async () => {
  await terminateSnarkjs();
  rmSync(dir, { recursive: true, force: true });
});

/** Section id -> bytes of a zkey/ptau file (iden3's binary container). */
function sections(file: string): Map<number, Buffer> {
  const b = readFileSync(file);
  const out = new Map<number, Buffer>();
  let at = 12;
  for (let i = 0; i < b.readUInt32LE(8); i++) {
    const id = b.readUInt32LE(at);
    const size = Number(b.readBigUInt64LE(at + 4));
    out.set(id, b.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return out;
}

// Public input x and output y, private witness: y = x^3 + 2x + 5 (a few multiplications), plus
// an unused private input so that a wire appears in no constraint.
const CIRCUIT = `pragma circom 2.0.0;
template T() {
  signal input x;
  signal input unused;
  signal output y;
  signal x2;
  signal x3;
  x2 <== x * x;
  x3 <== x2 * x;
  y <== x3 + 2 * x + 5;
}
component main {public [x]} = T();
`;

describe("writeDevelopmentZkey", () => {
  it("test_writeDevelopmentZkey_matchesSnarkjsNewZKeyAndProves", async () => {
    writeFileSync(path.join(dir, "main.circom"), CIRCUIT);
    const compiled = await compileCircom({ dir, optimize: "O1", sym: false });
    const secrets = { tau: 123456789n, alpha: 987654321n, beta: 55555n };
    // cirPower + 1 <= the ptau's power, so that both read the exact Lagrange basis for H.
    const ptau = path.join(dir, "dev.ptau");
    await writeDevelopmentPtau(ptau, 4, secrets);
    const theirs = path.join(dir, "theirs.zkey");
    await snarkjs.zKey.newZKey(compiled.r1csPath, ptau, theirs);
    const ours = path.join(dir, "ours.zkey");
    await writeDevelopmentZkey(compiled.r1csPath, ours, { ...secrets, delta: 1n });
    const a = sections(ours);
    const b = sections(theirs);
    for (let id = 1; id <= 9; id++) {
      expect({ id, bytes: a.get(id)?.toString("hex") }).toEqual({
        id,
        bytes: b.get(id)?.toString("hex"),
      });
    }

    // Fresh secrets (a real delta): a proof with this key verifies, and a wrong output does not.
    const pk = path.join(dir, "pk.zkey");
    await writeDevelopmentZkey(compiled.r1csPath, pk);
    const vk = await snarkjs.zKey.exportVerificationKey(pk);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(
      { x: 3, unused: 7 },
      compiled.wasmPath,
      pk,
    );
    expect(publicSignals).toEqual(["38", "3"]);
    expect(await snarkjs.groth16.verify(vk, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(vk, ["39", "3"], proof)).toBe(false);
  }, 120_000);
});
