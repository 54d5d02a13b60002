// Generates the AI delegate's Foundry fixtures with the real zk pipeline: the model's settings
// (public inputs and outputs, calibrated on calibration.json as `noos demo dao-delegate` does), its
// circuit, a DEVELOPMENT Groth16 setup (local powers of tau: never use it for anything of value), a
// snarkjs Solidity verifier and real proofs of the example proposals of examples.json.
//   npx tsx examples/coprocessor/dao-delegate/fixtures.ts
// Writes contracts/test/apps/dao/fixtures/DaoDelegateVerifier.sol and DaoDelegateFixtures.sol.
// snarkjs mixes system randomness into setups and proofs: each run rewrites both files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CompiledFile,
  calibrateSettingsStep,
  compileCircuitStep,
  createEvmVerifierStep,
  genSettingsStep,
  genWitnessStep,
  type ProofFile,
  proveStep,
  publicSignalLayout,
  setupStep,
  terminateSnarkjs,
} from "@noosphere/zk";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, "../../../contracts/test/apps/dao/fixtures");
const modelPath = path.join(here, "model.onnx");
type Example = { name: string; featuresFixed: number[] };
const examples = JSON.parse(readFileSync(path.join(here, "examples.json"), "utf8")) as Example[];

/** What AiDelegate sends: round(f * 2^scale / 10_000), half away from zero. */
export function quantizeFixed(f: number, scale: number): bigint {
  const unit = 1n << BigInt(scale);
  const a = BigInt(Math.abs(f));
  const r = (a * unit + 5_000n) / 10_000n;
  return f < 0 ? -r : r;
}

const hex = (v: string | bigint) => `0x${BigInt(v).toString(16).padStart(64, "0")}`;
const int = (v: bigint) => v.toString();

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "noos-dao-fixtures-"));
  const at = (f: string) => path.join(work, f);
  try {
    await genSettingsStep({
      modelPath,
      settingsPath: at("settings.json"),
      options: { inputVisibility: "public", outputVisibility: "public" },
    });
    const { settings } = await calibrateSettingsStep({
      modelPath,
      dataPath: path.join(here, "calibration.json"),
      settingsPath: at("settings.json"),
      target: "resources",
    });
    const inputScale = settings.run_args.input_scale;
    const outputScale = settings.model_output_scales[0] ?? inputScale;
    await compileCircuitStep({
      modelPath,
      settingsPath: at("settings.json"),
      compiledPath: at("model.compiled"),
    });
    await setupStep({
      compiledPath: at("model.compiled"),
      pkPath: at("pk.key"),
      vkPath: at("vk.key"),
    });
    await createEvmVerifierStep({
      vkPath: at("vk.key"),
      solCodePath: path.join(outDir, "DaoDelegateVerifier.sol"),
      contractName: "DaoDelegateVerifier",
    });
    const compiled = JSON.parse(readFileSync(at("model.compiled"), "utf8")) as CompiledFile;
    const layout = publicSignalLayout(compiled.circuit);

    const lib: string[] = [];
    for (const e of examples) {
      const q = e.featuresFixed.map((f) => quantizeFixed(f, inputScale));
      const data = at(`${e.name}.input.json`);
      // q / 2^scale is exact in binary, so the pipeline quantizes it back to exactly q.
      writeFileSync(
        data,
        JSON.stringify({ input_data: [q.map((v) => Number(v) / 2 ** inputScale)] }),
      );
      await genWitnessStep({
        compiledPath: at("model.compiled"),
        dataPath: data,
        outputPath: at(`${e.name}.wtns.json`),
      });
      await proveStep({
        witnessPath: at(`${e.name}.wtns.json`),
        compiledPath: at("model.compiled"),
        pkPath: at("pk.key"),
        proofPath: at(`${e.name}.proof.json`),
      });
      const proofFile = JSON.parse(readFileSync(at(`${e.name}.proof.json`), "utf8")) as ProofFile;
      const { pi_a, pi_b, pi_c } = proofFile.proof;
      const words = [
        pi_a[0],
        pi_a[1],
        pi_b[0]?.[1],
        pi_b[0]?.[0],
        pi_b[1]?.[1],
        pi_b[1]?.[0],
        pi_c[0],
        pi_c[1],
      ];
      const signals = proofFile.public_signals;
      const outputs =
        (JSON.parse(readFileSync(at(`${e.name}.wtns.json`), "utf8")) as { outputs: string[][] })
          .outputs[0] ?? [];
      lib.push(
        `    function ${e.name}Features() internal pure returns (int256[] memory f) {`,
        `        f = new int256[](${e.featuresFixed.length});`,
        ...e.featuresFixed.map((v, i) => `        f[${i}] = ${v};`),
        "    }",
        "",
        `    function ${e.name}Inputs() internal pure returns (int256[] memory x) {`,
        `        x = new int256[](${q.length});`,
        ...q.map((v, i) => `        x[${i}] = ${int(v)};`),
        "    }",
        "",
        `    function ${e.name}Outputs() internal pure returns (int256[] memory y) {`,
        `        y = new int256[](${outputs.length});`,
        ...outputs.map((v, i) => `        y[${i}] = ${v};`),
        "    }",
        "",
        `    function ${e.name}Proof() internal pure returns (uint256[8] memory p) {`,
        ...words.map((w, i) => `        p[${i}] = ${hex(w ?? "0")};`),
        "    }",
        "",
        `    function ${e.name}Signals() internal pure returns (uint256[] memory s) {`,
        `        s = new uint256[](${signals.length});`,
        ...signals.map((v, i) => `        s[${i}] = ${hex(v)};`),
        "    }",
        "",
      );
    }
    const source = [
      "// SPDX-License-Identifier: MIT",
      "pragma solidity 0.8.30;",
      "",
      "// Generated by examples/coprocessor/dao-delegate/fixtures.ts. Do not edit.",
      "// The dao-delegate model (examples/coprocessor/dao-delegate/model.onnx) through the zk pipeline:",
      "// public inputs and outputs, a development Groth16 setup, real proofs of examples.json's proposals.",
      "// forge-lint: disable-start(unsafe-typecast)",
      "library DaoDelegateFixtures {",
      `    uint8 internal constant INPUT_SCALE = ${inputScale};`,
      `    uint8 internal constant OUTPUT_SCALE = ${outputScale};`,
      `    uint8 internal constant INPUT_SIGNALS = ${layout.inputs};`,
      `    uint8 internal constant OUTPUT_SIGNALS = ${layout.outputs};`,
      `    uint256 internal constant CONSTRAINTS = ${compiled.constraints};`,
      `    bytes32 internal constant ONNX_SHA256 = 0x${compiled.model_sha256};`,
      `    bytes32 internal constant SETTINGS_SHA256 = 0x${compiled.settings_sha256};`,
      "",
      ...lib,
      "}",
      "",
    ].join("\n");
    writeFileSync(path.join(outDir, "DaoDelegateFixtures.sol"), source);
    console.log(
      `wrote ${path.relative(process.cwd(), outDir)}/{DaoDelegateVerifier.sol,DaoDelegateFixtures.sol}: ` +
        `${compiled.constraints} constraints, input scale ${inputScale}, output scale ${outputScale}, ` +
        `param hash ${layout.paramHash}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    await terminateSnarkjs();
  }
}

await main();
