import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { BaseError } from "../errors.js";
import { ManifestError, type ManifestIssue } from "./errors.js";
import {
  loadJobManifest,
  parseJobManifest,
  stringifyJobManifest,
  validateJobManifest,
} from "./parse.js";
import { jobManifestSchema } from "./schema.js";

const CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const CID_V0 = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG";
const AUDITOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

const issueTextExample = `version: "1"
kind: inference
model: ./model.onnx
input: ./input.json
resources: { cpu: 1, memory: 512Mi }
placement: { attributes: { region: eu }, signedBy: { anyOf: [] } }
pricing: { maxPricePerSecond: "0.001", deposit: "5" }
verification: { mode: none }
deadline: 10m
`;

type Doc = Record<string, unknown>;

const inference = (): Doc => ({
  version: "1",
  kind: "inference",
  model: "./model.onnx",
  input: "./input.json",
  resources: { cpu: 1, memory: "512Mi" },
  pricing: { maxPricePerSecond: "0.001", deposit: "5" },
  verification: { mode: "none" },
  deadline: "10m",
});

const training = (): Doc => ({
  version: "1",
  kind: "training",
  input: "./train.csv",
  training: {
    architecture: { layers: [64, 32, 10] },
    optimizer: { name: "momentum", learningRate: 0.05, momentum: 0.9 },
    epochs: 10,
    batchSize: 32,
    seed: 42,
    labelsColumn: "label",
  },
  resources: { cpu: "500m", memory: "1Gi" },
  pricing: { maxPricePerSecond: "0.001", deposit: "1" },
  verification: { mode: "receipt" },
  deadline: "10m",
});

const evaluation = (): Doc => ({
  version: "1",
  kind: "evaluation",
  model: CID,
  input: { path: "./test.data", format: "csv" },
  evaluation: { labelsColumn: 64 },
  resources: { cpu: 1, memory: 268_435_456 },
  pricing: { maxPricePerSecond: "0.001", deposit: "1" },
  verification: { mode: "redundant", replicas: 3 },
  deadline: 600,
});

