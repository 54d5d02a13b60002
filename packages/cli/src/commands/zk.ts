import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { CompiledFile, ProofFile } from "@noosphere/zk";
import type { Command } from "commander";
import type { GlobalOptions } from "../context.js";
import { printFields, printJson } from "../output.js";

// Every library loads inside the action that needs it: `noos zk prove` loads snarkjs and the
// prover module ("@noosphere/zk/prover") only, not the compiler, viem, the SDK or onnxruntime
// that the package index and the chain commands pull in (~250 MB and seconds of start-up).
const zkLib = () => import("@noosphere/zk");
const sdk = () => import("@noosphere/sdk");
const context = () => import("../context.js");

async function invalidParameter(field: string, expected: string, received: unknown) {
  const { InvalidParameterError } = await sdk();
  return new InvalidParameterError({ field, expected, received });
}

const VISIBILITY = {
  input: ["public", "private", "hashed"],
  output: ["public", "hashed"],
  param: ["fixed", "hashed"],
} as const;

async function choice<T extends string>(
  field: string,
  allowed: readonly T[],
  value: string,
): Promise<T> {
  if (!(allowed as readonly string[]).includes(value)) {
    throw await invalidParameter(field, `one of ${allowed.join(", ")}`, value);
  }
  return value as T;
}

async function scale(field: string, value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 32) {
    throw await invalidParameter(field, "an integer exponent 0..32", value);
  }
  return n;
}

const secs = (s: number) => `${s < 10 ? s.toFixed(3) : s.toFixed(1)} s`;

/**
 * `noos zk ...`: EZKL's workflow (same command names and flags where they make sense) on
 * circom circuits and snarkjs Groth16 proofs verified by a Solidity contract.
 */
