import { describe, expect, it } from "vitest";
import { algorithmHashOf } from "./algorithm.js";
import { ManifestError } from "./errors.js";
import { parseJobManifest } from "./parse.js";

const DID = `did:noos:${"Ab".repeat(32)}`;
const CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const manifest = (
  extra: string,
  epochs = 5,
  input = `input: { cid: ${CID}, format: csv }`,
) => `version: "1"
kind: training
${input}
${extra}
training:
  architecture: { layers: [64, 32, 10] }
  optimizer: { name: sgd, learningRate: 0.1 }
  epochs: ${epochs}
  batchSize: 32
  seed: 1
  labelsColumn: label
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "5" }
verification: { mode: none }
deadline: 10m
`;

describe("manifest data:", () => {
  it("test_parse_withDataDid_keepsItLowercased", () => {
    expect(parseJobManifest(manifest(`data: ${DID}`)).data).toBe(DID.toLowerCase());
    expect(parseJobManifest(manifest("")).data).toBeUndefined();
  });

  it("test_parse_dataWithoutInput_theAssetFileIsTheInput_butNeitherIsAnError", () => {
    const m = parseJobManifest(manifest(`data: ${DID}`, 5, ""));
    expect(m.input).toBeUndefined();
    expect(m.data).toBe(DID.toLowerCase());
    // The algorithm hash does not depend on where the input comes from.
    expect(algorithmHashOf(m)).toBe(algorithmHashOf(parseJobManifest(manifest(`data: ${DID}`))));
    expect(() => parseJobManifest(manifest("", 5, ""))).toThrow(
      /input: missing; expected .*or data: did:noos:… for compute-to-data/,
    );
  });

  it("test_parse_withBadDataDid_namesTheField", () => {
    const err = (() => {
      try {
        parseJobManifest(manifest("data: did:op:1234"));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ManifestError);
    expect(String((err as Error).message)).toMatch(/data.*did:noos: followed by 64 hex/s);
  });

  it("test_algorithmHashOf_pinsTheSpecNotTheData", () => {
    const a = parseJobManifest(manifest(`data: ${DID}`));
    const b = parseJobManifest(manifest(""));
    const c = parseJobManifest(manifest(`data: ${DID}`, 6));
    expect(algorithmHashOf(a)).toBe(algorithmHashOf(b));
    expect(algorithmHashOf(a)).not.toBe(algorithmHashOf(c));
    expect(algorithmHashOf(a)).toMatch(/^0x[0-9a-f]{64}$/);
  });
});
