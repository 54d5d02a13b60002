import { InvalidParameterError } from "../errors.js";
import { type ContentRef, isCid } from "./refs.js";
import type { JobManifest } from "./schema.js";

/** Where a manifest names content. */
export type ManifestRefField = "model" | "input" | "training.initialModel";

export type ManifestRef = {
  field: ManifestRefField;
  path: string[];
  ref: ContentRef;
};

/** Every content reference of a manifest (model, input, training.initialModel), paths and CIDs. */
export function manifestRefs(manifest: JobManifest): ManifestRef[] {
  const refs: ManifestRef[] = [];
  if (manifest.kind !== "training")
    refs.push({ field: "model", path: ["model"], ref: manifest.model });
  if (manifest.kind === "training" && "initialModel" in manifest.training) {
    refs.push({
      field: "training.initialModel",
      path: ["training", "initialModel"],
      ref: manifest.training.initialModel,
    });
  }
  if (manifest.input) refs.push({ field: "input", path: ["input"], ref: manifest.input });
  return refs;
}

/**
 * Replaces every local path with the CID `resolve` returns for it (typically: import the file into
 * the store), leaving CIDs as they are. Paths are passed as written: join them to the manifest
 * file's directory. The result is what to hash and publish: providers only fetch CIDs.
 */
export async function resolveManifestRefs(
  manifest: JobManifest,
  resolve: (path: string, field: ManifestRefField) => Promise<string> | string,
): Promise<JobManifest> {
  const toCid = async (ref: ContentRef, field: ManifestRefField): Promise<{ cid: string }> => {
    if ("cid" in ref) return { cid: ref.cid };
    const cid = await resolve(ref.path, field);
    if (!isCid(cid)) {
      throw new InvalidParameterError({
        field,
        expected: "a CID (bafy… or Qm…) from the resolver",
        received: cid,
      });
    }
    return { cid };
  };
  // A compute-to-data job may have no input: the data asset's file is its input.
  const input = manifest.input && {
    input: { ...(await toCid(manifest.input, "input")), format: manifest.input.format },
  };
  if (manifest.kind === "training") {
    const training = manifest.training;
    if ("initialModel" in training) {
      const initialModel = await toCid(training.initialModel, "training.initialModel");
      return { ...manifest, ...input, training: { ...training, initialModel } };
    }
    return { ...manifest, ...input };
  }
  return { ...manifest, model: await toCid(manifest.model, "model"), ...input };
}