/** A copy of `doc` with the value at `path` replaced (or removed when `value` is undefined). */
function withValue(doc: Doc, path: (string | number)[], value: unknown): Doc {
  const copy = structuredClone(doc);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

function issuesOf(text: string, source?: string): ManifestIssue[] {
  try {
    parseJobManifest(text, source === undefined ? {} : { source });
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return [...(err as ManifestError).issues];
  }
  throw new Error("the manifest parsed");
}

describe("parseJobManifest: valid manifests", () => {
  test("the manifest from the issue parses, with defaults and normalised references", () => {
    const manifest = parseJobManifest(issueTextExample);
    expect(manifest).toEqual({
      version: "1",
      kind: "inference",
      model: { path: "./model.onnx" },
      input: { path: "./input.json", format: "json" },
      resources: { cpu: 1, memory: "512Mi" },
      placement: { attributes: { region: "eu" }, signedBy: { allOf: [], anyOf: [] } },
      pricing: { maxPricePerSecond: "0.001", deposit: "5" },
      verification: { mode: "none" },
      deadline: "10m",
      bidWindow: "30s",
    });
  });

  test("training: momentum defaults to 0.9, initialModel as a CID", () => {
    const doc = withValue(training(), ["training"], {
      initialModel: `ipfs://${CID}`,
      optimizer: { name: "momentum", learningRate: 0.1 },
      epochs: 1,
      batchSize: 8,
      seed: 0,
      labelsColumn: 0,
    });
    const manifest = parseJobManifest(stringify(doc));
    expect(manifest.kind).toBe("training");
    if (manifest.kind !== "training") return;
    expect(manifest.training).toEqual({
      initialModel: { cid: CID },
      optimizer: { name: "momentum", learningRate: 0.1, momentum: 0.9 },
      epochs: 1,
      batchSize: 8,
      seed: 0,
      labelsColumn: 0,
    });
  });

  test("evaluation: CID model, explicit format, numbers for memory and deadline", () => {
    const manifest = parseJobManifest(stringify(evaluation()));
    expect(manifest).toMatchObject({
      model: { cid: CID },
      input: { path: "./test.data", format: "csv" },
      evaluation: { labelsColumn: 64 },
      verification: { mode: "redundant", replicas: 3 },
      deadline: 600,
    });
  });

  test("input formats come from the extension; a CID needs one", () => {
    const at = (input: unknown) =>
      parseJobManifest(stringify(withValue(inference(), ["input"], input))).input as object;
    expect(at("./batch.CSV")).toEqual({ path: "./batch.CSV", format: "csv" });
    expect(at("data/rows.jsonl")).toEqual({ path: "data/rows.jsonl", format: "jsonl" });
    expect(at("rows.ndjson")).toEqual({ path: "rows.ndjson", format: "jsonl" });
    expect(at({ cid: CID_V0, format: "jsonl" })).toEqual({ cid: CID_V0, format: "jsonl" });
    expect(at({ path: "./x.csv", format: "json" })).toEqual({ path: "./x.csv", format: "json" });
  });

  test("unquoted prices keep their source text; unquoted addresses are not read as numbers", () => {
    const text = issueTextExample
      .replace(
        '{ maxPricePerSecond: "0.001", deposit: "5" }',
        "{ maxPricePerSecond: 0.0010, deposit: 5.10 }",
      )
      .replace("signedBy: { anyOf: [] }", `signedBy: { anyOf: [${AUDITOR.toLowerCase()}] }`)
      .replace("region: eu", "region: eu, tier: 1.0, gpu: true");
    const manifest = parseJobManifest(text);
    expect(manifest.pricing).toEqual({ maxPricePerSecond: "0.0010", deposit: "5.10" });
    expect(manifest.placement.signedBy.anyOf).toEqual([AUDITOR]);
    expect(manifest.placement.attributes).toEqual({ region: "eu", tier: "1.0", gpu: "true" });
  });

  test("version may be written as a number; addresses come back checksummed", () => {
    const doc = withValue(
      withValue(inference(), ["version"], 1),
      ["pricing", "token"],
      AUDITOR.toLowerCase(),
    );
    const manifest = parseJobManifest(stringify(doc));
    expect(manifest.version).toBe("1");
    expect(manifest.pricing.token).toBe(AUDITOR);
  });

  test("JSON is accepted, and validateJobManifest takes objects", () => {
    expect(parseJobManifest(JSON.stringify(inference())).kind).toBe("inference");
    expect(validateJobManifest(training()).kind).toBe("training");
    expect(jobManifestSchema.parse(evaluation()).kind).toBe("evaluation");
  });

  test("round trip: YAML -> manifest -> YAML -> the same manifest", () => {
    for (const doc of [inference(), training(), evaluation()]) {
      const manifest = parseJobManifest(stringify(doc));
      const yaml = stringifyJobManifest(manifest);
      expect(parseJobManifest(yaml)).toEqual(manifest);
    }
    // References that would read back differently in short form stay in long form.
    const odd = withValue(inference(), ["input"], { path: "./x.csv", format: "jsonl" });
    const manifest = parseJobManifest(stringify(odd));
    expect(stringifyJobManifest(manifest)).toContain("format: jsonl");
    expect(parseJobManifest(stringifyJobManifest(manifest))).toEqual(manifest);
    expect(stringifyJobManifest(parseJobManifest(issueTextExample))).toContain(
      "model: ./model.onnx\n",
    );
  });
});

describe("parseJobManifest: every field's error names the field and the allowed values", () => {
  const cases: [string, () => Doc, (string | number)[], unknown, string][] = [
    ["version", inference, ["version"], "2", '"1"'],
    ["kind", inference, ["kind"], "train", "inference | training | evaluation"],
    ["model", inference, ["model"], "./model.pt", "a file path ending in .onnx, or a CID"],
    ["model", inference, ["model"], undefined, "an ONNX model"],
    ["model.cid", inference, ["model"], { cid: "not-a-cid" }, "a CID"],
    [
      "model.cid",
      inference,
      ["model"],
      { path: "./a.onnx", cid: CID },
      "exactly one of path | cid",
    ],
    ["model", inference, ["model"], "https://example.com/m.onnx", "a file path or a CID"],
    ["input", inference, ["input"], 42, "a file path or a CID"],
    ["input", inference, ["input"], undefined, "a file path or a CID"],
    ["input.format", inference, ["input"], "./input.txt", "json | csv | jsonl"],
    ["input.format", inference, ["input"], CID, "json | csv | jsonl"],
    [
      "input.format",
      inference,
      ["input"],
      { path: "./a.csv", format: "xml" },
      "json | csv | jsonl",
    ],
    ["input.url", inference, ["input"], { url: "x", path: "a.csv" }, "path | cid | format"],
    ["training", training, ["training"], undefined, "a training block"],
    ["training", training, ["training", "architecture"], undefined, "exactly one of architecture"],
    [
      "training.architecture.layers",
      training,
      ["training", "architecture", "layers"],
      [64],
      "at least 2 layer widths",
    ],
    [
      "training.architecture.layers[1]",
      training,
      ["training", "architecture", "layers", 1],
      0,
      "an integer in 1..65536",
    ],
    [
      "training.initialModel",
      training,
      ["training", "initialModel"],
      "./init.onnx",
      "exactly one of architecture | initialModel",
    ],
    [
      "training.optimizer.name",
      training,
      ["training", "optimizer", "name"],
      "adam",
      "sgd | momentum",
    ],
    [
      "training.optimizer.learningRate",
      training,
      ["training", "optimizer", "learningRate"],
      0,
      "a number above 0",
    ],
    [
      "training.optimizer.momentum",
      training,
      ["training", "optimizer", "momentum"],
      1.5,
      "a number in [0, 1)",
    ],
    [
      "training.optimizer.momentum",
      training,
      ["training", "optimizer", "name"],
      "sgd",
      "no momentum with name: sgd",
    ],
    [
      "training.optimizer",
      training,
      ["training", "optimizer"],
      "sgd",
      "a mapping with name, learningRate, momentum?",
    ],
    ["training.epochs", training, ["training", "epochs"], 0, "an integer in 1..1000000"],
    ["training.batchSize", training, ["training", "batchSize"], 1.5, "an integer in 1..1048576"],
    ["training.seed", training, ["training", "seed"], -1, "an integer in 0..4294967295"],
    [
      "training.labelsColumn",
      training,
      ["training", "labelsColumn"],
      "",
      "a column name, or a 0-based column index",
    ],
    [
      "training.loss",
      training,
      ["training", "loss"],
      "mse",
      "one of architecture | initialModel | optimizer",
    ],
    ["model", training, ["model"], "./m.onnx", "training.architecture or training.initialModel"],
    ["input", training, ["input"], "./one.json", "a labelled data set (.csv or .jsonl"],
    ["evaluation", evaluation, ["evaluation"], undefined, "an evaluation block { labelsColumn }"],
    [
      "evaluation.labelsColumn",
      evaluation,
      ["evaluation", "labelsColumn"],
      -1,
      "a column name, or a 0-based column index",
    ],
    [
      "evaluation",
      inference,
      ["evaluation"],
      { labelsColumn: "y" },
      "no evaluation block, or kind: evaluation",
    ],
    ["training", inference, ["training"], { epochs: 1 }, "no training block, or kind: training"],
    [
      "resources",
      inference,
      ["resources"],
      undefined,
      "a mapping with cpu, memory, gpu?, storage?",
    ],
    [
      "resources.cpu",
      inference,
      ["resources", "cpu"],
      "2 cores",
      'millicores as a string ("500m")',
    ],
    ["resources.cpu", inference, ["resources", "cpu"], 0, "above 0"],
    ["resources.memory", inference, ["resources", "memory"], "1GB", "Ki | Mi | Gi"],
    ["resources.memory", inference, ["resources", "memory"], undefined, "Ki | Mi | Gi"],
    ["resources.gpu", inference, ["resources", "gpu"], -1, "an integer in 0..4294967295"],
    ["resources.storage", inference, ["resources", "storage"], "lots", "Ki | Mi | Gi"],
    ["resources.gpus", inference, ["resources", "gpus"], 1, "one of cpu | memory | gpu | storage"],
    ["placement", inference, ["placement"], [], "a mapping with attributes?, signedBy?"],
    [
      "placement.attributes",
      inference,
      ["placement", "attributes"],
      ["eu"],
      "a mapping of attribute names to values",
    ],
    [
      "placement.attributes.region",
      inference,
      ["placement", "attributes", "region"],
      "",
      "a value of 1..128 bytes",
    ],
    [
      "placement.attributes.region",
      inference,
      ["placement", "attributes", "region"],
      { a: 1 },
      "a value of 1..128 bytes",
    ],
    [
      "placement.attributes",
      inference,
      ["placement", "attributes"],
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])),
      "at most 16 attributes",
    ],
    [
      "placement.signedBy.allOf[0]",
      inference,
      ["placement", "signedBy", "allOf"],
      ["0x123"],
      "an address (0x followed by 40 hex digits)",
    ],
    [
      "placement.signedBy.anyOf",
      inference,
      ["placement", "signedBy", "anyOf"],
      AUDITOR,
      "a list of addresses",
    ],
    [
      "placement.signedBy",
      inference,
      ["placement", "signedBy", "anyOf"],
      Array(9).fill(AUDITOR),
      "at most 8 addresses in allOf and anyOf together",
    ],
    [
      "pricing",
      inference,
      ["pricing"],
      undefined,
      "a mapping with maxPricePerSecond, deposit, token?",
    ],
    [
      "pricing.maxPricePerSecond",
      inference,
      ["pricing", "maxPricePerSecond"],
      "1e-3",
      "a decimal NOOS amount",
    ],
    ["pricing.maxPricePerSecond", inference, ["pricing", "maxPricePerSecond"], "0", "above 0"],
    ["pricing.deposit", inference, ["pricing", "deposit"], "-5", "a decimal NOOS amount"],
    ["pricing.deposit", inference, ["pricing", "deposit"], "0.5", 'at least "0.6" NOOS'],
    ["pricing.token", inference, ["pricing", "token"], "0xabc", "an address"],
    [
      "verification",
      inference,
      ["verification"],
      undefined,
      "a mapping with mode, replicas?, challengeWindow?, bond?",
    ],
    [
      "verification.mode",
      inference,
      ["verification", "mode"],
      "zk",
      "none | receipt | redundant | optimistic",
    ],
    [
      "verification.challengeWindow",
      inference,
      ["verification"],
      { mode: "optimistic", bond: "10" },
      "when mode is optimistic",
    ],
    [
      "verification.bond",
      inference,
      ["verification"],
      { mode: "optimistic", challengeWindow: "10m" },
      "when mode is optimistic",
    ],
    [
      "verification.bond",
      inference,
      ["verification"],
      { mode: "optimistic", challengeWindow: "10m", bond: "0" },
      "above 0",
    ],
    [
      "verification.challengeWindow",
      inference,
      ["verification"],
      { mode: "optimistic", challengeWindow: "31d", bond: "10" },
      "at most 2592000 s",
    ],
    [
      "verification.bond",
      inference,
      ["verification"],
      { mode: "receipt", bond: "10" },
      "no bond, or mode: optimistic",
    ],
    [
      "verification.replicas",
      inference,
      ["verification"],
      { mode: "optimistic", challengeWindow: "10m", bond: "1", replicas: 2 },
      "no replicas, or mode: redundant",
    ],
    ["training.steps", training, ["training", "steps"], 1000, "verification.mode: optimistic"],
    [
      "training.architecture.layers",
      () =>
        withValue(training(), ["verification"], {
          mode: "optimistic",
          challengeWindow: "1m",
          bond: "1",
        }),
      ["training", "architecture", "layers"],
      [64, 32, 16, 10],
      "3 widths [inputs, hidden, classes]",
    ],
    [
      "verification.replicas",
      inference,
      ["verification"],
      { mode: "redundant", replicas: 10 },
      "an integer in 2..9",
    ],
    [
      "verification.replicas",
      inference,
      ["verification"],
      { mode: "redundant" },
      "an integer in 2..9 when mode is redundant",
    ],
    [
      "verification.replicas",
      inference,
      ["verification"],
      { mode: "receipt", replicas: 2 },
      "no replicas, or mode: redundant",
    ],
    ["deadline", inference, ["deadline"], "10 minutes", "units d | h | m | s"],
    ["deadline", inference, ["deadline"], undefined, "units d | h | m | s"],
    ["deadline", inference, ["deadline"], "0s", "units d | h | m | s"],
    ["bidWindow", inference, ["bidWindow"], "31d", "at most 2592000 s"],
    // maxBids is gone with the bid list (a running best bid has no bid limit).
    ["maxBids", inference, ["maxBids"], 5, "one of version | kind | model | input"],
    ["name", inference, ["name"], "my job", "one of version | kind | model | input"],
  ];

  test.each(cases)("%s (%#)", (field, base, path, value, allowed) => {
    const issues = issuesOf(stringify(withValue(base(), path, value)));
    const issue = issues.find((i) => i.field === field);
    expect(issue, issues.map((i) => i.message).join("\n")).toBeDefined();
    if (!issue) return;
    expect(issue.message.startsWith(`${field}: `)).toBe(true);
    expect(issue.message).toContain("; expected ");
    expect(issue.expected).toContain(allowed);
    expect(issue.message).toBe(`${issue.field}: ${issue.problem}; expected ${issue.expected}`);
  });

  test("zk is refused as not supported yet", () => {
    const [issue] = issuesOf(stringify(withValue(inference(), ["verification", "mode"], "zk")));
    expect(issue?.message).toBe(
      'verification.mode: got "zk" (zk verification is not supported yet); expected none | receipt | redundant | optimistic',
    );
  });

  test("optimistic verification: challengeWindow and bond, for every kind; training may fix its steps", () => {
    const optimistic = { mode: "optimistic", challengeWindow: "10m", bond: "10" };
    for (const base of [inference, evaluation]) {
      const manifest = validateJobManifest(withValue(base(), ["verification"], optimistic));
      expect(manifest.verification).toEqual(optimistic);
    }
    const train = withValue(
      withValue(training(), ["verification"], optimistic),
      ["training", "steps"],
      1000,
    );
    const manifest = validateJobManifest(train);
    expect(manifest.verification).toEqual(optimistic);
    expect(manifest.kind === "training" && manifest.training.steps).toBe(1000);
  });

  test("typos get a suggestion", () => {
    const kind = issuesOf(stringify(withValue(inference(), ["kind"], "inferense")));
    expect(kind[0]?.problem).toBe('got "inferense" (did you mean inference?)');
    const gpus = issuesOf(stringify(withValue(inference(), ["resources", "gpus"], 1)));
    expect(gpus[0]?.problem).toBe("unknown field (did you mean gpu?)");
  });

  test("the deposit rule names the required amount in NOOS", () => {
    const doc = withValue(withValue(inference(), ["pricing", "deposit"], "1"), ["deadline"], "1h");
    const [issue] = issuesOf(stringify(doc));
    expect(issue?.message).toBe(
      'pricing.deposit: got "1" NOOS; expected at least "3.6" NOOS = maxPricePerSecond 0.001 NOOS/s x deadline 3600 s',
    );
  });
});

