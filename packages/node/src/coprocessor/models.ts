// The models a coprocessor node serves: fetched by CID from the content store through the
// artifact manifest the ModelRegistry records (metadataURI ipfs://<cid>), every artifact checked
// against its sha256 and the manifest against the registered ONNX and settings hashes. Kept warm:
// an onnxruntime session for `none`/`redundant`, and for `zk` a prover holding the circuit, the
// witness wasm and both keys in memory.
import { createSession, type MlSession, runInference } from "@noosphere/ml";
import { getModel, type NoosReadClient, type ZkModel } from "@noosphere/sdk";
import {
  type ArtifactManifest,
  type ArtifactStore,
  type CompiledFile,
  createWarmProver,
  fetchModelArtifacts,
  quantizeValue,
  type VerificationKey,
  type WarmProof,
  type WarmProver,
} from "@noosphere/zk";
import type { Address } from "viem";

export type ServedModel = {
  modelId: bigint;
  registry: ZkModel;
  manifest: ArtifactManifest;
  /** The float model on dequantized inputs; outputs quantized at the output scales. */
  compute(input: readonly bigint[]): Promise<bigint[]>;
  /** A Groth16 proof of the quantized model on `input` (the prover is warmed on first use). */
  prove(input: readonly bigint[]): Promise<WarmProof>;
  release(): Promise<void>;
};

/** Dequantizes fixed-point integers at `scale` (value = q / 2^scale). */
export const dequantizeAt = (q: bigint, scale: number): number => Number(q) / 2 ** scale;

export async function loadServedModel(p: {
  client: NoosReadClient;
  modelRegistry: Address;
  store: ArtifactStore;
  modelId: bigint;
  signal?: AbortSignal | undefined;
  /** Prove single-threaded (less memory, ~1.3x slower). */
  singleThread?: boolean | undefined;
  /** Build the prover right away (default) instead of on the first zk request. */
  warmProver?: boolean | undefined;
}): Promise<ServedModel> {
  const registry = await getModel(p.client, { address: p.modelRegistry, modelId: p.modelId });
  if (!registry) throw new Error(`model ${p.modelId} is not registered`);
  const { manifest, files } = await fetchModelArtifacts({
    store: p.store,
    metadataURI: registry.metadataURI,
    onnxHash: registry.onnxHash,
    settingsHash: registry.settingsHash,
    names: ["onnx", "circuit", "wasm", "pk", "vk"],
    signal: p.signal,
  });
  const session: MlSession = await createSession(files.onnx);
  const compiled = JSON.parse(Buffer.from(files.circuit).toString("utf8")) as CompiledFile;
  if (compiled.model_sha256 !== manifest.model_sha256)
    throw new Error("the circuit artifact was compiled from another model");
  const vk = JSON.parse(Buffer.from(files.vk).toString("utf8")) as VerificationKey;
  let prover: Promise<WarmProver> | undefined;
  const warm = () => {
    prover ??= createWarmProver({
      circuit: compiled.circuit,
      wasm: files.wasm,
      pk: files.pk,
      vk,
      singleThread: p.singleThread,
    });
    return prover;
  };
  // Warm the prover now (curve, worker threads) so the first zk request pays only its proof.
  if (p.warmProver ?? true) void warm().catch(() => {});
  return {
    modelId: p.modelId,
    registry,
    manifest,
    async compute(input) {
      if (input.length !== manifest.inputs) {
        throw new Error(`expected ${manifest.inputs} input values, got ${input.length}`);
      }
      const x = input.map((q) => dequantizeAt(q, manifest.input_scale));
      const out = (await runInference(session, { input_data: [x] })).output_data.flat();
      if (out.length !== manifest.outputs) {
        throw new Error(`the model returned ${out.length} values, expected ${manifest.outputs}`);
      }
      return out.map((y, i) => quantizeValue(y, manifest.output_scales[i] ?? 0));
    },
    async prove(input) {
      return (await warm()).prove(input);
    },
    release: () => session.release(),
  };
}
