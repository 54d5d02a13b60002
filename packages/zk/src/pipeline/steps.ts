// The EZKL-style pipeline, one function per CLI step: gen-settings, calibrate-settings,
// compile-circuit, setup, gen-witness, prove, verify, create-evm-verifier, deploy-evm,
// verify-evm. Each reads and writes the same files as its command, and returns what it did and
// how long it took (the CLI prints it; the benchmark records it).
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { BaseError, createNoosClient, InvalidParameterError } from "@noosphere/sdk";
import * as snarkjs from "snarkjs";
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import { calibrateSettings, genSettings } from "../calibrate.js";
import { compileCircom } from "../circom/compile.js";
import { writeCircomProject } from "../circom/project.js";
import { calculateWitnessFile } from "../circom/witness.js";
import { type CompiledCircuit, compileCircuit } from "../compiler/compile.js";
import {
  circuitInputs,
  expectedPublicSignals,
  publicSignalLayout,
  quantizeInput,
  runQuantized,
} from "../quantize/run.js";
import { parseSettings, type ZkSettings } from "../settings.js";
import { writeDevelopmentZkey } from "./devZkey.js";
import {
  compileVerifier,
  deployVerifier,
  renderVerifier,
  VERIFIER_EVM_VERSION,
  verifyOnChain,
} from "./evm.js";
import { circuitInfo, type Groth16Proof, setup, type VerificationKey, verify } from "./groth16.js";
import { ensurePtau } from "./ptau.js";

export type Progress = (message: string) => void;

/** The compiled-circuit file (`--compiled-circuit`, default model.compiled): one JSON file. */
export type CompiledFile = {
  format: "noosphere-zk-circuit/1";
  model_sha256: string;
  settings_sha256: string;
  circuit: CompiledCircuit;
  constraints: number;
  public_signals: number;
  /** log2 of the powers-of-tau size the setup needs. */
  power: number;
  /** circuit.r1cs and the witness generator's circuit.wasm, gzipped and base64-encoded. */
  r1cs_gz: string;
  wasm_gz: string;
};

const pack = (file: string) => gzipSync(readFileSync(file)).toString("base64");
const unpack = (blob: string) => gunzipSync(Buffer.from(blob, "base64"));

export type WitnessFile = {
  input_data: number[][];
  /** Quantized inputs and outputs (signed fixed-point integers as decimal strings). */
  inputs: string[][];
  outputs: string[][];
  /** The outputs dequantized (what the proof says the model returned). */
  output_data: number[][];
  output_scale: number;
  public_signals: string[];
  /** Binary witness (.wtns), base64. */
  witness: string;
};

export type ProofFile = {
  protocol: "groth16";
  curve: "bn128";
  proof: Groth16Proof;
  /** Public signals (EZKL calls them instances), in ProofRegistry's order. */
  public_signals: string[];
  layout: { param_hash: boolean; inputs: number; outputs: number };
  output_data: number[][] | null;
  model_sha256: string;
};

const readJson = <T>(file: string, field: string): T => {
  if (!existsSync(file)) {
    throw new InvalidParameterError({ field, expected: "an existing file", received: file });
  }
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (cause) {
    throw new InvalidParameterError({
      field,
      expected: "a JSON file",
      received: `${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
    });
  }
};
const writeJson = (file: string, value: unknown) =>
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const seconds = (start: number) => (performance.now() - start) / 1000;

function readModel(modelPath: string): Uint8Array {
  if (!existsSync(modelPath)) {
    throw new InvalidParameterError({
      field: "--model",
      expected: "an existing ONNX file",
      received: modelPath,
    });
  }
  return readFileSync(modelPath);
}

/** EZKL's input format: {"input_data": [[...]]}; one array per model input. */
export function readInputData(dataPath: string): number[][] {
  const data = readJson<{ input_data?: unknown }>(dataPath, "--data");
  const rows = data.input_data;
  if (
    !Array.isArray(rows) ||
    rows.length === 0 ||
    !rows.every(
      (r) => Array.isArray(r) && r.every((v) => typeof v === "number" && Number.isFinite(v)),
    )
  ) {
    throw new InvalidParameterError({
      field: "input_data",
      expected: 'EZKL input JSON: {"input_data": [[numbers...]]} with one array per model input',
      received: dataPath,
    });
  }
  return rows as number[][];
}

export async function genSettingsStep(p: {
  modelPath: string;
  settingsPath: string;
  options: Parameters<typeof genSettings>[1];
}) {
  const start = performance.now();
  const settings = genSettings(readModel(p.modelPath), p.options);
  writeJson(p.settingsPath, settings);
  return { settingsPath: p.settingsPath, settings, seconds: seconds(start) };
}

export async function calibrateSettingsStep(p: {
  modelPath: string;
  dataPath: string;
  settingsPath: string;
  target: "resources" | "accuracy";
  onProgress?: Progress;
}) {
  const start = performance.now();
  const model = readModel(p.modelPath);
  const settings = parseSettings(readJson<unknown>(p.settingsPath, "--settings-path"));
  const inputSize = settings.model.inputs.reduce(
    (n, i) => n + i.shape.reduce((a: number, b: number) => a * Math.max(1, b), 1),
    0,
  );
  const flat = readInputData(p.dataPath).flat();
  if (flat.length === 0 || flat.length % inputSize !== 0) {
    throw new InvalidParameterError({
      field: "input_data",
      expected: `a multiple of the model's input size (${inputSize} values per sample)`,
      received: `${flat.length} values`,
    });
  }
  const samples: number[][] = [];
  for (let i = 0; i < flat.length; i += inputSize) samples.push(flat.slice(i, i + inputSize));
  const calibrated = calibrateSettings(model, settings, samples, {
    target: p.target,
    ...(p.onProgress ? { onProgress: p.onProgress } : {}),
  });
  writeJson(p.settingsPath, calibrated);
  return {
    settingsPath: p.settingsPath,
    settings: calibrated,
    samples: samples.length,
    seconds: seconds(start),
  };
}