describe("parseJobManifest: reporting", () => {
  const broken = `version: "1"
kind: inference
model: ./model.onnx
input: ./input.json
resources:
  cpu: 1
  memory: 512m
placement: { attributes: { region: eu }, signedBy: { anyOf: [] } }
pricing: { maxPricePerSecond: "0.001", deposit: "5" }
verification:
  mode: zk
deadline: soon
colour: blue
`;

  test("every issue at once, in line order, with lines and columns", () => {
    const issues = issuesOf(broken, "job.yaml");
    expect(issues.map((i) => [i.field, i.line, i.column])).toEqual([
      ["resources.memory", 7, 3],
      ["verification.mode", 11, 3],
      ["deadline", 12, 1],
      ["colour", 13, 1],
    ]);
  });

  test("the error message lists each issue as file:line:column: field: problem; expected values", () => {
    let error: ManifestError | undefined;
    try {
      parseJobManifest(broken, { source: "job.yaml" });
    } catch (err) {
      error = err as ManifestError;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toBeInstanceOf(BaseError);
    expect(error?.name).toBe("ManifestError");
    expect(error?.shortMessage).toBe("Invalid job manifest job.yaml: 4 problems.");
    expect(error?.message).toContain(
      'job.yaml:11:3: verification.mode: got "zk" (zk verification is not supported yet); expected none | receipt | redundant | optimistic',
    );
    expect(error?.message).toContain(
      "job.yaml:13:1: colour: unknown field; expected one of version | kind | model | input | data | training | evaluation | resources | placement | pricing | verification | deadline | bidWindow",
    );
  });

  test("lines inside flow mappings and lists; a missing field points at its parent", () => {
    const text = issueTextExample
      .replace("anyOf: []", "anyOf: [0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, 0x12]")
      .replace('deposit: "5"', 'deposit: "5", token: nope');
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.field, i.line, i.column])).toEqual([
      ["placement.signedBy.anyOf[1]", 6, 106],
      ["pricing.token", 7, 54],
    ]);
    const missing = issuesOf(issueTextExample.replace("cpu: 1, ", ""));
    expect(missing.map((i) => [i.field, i.line, i.problem])).toEqual([
      ["resources.cpu", 5, "missing"],
    ]);
  });

  test("without a source, issues read `line N: …`", () => {
    try {
      parseJobManifest(issueTextExample.replace("deadline: 10m", "deadline: 10x"));
    } catch (err) {
      expect((err as ManifestError).message).toContain('line 9: deadline: got "10x";');
      expect((err as ManifestError).source).toBeUndefined();
    }
  });

  test("YAML syntax errors are issues with their line", () => {
    const issues = issuesOf('version: "1"\nkind: inference\nkind: training\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: "manifest", line: 3 });
    expect(issues[0]?.problem).toContain("DUPLICATE_KEY");
    expect(issuesOf("a: [1, 2\nb: 3\n")[0]?.expected).toContain("valid YAML");
  });

  test("an empty or non-mapping document", () => {
    expect(issuesOf("")[0]?.message).toMatch(
      /^manifest: got an empty value; expected a mapping with version, kind, /,
    );
    expect(issuesOf("- 1\n- 2\n")[0]?.message).toMatch(/^manifest: got a list; expected a mapping/);
  });

  test("validateJobManifest reports the same issues without lines", () => {
    try {
      validateJobManifest(withValue(inference(), ["verification", "mode"], "zk"), {
        source: "api",
      });
      expect.unreachable();
    } catch (err) {
      const issue = (err as ManifestError).issues[0];
      expect(issue?.field).toBe("verification.mode");
      expect(issue?.line).toBeUndefined();
    }
  });
});

