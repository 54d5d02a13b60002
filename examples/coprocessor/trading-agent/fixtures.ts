// Generates the trading vault's Foundry fixtures with the real zk pipeline: the model's settings
// (public inputs and outputs, calibrated on calibration.json as `noos demo trading-agent` does), its
// circuit, a DEVELOPMENT Groth16 setup (local powers of tau: never use it for anything of value), a
// snarkjs Solidity verifier and real proofs of the model on the inputs the vault reads in the two
// scenarios of contracts/test/apps/trading/TradingVaultProof.t.sol (after a dump, after a pump).
//   npx tsx examples/coprocessor/trading-agent/fixtures.ts
// Writes contracts/test/apps/trading/fixtures/TradingAgentVerifier.sol and TradingAgentFixtures.sol.
// snarkjs mixes system randomness into setups and proofs: each run rewrites both files.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const outDir = path.resolve(here, "../../../contracts/test/apps/trading/fixtures");
const modelPath = path.join(here, "model.onnx");

/**
 * The vault's inline input (deviation, base share at 2^10) in the Foundry scenarios: the pair at
 * 10,000/10,000, a vault holding 1,000 + 1,000, ten minutes at 1.0, then a whale sells (buy) or
 * buys (sell) 500 and 12 s pass. TradingVaultProof.t.sol checks that the vault reads exactly these.
 */
const SCENARIOS = [
  { name: "buy", inputs: [-93n, 487n] },
  { name: "sell", inputs: [103n, 537n] },
] as const;
const EXPECTED_INPUT_SCALE = 10;

const hex = (v: string | bigint) => `0x${BigInt(v).toString(16).padStart(64, "0")}`;

async function main() {
  const work = mkdtempSync(path.join(tmpdir(), "noos-trading-fixtures-"));
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
    if (inputScale !== EXPECTED_INPUT_SCALE) {
      throw new Error(
        `calibration chose input scale ${inputScale}: update SCENARIOS (the vault's values at that scale)`,
      );
    }
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
    mkdirSync(outDir, { recursive: true });
    await createEvmVerifierStep({
      vkPath: at("vk.key"),
      solCodePath: path.join(outDir, "TradingAgentVerifier.sol"),
      contractName: "TradingAgentVerifier",
    });
    const compiled = JSON.parse(readFileSync(at("model.compiled"), "utf8")) as CompiledFile;
    const layout = publicSignalLayout(compiled.circuit);

    const lib: string[] = [];
    for (const s of SCENARIOS) {
      const data = at(`${s.name}.input.json`);
      // q / 2^scale is exact in binary, so the pipeline quantizes it back to exactly q.
      writeFileSync(
        data,
        JSON.stringify({ input_data: [s.inputs.map((v) => Number(v) / 2 ** inputScale)] }),
      );
      await genWitnessStep({
        compiledPath: at("model.compiled"),
        dataPath: data,
        outputPath: at(`${s.name}.wtns.json`),
      });
      await proveStep({
        witnessPath: at(`${s.name}.wtns.json`),
        compiledPath: at("model.compiled"),
        pkPath: at("pk.key"),
        proofPath: at(`${s.name}.proof.json`),
      });
      const proofFile = JSON.parse(readFileSync(at(`${s.name}.proof.json`), "utf8")) as ProofFile;
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
        (JSON.parse(readFileSync(at(`${s.name}.wtns.json`), "utf8")) as { outputs: string[][] })
          .outputs[0] ?? [];
      lib.push(
        `    function ${s.name}Inputs() internal pure returns (int256[] memory x) {`,
        `        x = new int256[](${s.inputs.length});`,
        ...s.inputs.map((v, i) => `        x[${i}] = ${v};`),
        "    }",
        "",
        `    function ${s.name}Outputs() internal pure returns (int256[] memory y) {`,
        `        y = new int256[](${outputs.length});`,
        ...outputs.map((v, i) => `        y[${i}] = ${v};`),
        "    }",
        "",
        `    function ${s.name}Proof() internal pure returns (uint256[8] memory p) {`,
        ...words.map((w, i) => `        p[${i}] = ${hex(w ?? "0")};`),
        "    }",
        "",
        `    function ${s.name}Signals() internal pure returns (uint256[] memory s) {`,
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
      "// Generated by examples/coprocessor/trading-agent/fixtures.ts. Do not edit.",
      "// The trading-agent model (examples/coprocessor/trading-agent/model.onnx) through the zk pipeline:",
      "// public inputs and outputs, a development Groth16 setup, real proofs on the vault's inputs.",
      "library TradingAgentFixtures {",
      `    uint8 internal constant INPUT_SCALE = ${inputScale};`,
      `    uint8 internal constant OUTPUT_SCALE = ${outputScale};`,
      `    uint8 internal constant INPUT_SIGNALS = ${layout.inputs};`,
      `    uint8 internal constant OUTPUT_SIGNALS = ${layout.outputs};`,
      `    uint256 internal constant CONSTRAINTS = ${compiled.constraints};`,
      "",
      ...lib,
      "}",
      "",
    ].join("\n");
    writeFileSync(path.join(outDir, "TradingAgentFixtures.sol"), source);
    console.log(
      `wrote ${path.relative(process.cwd(), outDir)}/{TradingAgentVerifier.sol,TradingAgentFixtures.sol}: ` +
        `${compiled.constraints} constraints, input scale ${inputScale}, output scale ${outputScale}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
    await terminateSnarkjs();
  }
}

await main();