export function registerZk(program: Command, globals: () => GlobalOptions) {
  const zk = program
    .command("zk")
    .description(
      "zkML: prove ONNX inference with Groth16 (gen-settings -> calibrate-settings -> compile-circuit -> setup -> gen-witness -> prove -> verify -> create-evm-verifier -> deploy-evm -> verify-evm)",
    );
  const progress = (message: string) => {
    if (!globals().json) process.stderr.write(`${message}\n`);
  };
  const done = async (result: Record<string, unknown>, human: () => void) => {
    // snarkjs' curve (worker threads) keeps the process alive until terminated.
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
    if (g.curve_bn128) await g.curve_bn128.terminate();
    if (globals().json) printJson(result);
    else human();
  };

  zk.command("gen-settings")
    .description(
      "write settings.json for a model (scales, visibility); run calibrate-settings next",
    )
    .requiredOption("-M, --model <file>", "ONNX model")
    .option("-O, --settings-path <file>", "settings file to write", "settings.json")
    .option(
      "--input-visibility <v>",
      "public | private | hashed (one Poseidon hash as the public signal)",
      "hashed",
    )
    .option("--output-visibility <v>", "public | hashed", "public")
    .option(
      "--param-visibility <v>",
      "fixed (weights in the circuit) | hashed (Poseidon commitment public)",
      "fixed",
    )
    .option("--input-scale <n>", "fixed-point exponent of the inputs (value x 2^n)")
    .option("--param-scale <n>", "fixed-point exponent of the weights")
    .action(async (o) => {
      const inputScale = await scale("--input-scale", o.inputScale);
      const paramScale = await scale("--param-scale", o.paramScale);
      const { genSettingsStep } = await zkLib();
      const r = await genSettingsStep({
        modelPath: o.model,
        settingsPath: o.settingsPath,
        options: {
          inputVisibility: await choice("--input-visibility", VISIBILITY.input, o.inputVisibility),
          outputVisibility: await choice(
            "--output-visibility",
            VISIBILITY.output,
            o.outputVisibility,
          ),
          paramVisibility: await choice("--param-visibility", VISIBILITY.param, o.paramVisibility),
          ...(inputScale !== undefined ? { inputScale } : {}),
          ...(paramScale !== undefined ? { paramScale } : {}),
        },
      });
      await done(r, () =>
        printFields({
          settings: r.settingsPath,
          "input scale": r.settings.run_args.input_scale,
          "param scale": r.settings.run_args.param_scale,
          visibility: `input ${r.settings.run_args.input_visibility}, params ${r.settings.run_args.param_visibility}, output ${r.settings.run_args.output_visibility}`,
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("calibrate-settings")
    .description(
      "choose scales and bit widths from calibration data; reports the expected quantization error",
    )
    .requiredOption("-M, --model <file>", "ONNX model")
    .requiredOption(
      "-D, --data <file>",
      'calibration data, EZKL format {"input_data": [[...samples flattened...]]}',
    )
    .option("-O, --settings-path <file>", "settings file to update", "settings.json")
    .option(
      "--target <t>",
      "resources (smallest circuit within tolerance) | accuracy (largest scales)",
      "resources",
    )
    .action(async (o) => {
      const target = await choice("--target", ["resources", "accuracy"] as const, o.target);
      const { calibrateSettingsStep } = await zkLib();
      const r = await calibrateSettingsStep({
        modelPath: o.model,
        dataPath: o.data,
        settingsPath: o.settingsPath,
        target,
        onProgress: progress,
      });
      const c = r.settings.calibration;
      await done(r, () =>
        printFields({
          settings: r.settingsPath,
          samples: r.samples,
          "input scale": r.settings.run_args.input_scale,
          "param scale": r.settings.run_args.param_scale,
          "max abs error": c ? c.max_abs_error : "n/a",
          "error bound": c ? c.error_bound : "n/a",
          "est. constraints": r.settings.num_constraints_estimate,
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("compile-circuit")
    .description("compile the quantized model to a circom circuit (r1cs + witness wasm)")
    .requiredOption("-M, --model <file>", "ONNX model")
    .option("-S, --settings-path <file>", "settings", "settings.json")
    .option("--compiled-circuit <file>", "output", "model.compiled")
    .action(async (o) => {
      const { compileCircuitStep } = await zkLib();
      const r = await compileCircuitStep({
        modelPath: o.model,
        settingsPath: o.settingsPath,
        compiledPath: o.compiledCircuit,
        onProgress: progress,
      });
      await done(r, () =>
        printFields({
          circuit: r.compiledPath,
          constraints: r.constraints,
          "public signals": r.publicSignals,
          "setup size": `2^${r.power}`,
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("setup")
    .description(
      "Groth16 keys (pk, vk): from a ceremony powers of tau (--srs-path), else a development key written in seconds from fresh local secrets (not for production)",
    )
    .option("-M, --compiled-circuit <file>", "compiled circuit", "model.compiled")
    .option(
      "--srs-path <file>",
      "ceremony powers-of-tau file prepared for phase 2 (default: development key from local secrets)",
    )
    .option("--pk-path <file>", "proving key to write", "pk.key")
    .option("--vk-path <file>", "verification key to write", "vk.key")
    .action(async (o) => {
      const { setupStep } = await zkLib();
      const r = await setupStep({
        compiledPath: o.compiledCircuit,
        pkPath: o.pkPath,
        vkPath: o.vkPath,
        srsPath: o.srsPath,
        onProgress: progress,
      });
      await done(r, () => {
        printFields({
          "proving key": r.pkPath,
          "verification key": r.vkPath,
          "powers of tau": `${r.ptau}${r.developmentSetup ? " (DEVELOPMENT setup: single local contributor, not for production)" : ""}`,
          time: secs(r.seconds),
        });
      });
    });

  zk.command("gen-witness")
    .description("run the quantized model on an input and compute the witness")
    .requiredOption("-D, --data <file>", 'input, EZKL format {"input_data": [[...]]}')
    .option("-M, --compiled-circuit <file>", "compiled circuit", "model.compiled")
    .option("-O, --output <file>", "witness file to write", "witness.json")
    .action(async (o) => {
      const { genWitnessStep } = await zkLib();
      const r = await genWitnessStep({
        compiledPath: o.compiledCircuit,
        dataPath: o.data,
        outputPath: o.output,
      });
      await done(r, () =>
        printFields({
          witness: r.outputPath,
          output: `[${r.outputData.map((v) => Number(v.toPrecision(6))).join(", ")}]`,
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("prove")
    .description("Groth16 proof of the witness")
    .option("-W, --witness <file>", "witness", "witness.json")
    .option("-M, --compiled-circuit <file>", "compiled circuit", "model.compiled")
    .option("--pk-path <file>", "proving key", "pk.key")
    .option("--proof-path <file>", "proof to write", "proof.json")
    .option(
      "--single-thread",
      "prove on one thread (default below 2^15 constraints: the lean prover, with one helper thread on a multi-core machine)",
    )
    .option(
      "--worker-threads",
      "prove with snarkjs and one worker thread per core (the default from 2^15 constraints): more memory",
    )
    .action(async (o) => {
      if (o.singleThread && o.workerThreads) {
        throw await invalidParameter(
          "--single-thread",
          "at most one of --single-thread and --worker-threads",
          "both",
        );
      }
      // Only the prover: snarkjs and one module of @noosphere/zk.
      const { proveStep } = await import("@noosphere/zk/prover");
      const r = await proveStep({
        witnessPath: o.witness,
        compiledPath: o.compiledCircuit,
        pkPath: o.pkPath,
        proofPath: o.proofPath,
        singleThread: o.singleThread ? true : o.workerThreads ? false : "auto",
      });
      await done(r, () =>
        printFields({
          proof: r.proofPath,
          "public signals": r.publicSignals.length,
          threads:
            typeof r.threads === "number"
              ? `${r.threads} (lean prover)`
              : "one worker per core (snarkjs)",
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("verify")
    .description("verify a proof with the verification key (off chain)")
    .option("--proof-path <file>", "proof", "proof.json")
    .option("--vk-path <file>", "verification key", "vk.key")
    .option("-S, --settings-path <file>", "settings (EZKL's flag): checked against the key's")
    .action(async (o) => {
      const { verifyStep } = await zkLib();
      const r = await verifyStep({
        proofPath: o.proofPath,
        vkPath: o.vkPath,
        settingsPath: o.settingsPath,
      });
      await done(r, () =>
        printFields({
          verified: r.verified,
          output: r.outputData ? JSON.stringify(r.outputData) : "(hashed)",
          time: secs(r.seconds),
        }),
      );
      if (!r.verified) process.exitCode = 1;
    });

  zk.command("create-evm-verifier")
    .description(
      "Solidity verifier for the verification key (snarkjs template, compiled with solc 0.8.30)",
    )
    .option("--vk-path <file>", "verification key", "vk.key")
    .option("--sol-code-path <file>", "Solidity file to write", "evm_deploy.sol")
    .option("--abi-path <file>", "also write the verifier's ABI")
    .option("-S, --settings-path <file>", "settings (EZKL's flag): checked against the key's")
    .action(async (o) => {
      const { createEvmVerifierStep } = await zkLib();
      const r = await createEvmVerifierStep({
        vkPath: o.vkPath,
        solCodePath: o.solCodePath,
        abiPath: o.abiPath,
        settingsPath: o.settingsPath,
      });
      await done(r, () =>
        printFields({
          verifier: `${r.solCodePath} (contract ${r.contractName}, ${r.bytecodeBytes} bytes, evm ${r.evmVersion})`,
          "public signals": r.publicSignals,
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("deploy-evm")
    .description(
      "compile and deploy the verifier; prints its address (default: the devnet and its funded account)",
    )
    .option("--sol-code-path <file>", "verifier source", "evm_deploy.sol")
    .option("--addr-path <file>", "also write the address to this file")
    .action(async (o) => {
      const { rpcUrl, privateKey } = await (await context()).endpointAndKey(globals());
      const { deployEvmStep } = await zkLib();
      const r = await deployEvmStep({
        solCodePath: o.solCodePath,
        rpcUrl,
        privateKey,
        addrPath: o.addrPath,
      });
      await done(r, () =>
        printFields({
          address: r.address,
          contract: r.contractName,
          tx: r.hash,
          gas: r.gasUsed,
          time: secs(r.seconds),
        }),
      );
    });

  zk.command("verify-evm")
    .description(
      "verify a proof with a deployed verifier (eth_call); prints the gas a transaction would use",
    )
    .requiredOption("--addr <address>", "address of the deployed verifier")
    .option("--proof-path <file>", "proof", "proof.json")
    .action(async (o) => {
      const { endpoint, parseAddress } = await context();
      const address = parseAddress("--addr", o.addr);
      const { verifyEvmStep } = await zkLib();
      const r = await verifyEvmStep({
        proofPath: o.proofPath,
        address,
        rpcUrl: await endpoint(globals()),
      });
      await done(r, () =>
        printFields({
          verified: r.verified,
          verifier: r.address,
          gas: r.gas ?? "n/a",
          ...(r.reason ? { reason: r.reason } : {}),
          time: secs(r.seconds),
        }),
      );
      if (!r.verified) process.exitCode = 1;
    });

  zk.command("register-model")
    .description(
      "publish the model's artifacts (ONNX, settings, circuit, wasm, pk, vk) to the content store and record the model, its settings, its deployed verifier and the artifact manifest (metadataURI ipfs://<cid>) in the ModelRegistry",
    )
    .requiredOption("--addr <address>", "address of the deployed verifier")
    .option("-M, --compiled-circuit <file>", "compiled circuit", "model.compiled")
    .option("-S, --settings-path <file>", "settings the circuit was compiled from", "settings.json")
    .option(
      "--model <file>",
      "the ONNX file the circuit was compiled from (published with the other artifacts so any coprocessor node can serve the model)",
    )
    .option("--pk-path <file>", "proving key to publish", "pk.key")
    .option("--vk-path <file>", "verification key to publish", "vk.key")
    .option("--store-dir <dir>", "content store directory (default: <--dir>/store)")
    .option(
      "--metadata-uri <uri>",
      "record this URI instead of publishing artifacts (the model then cannot be served by coprocessor nodes)",
    )
    .action(async (o) => {
      const { parseAddress, walletClient } = await context();
      const { publishModelArtifacts } = await zkLib();
      const verifier = parseAddress("--addr", o.addr);
      const registration = await modelRegistration(o.compiledCircuit, o.settingsPath);
      let metadataURI: string = o.metadataUri ?? "";
      let artifacts: Awaited<ReturnType<typeof publishModelArtifacts>> | undefined;
      if (o.metadataUri === undefined) {
        if (o.model === undefined) {
          throw await invalidParameter(
            "--model",
            "the ONNX file the circuit was compiled from (or --metadata-uri to record a URI without publishing artifacts)",
            undefined,
          );
        }
        const { createStore } = await import("@noosphere/storage");
        const store = createStore({
          kind: "local",
          dir: o.storeDir ?? path.join(globals().dir, "store"),
        });
        artifacts = await publishModelArtifacts({
          store,
          modelPath: o.model,
          settingsPath: o.settingsPath,
          compiledPath: o.compiledCircuit,
          pkPath: o.pkPath,
          vkPath: o.vkPath,
        });
        metadataURI = artifacts.metadataURI;
      }
      const { client } = await walletClient(globals());
      const r = await client.registerModelAndWait({
        ...registration,
        verifier,
        metadataURI,
      });
      await done(
        {
          modelId: r.modelId,
          hash: r.hash,
          gasUsed: r.receipt.gasUsed,
          ...registration,
          metadataURI,
          ...(artifacts
            ? { manifestCid: artifacts.manifestCid, artifacts: artifacts.manifest.artifacts }
            : {}),
        },
        () =>
          printFields({
            "model id": r.modelId,
            verifier,
            "onnx sha256": registration.onnxHash,
            layout: JSON.stringify(registration.layout),
            metadata: metadataURI || "(none)",
            ...(artifacts
              ? {
                  artifacts: Object.entries(artifacts.manifest.artifacts)
                    .map(([name, a]) => `${name} ${a.cid}`)
                    .join(", "),
                }
              : {}),
            gas: r.receipt.gasUsed,
          }),
      );
    });

  zk.command("submit-proof")
    .description(
      "verify a proof with the model's registered verifier and record (model, input hash, output) on chain",
    )
    .requiredOption("--model-id <id>", "ModelRegistry id")
    .option("--proof-path <file>", "proof", "proof.json")
    .option(
      "--commit",
      "commit to the proof first, submit it in a later block: the record's claim is then yours, " +
        "not a copier's (without it the submitter is just the first sender)",
    )
    .action(async (o) => {
      const { parseId, walletClient } = await context();
      const modelId = parseId("--model-id", o.modelId);
      const proof = await readProofFile(o.proofPath);
      const { client } = await walletClient(globals());
      const params = { modelId, proof: proof.proof, publicSignals: proof.public_signals };
      if (o.commit) {
        const r = await client.commitAndRecordProof(params);
        const result = {
          recordId: r.recordId,
          modelId,
          committed: true,
          submitter: r.claim.submitter,
          previousSubmitter: r.claim.previousSubmitter,
          claimBlock: r.claim.claimBlock,
          newRecord: r.verified !== undefined,
          outputData: proof.output_data,
          hash: r.hash,
          commitHash: r.committed.hash,
          gasUsed: r.receipt.gasUsed + r.committed.receipt.gasUsed,
        };
        await done(result, () =>
          printFields({
            [r.verified ? "recorded" : "claimed"]: r.recordId,
            "model id": modelId,
            "claim from block": r.claim.claimBlock,
            gas: result.gasUsed,
          }),
        );
        return;
      }
      const r = await client.verifyAndRecordProofAndWait(params);
      const result = {
        recordId: r.recordId,
        modelId,
        committed: false,
        inputHash: r.event.inputHash,
        outputHash: r.event.outputHash,
        outputs: r.event.outputs,
        outputData: proof.output_data,
        hash: r.hash,
        gasUsed: r.receipt.gasUsed,
      };
      await done(result, () =>
        printFields({
          recorded: r.recordId,
          "model id": modelId,
          "input hash": r.event.inputHash,
          output: proof.output_data ? JSON.stringify(proof.output_data) : r.event.outputHash,
          gas: r.receipt.gasUsed,
        }),
      );
    });
}

/** What ModelRegistry records for a compiled circuit: hashes, layout, weight commitment. */
export async function modelRegistration(compiledPath: string, settingsPath: string) {
  const [{ modelLayout }, { paramHash }] = await Promise.all([sdk(), zkLib()]);
  const file = await readJsonFile<CompiledFile>("--compiled-circuit", compiledPath);
  const settingsBytes = readFileSync(settingsPath);
  const settingsHash = `0x${createHash("sha256").update(settingsBytes).digest("hex")}` as const;
  if (settingsHash.slice(2) !== file.settings_sha256) {
    throw await invalidParameter(
      "--settings-path",
      `the settings the circuit was compiled from (sha256 ${file.settings_sha256})`,
      `${settingsPath} (sha256 ${settingsHash.slice(2)})`,
    );
  }
  const { run_args } = file.circuit.settings;
  const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const layout = modelLayout({
    inputVisibility: run_args.input_visibility,
    outputVisibility: run_args.output_visibility,
    paramVisibility: run_args.param_visibility,
    inputElements: file.circuit.inputs.reduce((n, i) => n + count(i.dims), 0),
    outputElements: file.circuit.outputs.reduce((n, i) => n + count(i.dims), 0),
  });
  return {
    onnxHash: `0x${file.model_sha256}` as const,
    settingsHash,
    layout,
    ...(layout.hasParamHash ? { paramCommitment: paramHash(file.circuit) } : {}),
  };
}

async function readJsonFile<T>(field: string, file: string): Promise<T> {
  if (!existsSync(file)) throw await invalidParameter(field, "an existing file", file);
  let value: T;
  try {
    value = JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    throw await invalidParameter(field, "a JSON file", file);
  }
  return value;
}

async function readProofFile(file: string): Promise<ProofFile> {
  const proof = await readJsonFile<ProofFile>("--proof-path", file);
  if (proof.protocol !== "groth16" || !Array.isArray(proof.public_signals)) {
    throw await invalidParameter("--proof-path", "a proof written by `noos zk prove`", file);
  }
  return proof;
}
