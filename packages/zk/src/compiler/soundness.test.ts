import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createGraphBuilder, encodeModel } from "@noosphere/ml";
import { afterAll, describe, expect, test } from "vitest";
import { type CircomCompileResult, compileCircom } from "../circom/compile.js";
import { writeCircomProject } from "../circom/project.js";
import { checkWitness, readSymbols, terminateSnarkjs, writeWitness } from "../circom/witness.js";
import { FIELD_P, fromField, toField } from "../field.js";
import { runQuantized } from "../quantize/run.js";
import { genSettings } from "../settings.js";
import { buildCircuit, tempDir, witnessOf } from "../testing/harness.js";
import { compileCircuit } from "./compile.js";

// The rescaling y = floor(acc / 2^k) is constrained by y * 2^k + r = acc. Without a range check
// on r (circomlib-ml's Dense only `assert`s it), (y + 1, r - 2^k) satisfies that too, so a prover
// could claim any output. We forge exactly that witness and show our circuit rejects it, and that
// the same circuit with the remainder check removed accepts it (so this test can fail).

const tmp = tempDir("zk-sound-");
afterAll(async () => {
  await terminateSnarkjs();
  tmp.remove();
});

/** DivFloorPow2 with the remainder left unchecked: the under-constrained pattern. */
const UNSAFE_DIV = `template DivFloorPow2(k, B) {
    signal input in;
    signal output out;
    signal output pos;
    signal qb[B];
    signal r;
    var off = 1 << (B - 1);
    var d = 1 << k;
    var q = (in + off * d) \\ d;
    var acc = 0;
    var e = 1;
    for (var i = 0; i < B; i++) {
        qb[i] <-- (q >> i) & 1;
        qb[i] * (qb[i] - 1) === 0;
        acc += qb[i] * e;
        e = e + e;
    }
    out <== acc - off;
    pos <== qb[B - 1];
    r <-- (in + off * d) % d;
    out * d + r === in;
}
`;

function model(): Uint8Array {
  const g = createGraphBuilder("rescale");
  const x = g.input("x", "float32", [1, 2]);
  const w = g.initializer("W", "float32", [1, 2], [0.61, -1.37]);
  g.output(g.node("Gemm", [x, w], { transB: 1 }), "float32", [1, 1]);
  return encodeModel(g.build());
}

describe("remainder range check", () => {
  test("a forged (y + 1, r - 2^k) witness is rejected, and accepted without the check", async () => {
    const bytes = model();
    const compiled = compileCircuit(
      bytes,
      genSettings(bytes, { inputVisibility: "private", inputRange: [-1, 1] }),
    );
    const input = [0.7, -0.3];
    const run = runQuantized(compiled, input);
    const honestOut = run.outputs[0] as bigint;
    const gi = compiled.graph.gadgets.findIndex((g) => g.op === "div");
    const div = compiled.graph.gadgets[gi];
    if (div?.op !== "div") throw new Error("expected a div gadget");
    const k = Number(BigInt(div.d)).toString(2).length - 1;
    const B = div.B;
    const nFixed = compiled.graph.nInputs + compiled.graph.nParams;

    const forge = async (dir: string, built: CircomCompileResult) => {
      const { witness, ok } = await witnessOf({ ...built, dir, compiled }, input);
      const sym = await readSymbols(built.symPath as string);
      const forged = [...witness];
      const set = (name: string, v: bigint): void => {
        const i = sym.get(name);
        if (i !== undefined) forged[i] = toField(v);
      };
      // The accumulator the division constrains, from the integer reference's wire values.
      const acc = div.x.w.reduce(
        (sum, w, i) => sum + BigInt(div.x.c[i] as string) * (run.wires[w] as bigint),
        BigInt(div.x.k),
      );
      const y = honestOut + 1n;
      const r = acc - honestOut * (1n << BigInt(k)) - (1n << BigInt(k));
      expect(y * (1n << BigInt(k)) + r).toBe(acc); // algebraically consistent
      set("main.out[0]", y);
      set(`main.w[${div.out - nFixed}]`, y);
      set(`main.g${gi}.out`, y);
      // Re-decompose y + 2^(B-1): the quotient's own range check is satisfied.
      const shifted = y + (1n << BigInt(B - 1));
      for (let i = 0; i < B; i++) set(`main.g${gi}.qb[${i}]`, (shifted >> BigInt(i)) & 1n);
      set(`main.g${gi}.r`, r);
      const file = join(dir, "forged.wtns");
      await writeWitness(file, forged);
      return { witness, ok, forged, file };
    };

    // Our circuit.
    const safe = await buildCircuit(compiled, join(tmp.path, "safe"));
    const s = await forge(safe.dir, safe);
    expect(fromField(s.witness[1] as bigint)).toBe(honestOut);
    expect(s.ok).toBe(true);
    expect(fromField(s.forged[1] as bigint)).toBe(honestOut + 1n);
    expect(await checkWitness(safe.r1csPath, s.file)).toBe(false);

    // The same circuit with the remainder unchecked accepts the forgery.
    const unsafeDir = join(tmp.path, "unsafe");
    writeCircomProject(compiled, unsafeDir);
    const lib = join(unsafeDir, "noosphere.circom");
    const text = readFileSync(lib, "utf8");
    const start = text.indexOf("template DivFloorPow2(k, B)");
    const end = text.indexOf("// out = floor(in / d) for a constant d");
    expect(start).toBeGreaterThan(0);
    writeFileSync(lib, `${text.slice(0, start)}${UNSAFE_DIV}\n${text.slice(end)}`);
    const unsafe = await compileCircom({ dir: unsafeDir, outDir: "build-unsafe" });
    const u = await forge(unsafeDir, unsafe);
    expect(u.ok).toBe(true);
    expect(fromField(u.forged[1] as bigint)).toBe(honestOut + 1n);
    expect(await checkWitness(unsafe.r1csPath, u.file)).toBe(true);
    // Sanity: the values really differ from the honest witness and stay field elements.
    expect(u.forged).not.toEqual(u.witness);
    expect(u.forged.every((v) => v >= 0n && v < FIELD_P)).toBe(true);
  });
});
