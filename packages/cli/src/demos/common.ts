// What every app demo (`noos demo <app>`) needs: a devnet with coprocessor nodes (the running one,
// or one it starts), clients for the dev accounts, a model taken through the zk pipeline and
// registered, and a wait for a coprocessor delivery. An app demo is a module in this folder that
// exports `description` and `run(ctx)`; commands/demo.ts loads it by name.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type DevnetInfo, readDevnet } from "@noosphere/devnet";
import {
  BaseError,
  createNoosClient,
  type InferenceRequest,
  type NoosphereAddresses,
  noosphereActions,
  waitForInferenceResult,
} from "@noosphere/sdk";
import {
  type CompiledFile,
  calibrateSettingsStep,
  compileCircuitStep,
  createEvmVerifierStep,
  deployEvmStep,
  genSettingsStep,
  publishModelArtifacts,
  setupStep,
  type ZkSettings,
} from "@noosphere/zk";
import {
  type Abi,
  type Address,
  createTestClient,
  type Hex,
  http,
  publicActions,
  type TransactionReceipt,
} from "viem";
import { modelRegistration } from "../commands/zk.js";
import { COPROCESSORS_FILE } from "../localCoprocessors.js";

export type DemoWallet = ReturnType<typeof demoWallet>;

export type PreparedModel = {
  modelId: bigint;
  /** The settings the circuit was compiled from. */
  settings: ZkSettings;
  /** Fixed-point exponents: inputs are round(x * 2^inputScale), outputs y * 2^outputScale. */
  inputScale: number;
  outputScale: number;
  /** Calibration's bound on |circuit output - onnxruntime output|. */
  errorBound: number | undefined;
  constraints: number;
  /** Where its settings, circuit, keys and verifier are. */
  workDir: string;
  /** The registration transaction. */
  hash: `0x${string}`;
};

export type PrepareZkModelParameters = {
  /** Names the work folder (<dir>/demos/<name>). */
  name: string;
  onnx: string;
  /** EZKL-style calibration data {"input_data": [[...]]}. */
  calibration: string;
  /** "public" (default): the coordinator binds the inline input on chain (keccak of its values). */
  inputVisibility?: "public" | "hashed";
};

export type DemoContext = {
  dir: string;
  json: boolean;
  /** A progress line (silent with --json). */
  say: (line: string) => void;
  devnet: DevnetInfo;
  contracts: NoosphereAddresses;
  /** A client for dev account `index` (0-3 are free for demos; providers and nodes use 4-9). */
  wallet: (index: number) => DemoWallet;
  /** Anvil's test actions (increaseTime, mine, ...) on the devnet. */
  testClient: ReturnType<typeof demoTestClient>;
  prepareZkModel: (p: PrepareZkModelParameters) => Promise<PreparedModel>;
  /** Waits until interval `interval` (default 1) of a request settles (delivered / disputed / refunded). */
  waitForCoprocessor: (
    requestId: bigint,
    interval?: number,
    timeoutMs?: number,
  ) => Promise<InferenceRequest>;
};

export type AppDemo = {
  description: string;
  run: (ctx: DemoContext) => Promise<Record<string, unknown>>;
};

function demoWallet(devnet: DevnetInfo, index: number) {
  const key = devnet.accounts[index]?.privateKey;
  if (!key) throw new BaseError(`The devnet has no dev account ${index}.`);
  return createNoosClient({
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    privateKey: key,
  }).extend(noosphereActions(devnet.contracts as NoosphereAddresses));
}

function demoTestClient(devnet: DevnetInfo) {
  return createTestClient({ mode: "anvil", transport: http(devnet.rpcUrl) }).extend(publicActions);
}

/** The context for a devnet that is already running in `dir` with coprocessor nodes. */
export async function createDemoContext(p: {
  dir: string;
  json: boolean;
  say: (line: string) => void;
}): Promise<DemoContext> {
  const devnet = await readDevnet(p.dir);
  if (!existsSync(path.join(p.dir, COPROCESSORS_FILE))) {
    throw new BaseError(
      `The devnet in ${p.dir} runs without coprocessor nodes: stop it (noos devnet stop), or start it with --coprocessors 1.`,
    );
  }
  const contracts = devnet.contracts as NoosphereAddresses;
  const ctx: DemoContext = {
    dir: p.dir,
    json: p.json,
    say: p.say,
    devnet,
    contracts,
    wallet: (index) => demoWallet(devnet, index),
    testClient: demoTestClient(devnet),
    prepareZkModel: (params) => prepareZkModel(ctx, params),
    waitForCoprocessor: (requestId, interval = 1, timeoutMs = 180_000) =>
      waitForInferenceResult(demoWallet(devnet, 0), {
        address: contracts.coprocessor,
        requestId,
        interval,
        timeoutMs,
      }),
  };
  return ctx;
}

/**
 * The zk pipeline for a demo model, as `noos zk` runs it: gen-settings, calibrate, compile, setup,
 * create-evm-verifier, deploy-evm, then register-model with its artifacts in the devnet's store
 * (so the devnet's coprocessor nodes can serve it). The circuit and keys are kept in the work
 * folder and reused while the model and settings are the same bytes; the verifier and the model
 * registration are per chain.
 */
