// Model artifacts travel with the model: `noos zk register-model` publishes the ONNX file, the
// settings, the compiled circuit (quantized graph + witness-generator wasm + r1cs), the raw
// witness wasm, the proving key and the verification key to the content store, and records the
// CID of a small manifest (each artifact's CID, size and sha256) as the model's metadataURI
// (`ipfs://<cid>`). Any node can then fetch a registered model by id, check every artifact
// against its hash and against the hashes ModelRegistry holds, and serve it.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { BaseError, InvalidParameterError } from "@noosphere/sdk";
import type { CompiledFile } from "./steps.js";

export const ARTIFACT_MANIFEST_FORMAT = "noosphere-model-artifacts/1";
export const ARTIFACT_NAMES = ["onnx", "settings", "circuit", "wasm", "pk", "vk"] as const;
export type ArtifactName = (typeof ARTIFACT_NAMES)[number];

export type ArtifactRef = { cid: string; size: number; sha256: `0x${string}` };

export type ArtifactManifest = {
  format: typeof ARTIFACT_MANIFEST_FORMAT;
  /** sha256 of the ONNX file and of the settings: what ModelRegistry records as onnxHash/settingsHash. */
  model_sha256: string;
  settings_sha256: string;
  /** Fixed-point exponents of the inputs and of each output element (value = integer / 2^scale). */
  input_scale: number;
  output_scales: number[];
  /** Flattened element counts. */
  inputs: number;
  outputs: number;
  constraints: number;
  /** Proven bound on |dequantized circuit output - float model output| in the input range. */
  error_bound: number;
  artifacts: Record<ArtifactName, ArtifactRef>;
};

