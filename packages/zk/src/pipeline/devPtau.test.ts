// The fast development powers of tau is the file snarkjs would prepare: snarkjs' own
// preparePhase2, run on our tau/alpha/beta sections, must reproduce our Lagrange sections byte
// for byte (including the 2^(power+1) tauG1 domain that Groth16's H query reads).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as snarkjs from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { terminateSnarkjs } from "../circom/witness.js";
import { writeDevelopmentPtau } from "./devPtau.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "noos-devptau-"));
afterAll(async () => {
  await terminateSnarkjs();
  rmSync(dir, { recursive: true, force: true });
});

describe("writeDevelopmentPtau", () => {
  it("test_writeDevelopmentPtau_matchesSnarkjsPreparePhase2", async () => {
    for (const power of [1, 6]) {
      const ours = path.join(dir, `ours${power}.ptau`);
      const theirs = path.join(dir, `theirs${power}.ptau`);
      await writeDevelopmentPtau(ours, power);
      await snarkjs.powersOfTau.preparePhase2(ours, theirs);
      const a = readFileSync(ours);
      const b = readFileSync(theirs);
      expect(a.length).toBe(b.length);
      expect(a.equals(b)).toBe(true);
    }
  }, 120_000);

  it("test_writeDevelopmentPtau_freshSecretsEachTime", async () => {
    await writeDevelopmentPtau(path.join(dir, "x.ptau"), 2);
    await writeDevelopmentPtau(path.join(dir, "y.ptau"), 2);
    expect(
      readFileSync(path.join(dir, "x.ptau")).equals(readFileSync(path.join(dir, "y.ptau"))),
    ).toBe(false);
  }, 60_000);
});