export async function compileCircuitStep(p: {
  modelPath: string;
  settingsPath: string;
  compiledPath: string;
  onProgress?: Progress;
}) {
  const start = performance.now();
  const model = readModel(p.modelPath);
  const settingsText = readFileSync(p.settingsPath, "utf8");
  const settings: ZkSettings = parseSettings(readJson<unknown>(p.settingsPath, "--settings-path"));
  const circuit = compileCircuit(model, settings);
  const dir = mkdtempSync(path.join(os.tmpdir(), "noos-circom-"));
  try {
    const { mainFile } = writeCircomProject(circuit, dir);
    p.onProgress?.("compiling the circuit with circom2 (wasm)...");
    const built = await compileCircom({ dir, mainFile });
    const info = await circuitInfo(built.r1csPath);
    const file: CompiledFile = {
      format: "noosphere-zk-circuit/1",
      model_sha256: sha256(model),
      settings_sha256: sha256(settingsText),
      circuit,
      constraints: info.constraints,
      public_signals: info.publicSignals,
      power: info.power,
      r1cs_gz: pack(built.r1csPath),
      wasm_gz: pack(built.wasmPath),
    };
    writeJson(p.compiledPath, file);
    return {
      compiledPath: p.compiledPath,
      constraints: info.constraints,
      publicSignals: info.publicSignals,
      power: info.power,
      seconds: seconds(start),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readCompiled(compiledPath: string): CompiledFile {
  const file = readJson<CompiledFile>(compiledPath, "--compiled-circuit");
  if (
    file.format !== "noosphere-zk-circuit/1" ||
    typeof file.r1cs_gz !== "string" ||
    typeof file.wasm_gz !== "string"
  ) {
    throw new InvalidParameterError({
      field: "--compiled-circuit",
      expected: "a file written by `noos zk compile-circuit` (format noosphere-zk-circuit/1)",
      received:
        typeof file.r1cs_gz === "string"
          ? String(file.format)
          : `${String(file.format)} without r1cs_gz/wasm_gz (an older layout: run compile-circuit again)`,
    });
  }
  return file;
}

/** What `setup` reports as its powers of tau when it wrote a development key without one. */
export const DEVELOPMENT_KEY = "none (development key from one local party's secrets)";

export async function setupStep(p: {
  compiledPath: string;
  pkPath: string;
  vkPath: string;
  srsPath?: string | undefined;
  onProgress?: Progress;
}) {
  const start = performance.now();
  const compiled = readCompiled(p.compiledPath);
  // With a ceremony file: snarkjs' newZKey from it plus one contribution. Without one: a
  // development key written directly from fresh secrets (devZkey.ts), seconds instead of the
  // minutes a local powers of tau and newZKey took; labelled a development setup either way.
  const ptau =
    p.srsPath === undefined
      ? {
          path: DEVELOPMENT_KEY,
          power: compiled.power,
          development: true,
          preparedSeconds: 0,
        }
      : await ensurePtau({ power: compiled.power, srsPath: p.srsPath, onProgress: p.onProgress });
  const tmp = mkdtempSync(path.join(os.tmpdir(), "noos-setup-"));
  try {
    const r1csPath = path.join(tmp, "circuit.r1cs");
    writeFileSync(r1csPath, unpack(compiled.r1cs_gz));
    const setupStart = performance.now();
    if (p.srsPath === undefined) {
      p.onProgress?.(
        `writing a development proving key for 2^${compiled.power} from fresh secrets (one local party: NOT for production)...`,
      );
      await writeDevelopmentZkey(r1csPath, p.pkPath);
    }
    const vk =
      p.srsPath === undefined
        ? ((await snarkjs.zKey.exportVerificationKey(p.pkPath)) as VerificationKey)
        : await setup({ r1csPath, ptauPath: ptau.path, pkPath: p.pkPath });
    const vkFile = {
      ...vk,
      noosphere: {
        model_sha256: compiled.model_sha256,
        settings_sha256: compiled.settings_sha256,
        development_setup: ptau.development,
        ptau: p.srsPath === undefined ? DEVELOPMENT_KEY : path.basename(ptau.path),
        layout: publicSignalLayout(compiled.circuit),
      },
    };
    writeJson(p.vkPath, vkFile);
    return {
      pkPath: p.pkPath,
      vkPath: p.vkPath,
      developmentSetup: ptau.development,
      ptau: ptau.path,
      ptauSeconds: ptau.preparedSeconds,
      setupSeconds: seconds(setupStart),
      seconds: seconds(start),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function genWitnessStep(p: {
  compiledPath: string;
  dataPath: string;
  outputPath: string;
}) {
  const start = performance.now();
  const compiled = readCompiled(p.compiledPath);
  const inputData = readInputData(p.dataPath);
  const input = inputData.flat();
  const quantized = runQuantized(compiled.circuit, input);
  const tmp = mkdtempSync(path.join(os.tmpdir(), "noos-witness-"));
  let witness: Uint8Array;
  try {
    const wasmPath = path.join(tmp, "circuit.wasm");
    const wtnsPath = path.join(tmp, "witness.wtns");
    writeFileSync(wasmPath, unpack(compiled.wasm_gz));
    await calculateWitnessFile(wasmPath, circuitInputs(compiled.circuit, input), wtnsPath);
    witness = readFileSync(wtnsPath);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const publicSignals = readPublicSignals(witness, publicSignalLayout(compiled.circuit).total);
  // output_data is read from the integer reference; it must be what the circuit computed.
  const expected = expectedPublicSignals(compiled.circuit, input);
  if (expected.some((v, i) => v !== publicSignals[i])) {
    throw new BaseError("The circuit's witness disagrees with the quantized reference model.", {
      details: `public signals ${publicSignals.join(",")} vs expected ${expected.join(",")}`,
    });
  }
  const file: WitnessFile = {
    input_data: inputData,
    inputs: [quantizeInput(compiled.circuit, input).map((v) => v.toString())],
    outputs: [quantized.outputs.map((v) => v.toString())],
    output_data: [quantized.outputsFloat],
    output_scale: quantized.outputScale,
    public_signals: publicSignals.map(String),
    witness: Buffer.from(witness).toString("base64"),
  };
  writeJson(p.outputPath, file);
  return {
    outputPath: p.outputPath,
    outputData: quantized.outputsFloat,
    publicSignals: file.public_signals,
    seconds: seconds(start),
  };
}

/**
 * Public signals from a binary witness: wires 1..nPublic of a .wtns file (wire 0 is the constant
 * 1). Header: "wtns", version, sections; section 1 = field size, prime, wire count; section 2 = wires.
 */
export function readPublicSignals(wtns: Uint8Array, count: number): bigint[] {
  const view = new DataView(wtns.buffer, wtns.byteOffset, wtns.byteLength);
  let offset = 12;
  let n8 = 32;
  let values = -1;
  const sections = view.getUint32(8, true);
  for (let s = 0; s < sections; s++) {
    const type = view.getUint32(offset, true);
    const size = Number(view.getBigUint64(offset + 4, true));
    offset += 12;
    if (type === 1) n8 = view.getUint32(offset, true);
    if (type === 2) values = offset;
    offset += size;
  }
  if (values < 0)
    throw new InvalidParameterError({
      field: "witness",
      expected: "a .wtns file",
      received: "no wire section",
    });
  const out: bigint[] = [];
  for (let i = 1; i <= count; i++) {
    let v = 0n;
    for (let b = n8 - 1; b >= 0; b--) v = (v << 8n) | BigInt(wtns[values + i * n8 + b] ?? 0);
    out.push(v);
  }
  return out;
}

// proveStep lives in ./prove.ts (the "@noosphere/zk/prover" entry, which loads only snarkjs).
export { proveStep } from "./prove.js";

/**
 * EZKL passes `-S settings.json` to verify and create-evm-verifier. Our keys already carry what
 * the settings would tell (public-signal layout), so `-S` checks that the settings are the ones
 * the key was set up from (their sha256 is recorded in vk.key), and fails naming the files if not.
 */
export function checkSettingsMatchKey(settingsPath: string, vk: VerificationKey, vkPath: string) {
  const recorded = (vk as { noosphere?: { settings_sha256?: string } }).noosphere?.settings_sha256;
  if (!existsSync(settingsPath)) {
    throw new InvalidParameterError({
      field: "--settings-path",
      expected: "an existing file",
      received: settingsPath,
    });
  }
  if (recorded === undefined) return; // a key set up elsewhere: nothing to compare with
  const actual = sha256(readFileSync(settingsPath));
  if (actual !== recorded) {
    throw new InvalidParameterError({
      field: "--settings-path",
      expected: `the settings ${vkPath} was set up from (sha256 ${recorded})`,
      received: `${settingsPath} (sha256 ${actual})`,
    });
  }
}

export async function verifyStep(p: {
  proofPath: string;
  vkPath: string;
  settingsPath?: string | undefined;
}) {
  const proofFile = readJson<ProofFile>(p.proofPath, "--proof-path");
  const vk = readJson<VerificationKey>(p.vkPath, "--vk-path");
  if (p.settingsPath !== undefined) checkSettingsMatchKey(p.settingsPath, vk, p.vkPath);
  const start = performance.now();
  const verified = await verify(vk, proofFile.public_signals, proofFile.proof);
  return {
    verified,
    publicSignals: proofFile.public_signals,
    outputData: proofFile.output_data,
    seconds: seconds(start),
  };
}

export async function createEvmVerifierStep(p: {
  vkPath: string;
  solCodePath: string;
  abiPath?: string | undefined;
  contractName?: string;
  settingsPath?: string | undefined;
}) {
  const start = performance.now();
  const vk = readJson<VerificationKey>(p.vkPath, "--vk-path");
  if (p.settingsPath !== undefined) checkSettingsMatchKey(p.settingsPath, vk, p.vkPath);
  const source = renderVerifier(vk, p.contractName);
  writeFileSync(p.solCodePath, source);
  const compiled = compileVerifier(source);
  if (p.abiPath) writeJson(p.abiPath, compiled.abi);
  return {
    solCodePath: p.solCodePath,
    contractName: compiled.contractName,
    bytecodeBytes: (compiled.bytecode.length - 2) / 2,
    evmVersion: VERIFIER_EVM_VERSION,
    publicSignals: vk.nPublic,
    seconds: seconds(start),
  };
}

export async function deployEvmStep(p: {
  solCodePath: string;
  rpcUrl: string;
  chainId?: number;
  privateKey: `0x${string}`;
  addrPath?: string | undefined;
}) {
  const start = performance.now();
  if (!existsSync(p.solCodePath)) {
    throw new InvalidParameterError({
      field: "--sol-code-path",
      expected: "a verifier written by `noos zk create-evm-verifier`",
      received: p.solCodePath,
    });
  }
  const compiled = compileVerifier(readFileSync(p.solCodePath, "utf8"));
  const publicClient = createPublicClient({ transport: http(p.rpcUrl) }) as PublicClient;
  const chainId = p.chainId ?? (await publicClient.getChainId());
  const wallet = createNoosClient({ rpcUrl: p.rpcUrl, chainId, privateKey: p.privateKey });
  const deployed = await deployVerifier(wallet, publicClient, compiled);
  if (p.addrPath) writeFileSync(p.addrPath, `${deployed.address}\n`);
  return { ...deployed, contractName: compiled.contractName, seconds: seconds(start) };
}

export async function verifyEvmStep(p: { proofPath: string; address: Address; rpcUrl: string }) {
  const proofFile = readJson<ProofFile>(p.proofPath, "--proof-path");
  const publicClient = createPublicClient({ transport: http(p.rpcUrl) }) as PublicClient;
  const start = performance.now();
  const result = await verifyOnChain(
    publicClient,
    p.address,
    proofFile.proof,
    proofFile.public_signals,
  );
  return { ...result, address: p.address, seconds: seconds(start) };
}