/** What the content store must do for publishing (structural: @noosphere/storage fits). */
export type ArtifactStore = {
  add(input: Uint8Array): Promise<{ cid: string; size: number; sha256: `0x${string}` }>;
  get(cid: string, options?: { signal?: AbortSignal | undefined }): Promise<Uint8Array>;
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function readArtifact(field: string, file: string): Uint8Array {
  if (!existsSync(file))
    throw new InvalidParameterError({ field, expected: "an existing file", received: file });
  return readFileSync(file);
}

/** The scales and sizes a consumer needs to encode inputs and decode outputs. */
export function artifactFacts(compiled: CompiledFile) {
  const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const inputs = compiled.circuit.inputs.reduce((n, i) => n + count(i.dims), 0);
  const outputs = compiled.circuit.outputs.reduce((n, i) => n + count(i.dims), 0);
  const outputScales = compiled.circuit.outputs.flatMap((o) =>
    Array.from({ length: count(o.dims) }, () => o.scale),
  );
  return {
    input_scale: compiled.circuit.settings.run_args.input_scale,
    output_scales: outputScales,
    inputs,
    outputs,
    constraints: compiled.constraints,
    error_bound: compiled.circuit.stats.errorBound,
  };
}

/**
 * Publishes a model's artifacts and their manifest; returns the manifest, its CID and the
 * metadata URI to register (`ipfs://<manifest cid>`). Checks that the files belong together:
 * the ONNX and settings hashes must be those the circuit was compiled from, and the keys must
 * name the same model.
 */
export async function publishModelArtifacts(p: {
  store: ArtifactStore;
  modelPath: string;
  settingsPath: string;
  compiledPath: string;
  pkPath: string;
  vkPath: string;
}) {
  const onnx = readArtifact("--model", p.modelPath);
  const settings = readArtifact("--settings-path", p.settingsPath);
  const circuit = readArtifact("--compiled-circuit", p.compiledPath);
  const pk = readArtifact("--pk-path", p.pkPath);
  const vk = readArtifact("--vk-path", p.vkPath);
  let compiled: CompiledFile;
  try {
    compiled = JSON.parse(Buffer.from(circuit).toString("utf8")) as CompiledFile;
  } catch {
    throw new InvalidParameterError({
      field: "--compiled-circuit",
      expected: "a file written by `noos zk compile-circuit`",
      received: p.compiledPath,
    });
  }
  if (sha256(onnx) !== compiled.model_sha256) {
    throw new InvalidParameterError({
      field: "--model",
      expected: `the ONNX file the circuit was compiled from (sha256 ${compiled.model_sha256})`,
      received: `${p.modelPath} (sha256 ${sha256(onnx)})`,
    });
  }
  if (sha256(settings) !== compiled.settings_sha256) {
    throw new InvalidParameterError({
      field: "--settings-path",
      expected: `the settings the circuit was compiled from (sha256 ${compiled.settings_sha256})`,
      received: `${p.settingsPath} (sha256 ${sha256(settings)})`,
    });
  }
  const vkJson = JSON.parse(Buffer.from(vk).toString("utf8")) as {
    noosphere?: { model_sha256?: string; settings_sha256?: string };
  };
  if (
    vkJson.noosphere?.model_sha256 !== compiled.model_sha256 ||
    vkJson.noosphere?.settings_sha256 !== compiled.settings_sha256
  ) {
    throw new InvalidParameterError({
      field: "--vk-path",
      expected: "the verification key `noos zk setup` wrote for this compiled circuit",
      received: p.vkPath,
    });
  }
  const wasm = gunzipSync(Buffer.from(compiled.wasm_gz, "base64"));
  const files: Record<ArtifactName, Uint8Array> = {
    onnx,
    settings,
    circuit,
    wasm: new Uint8Array(wasm),
    pk,
    vk,
  };
  const artifacts = {} as Record<ArtifactName, ArtifactRef>;
  for (const name of ARTIFACT_NAMES) {
    const r = await p.store.add(files[name]);
    artifacts[name] = { cid: r.cid, size: r.size, sha256: r.sha256 };
  }
  const manifest: ArtifactManifest = {
    format: ARTIFACT_MANIFEST_FORMAT,
    model_sha256: compiled.model_sha256,
    settings_sha256: compiled.settings_sha256,
    ...artifactFacts(compiled),
    artifacts,
  };
  const added = await p.store.add(
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  return { manifest, manifestCid: added.cid, metadataURI: `ipfs://${added.cid}` };
}

export class ArtifactError extends BaseError {
  constructor(message: string, details?: string) {
    super(message, { name: "ArtifactError", ...(details ? { details } : {}) });
  }
}

/** The manifest CID of an `ipfs://<cid>` (or bare CID) metadata URI, or null. */
export function manifestCidOf(metadataURI: string): string | null {
  const m = /^(?:ipfs:\/\/)?(b[a-z2-7]{20,}|Qm[1-9A-HJ-NP-Za-km-z]{44})$/.exec(metadataURI.trim());
  return m ? (m[1] as string) : null;
}

/**
 * Fetches a model's manifest and the named artifacts, checking each against its sha256 and the
 * manifest against the hashes the registry holds (`onnxHash`, `settingsHash`, 0x-prefixed).
 */
export async function fetchModelArtifacts<N extends ArtifactName>(p: {
  store: ArtifactStore;
  metadataURI: string;
  onnxHash: string;
  settingsHash: string;
  names: readonly N[];
  signal?: AbortSignal | undefined;
}): Promise<{ manifest: ArtifactManifest; files: Record<N, Uint8Array> }> {
  const cid = manifestCidOf(p.metadataURI);
  if (!cid) {
    throw new ArtifactError(
      "The model's metadataURI names no artifact manifest.",
      `metadataURI "${p.metadataURI}"; register it with \`noos zk register-model --model <onnx>\``,
    );
  }
  const opts = { signal: p.signal };
  let manifest: ArtifactManifest;
  try {
    manifest = JSON.parse(
      Buffer.from(await p.store.get(cid, opts)).toString("utf8"),
    ) as ArtifactManifest;
  } catch (cause) {
    throw new ArtifactError(`Could not read the artifact manifest ${cid}.`, String(cause));
  }
  if (manifest.format !== ARTIFACT_MANIFEST_FORMAT) {
    throw new ArtifactError(`${cid} is not an artifact manifest.`, `format ${manifest.format}`);
  }
  const strip = (h: string) => h.toLowerCase().replace(/^0x/, "");
  if (strip(p.onnxHash) !== manifest.model_sha256) {
    throw new ArtifactError(
      "The manifest's ONNX hash differs from the registered one.",
      `manifest ${manifest.model_sha256}, registry ${strip(p.onnxHash)}`,
    );
  }
  if (strip(p.settingsHash) !== manifest.settings_sha256) {
    throw new ArtifactError(
      "The manifest's settings hash differs from the registered one.",
      `manifest ${manifest.settings_sha256}, registry ${strip(p.settingsHash)}`,
    );
  }
  const files = {} as Record<N, Uint8Array>;
  for (const name of p.names) {
    const ref = manifest.artifacts[name];
    if (!ref) throw new ArtifactError(`The manifest ${cid} lists no ${name} artifact.`);
    const bytes = await p.store.get(ref.cid, opts);
    const got = sha256(bytes);
    if (got !== strip(ref.sha256)) {
      throw new ArtifactError(
        `Artifact ${name} (${ref.cid}) does not match its sha256.`,
        `expected ${strip(ref.sha256)}, got ${got}`,
      );
    }
    files[name] = bytes;
  }
  // The ONNX and settings must be the registered ones byte for byte.
  const onnx = (files as Partial<Record<ArtifactName, Uint8Array>>).onnx;
  if (onnx && sha256(onnx) !== manifest.model_sha256)
    throw new ArtifactError("The ONNX artifact is not the registered model.");
  const settings = (files as Partial<Record<ArtifactName, Uint8Array>>).settings;
  if (settings && sha256(settings) !== manifest.settings_sha256)
    throw new ArtifactError("The settings artifact is not the registered settings.");
  return { manifest, files };
}