async function prepareZkModel(
  ctx: DemoContext,
  p: PrepareZkModelParameters,
): Promise<PreparedModel> {
  const workDir = path.resolve(ctx.dir, "demos", p.name);
  await mkdir(workDir, { recursive: true });
  const at = (file: string) => path.join(workDir, file);
  const files = {
    settings: at("settings.json"),
    compiled: at("model.compiled"),
    pk: at("pk.key"),
    vk: at("vk.key"),
    sol: at("Verifier.sol"),
  };
  const progress = (message: string) => ctx.say(`    ${message}`);

  ctx.say(`  zk pipeline for ${path.basename(p.onnx)} (in ${workDir})...`);
  await genSettingsStep({
    modelPath: p.onnx,
    settingsPath: files.settings,
    options: { inputVisibility: p.inputVisibility ?? "public", outputVisibility: "public" },
  });
  const calibrated = await calibrateSettingsStep({
    modelPath: p.onnx,
    dataPath: p.calibration,
    settingsPath: files.settings,
    target: "resources",
  });
  if (!upToDate(p.onnx, files)) {
    await compileCircuitStep({
      modelPath: p.onnx,
      settingsPath: files.settings,
      compiledPath: files.compiled,
      onProgress: progress,
    });
    await setupStep({
      compiledPath: files.compiled,
      pkPath: files.pk,
      vkPath: files.vk,
      onProgress: progress,
    });
  }
  await createEvmVerifierStep({ vkPath: files.vk, solCodePath: files.sol });
  const owner = ctx.wallet(0);
  const deployer = ctx.devnet.accounts[0]?.privateKey as `0x${string}`;
  const verifier = await deployEvmStep({
    solCodePath: files.sol,
    rpcUrl: ctx.devnet.rpcUrl,
    chainId: ctx.devnet.chainId,
    privateKey: deployer,
  });
  const { createStore } = await import("@noosphere/storage");
  const store = createStore({ kind: "local", dir: path.join(path.resolve(ctx.dir), "store") });
  const artifacts = await publishModelArtifacts({
    store,
    modelPath: p.onnx,
    settingsPath: files.settings,
    compiledPath: files.compiled,
    pkPath: files.pk,
    vkPath: files.vk,
  });
  const registered = await owner.registerModelAndWait({
    ...(await modelRegistration(files.compiled, files.settings)),
    verifier: verifier.address,
    metadataURI: artifacts.metadataURI,
  });
  const compiled = JSON.parse(readFileSync(files.compiled, "utf8")) as CompiledFile;
  ctx.say(
    `  model ${registered.modelId} registered (${compiled.constraints} constraints, verifier ${verifier.address})`,
  );
  return {
    modelId: registered.modelId,
    settings: calibrated.settings,
    inputScale: calibrated.settings.run_args.input_scale,
    outputScale:
      calibrated.settings.model_output_scales[0] ?? calibrated.settings.run_args.input_scale,
    errorBound: calibrated.settings.calibration?.error_bound,
    constraints: compiled.constraints,
    workDir,
    hash: registered.hash,
  };
}

/** The compiled circuit and keys in the work folder match the current model and settings. */
function upToDate(
  onnx: string,
  files: { settings: string; compiled: string; pk: string; vk: string },
): boolean {
  if (![files.compiled, files.pk, files.vk].every((f) => existsSync(f))) return false;
  try {
    const compiled = JSON.parse(readFileSync(files.compiled, "utf8")) as CompiledFile;
    const vk = JSON.parse(readFileSync(files.vk, "utf8")) as {
      noosphere?: { settings_sha256?: string; model_sha256?: string };
    };
    const settingsSha = sha256Hex(readFileSync(files.settings));
    return (
      compiled.model_sha256 === sha256Hex(readFileSync(onnx)) &&
      compiled.settings_sha256 === settingsSha &&
      vk.noosphere?.settings_sha256 === settingsSha &&
      vk.noosphere?.model_sha256 === compiled.model_sha256
    );
  } catch {
    return false;
  }
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Deploys a contract from its ABI and creation bytecode (the SDK's or an npm artifact's). */
export async function deployContract(
  wallet: DemoWallet,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
): Promise<Address> {
  const hash = await wallet.deployContract({
    abi,
    bytecode,
    args,
    account: wallet.account,
    chain: wallet.chain,
  });
  const receipt = await wallet.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new BaseError(`Deploying a contract failed (transaction ${hash}).`);
  }
  return receipt.contractAddress;
}

/**
 * Calls `functionName` in a transaction and waits for it. It is simulated first, so a revert
 * fails here with the contract's named error instead of a mined failure.
 */
export async function sendTransaction(
  wallet: DemoWallet,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
): Promise<TransactionReceipt> {
  const { request } = await wallet.simulateContract({
    address,
    abi,
    functionName,
    args,
    account: wallet.account,
  });
  const hash = await wallet.writeContract(request);
  const receipt = await wallet.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw new BaseError(`${functionName} reverted (transaction ${hash}).`);
  }
  return receipt;
}