describe("examples/manifests", () => {
  const dir = fileURLToPath(new URL("../../../../examples/manifests/", import.meta.url));
  // service.yaml is a service manifest (kind: service), tested in service.test.ts.
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "service.yaml");

  test("has the four kinds of example", () => {
    expect(files.sort()).toEqual([
      "evaluation.yaml",
      "inference.yaml",
      "redundant.yaml",
      "training.yaml",
    ]);
  });

  test.each(files)("%s parses and round-trips", async (file) => {
    const manifest = await loadJobManifest(`${dir}${file}`);
    expect(parseJobManifest(stringifyJobManifest(manifest))).toEqual(manifest);
  });

  test("a file the manifest names must exist: reported with its field and line", () => {
    const text = `version: "1"
kind: training
input: ./train.csv
training:
  initialModel: ./start.onnx
  optimizer: { name: sgd, learningRate: 0.1 }
  epochs: 1
  batchSize: 8
  seed: 1
  labelsColumn: label
resources: { cpu: 1, memory: 512Mi }
pricing: { maxPricePerSecond: "0.001", deposit: "5" }
verification: { mode: none }
deadline: 10m
`;
    const exists = (p: string) => p === "./train.csv";
    expect(() => parseJobManifest(text, { source: "job.yaml", fileExists: exists })).toThrow(
      "job.yaml:5:3: training.initialModel: no file at ./start.onnx; expected an existing file",
    );
    expect(parseJobManifest(text, { fileExists: () => true }).kind).toBe("training");
    // Without the check (a manifest parsed from text alone), paths are not looked up.
    expect(parseJobManifest(text).kind).toBe("training");
  });

  test("loadJobManifest names the file in errors", async () => {
    await expect(loadJobManifest(`${dir}missing.yaml`)).rejects.toThrow(
      /Cannot read job manifest .*missing\.yaml/,
    );
  });
});
