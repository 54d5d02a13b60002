import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import {
  type ContentRef,
  type InputRef,
  inputRefExpected,
  modelRefExpected,
  type RefIssue,
  readInputRef,
  readModelRef,
} from "./refs.js";
import { closest } from "./suggest.js";
import {
  checkCpu,
  checkDuration,
  checkMemory,
  checkNoos,
  describeValue,
  formatNoos,
  type UnitCheck,
  unitExpectations,
} from "./units.js";

export const manifestVersions = ["1"] as const;
export const jobKinds = ["inference", "training", "evaluation"] as const;
export type JobKind = (typeof jobKinds)[number];
export const verificationModes = ["none", "receipt", "redundant", "optimistic"] as const;
export type VerificationMode = (typeof verificationModes)[number];
/** Verification strengths the design plans (zk proofs of batch jobs) but jobs cannot ask for yet. */
export const plannedVerificationModes = ["zk"] as const;
export const optimizerNames = ["sgd", "momentum"] as const;
export type OptimizerName = (typeof optimizerNames)[number];

/** Bounds the contracts enforce (or that keep values inside their integer types). */
export const manifestLimits = {
  /** `Resources.cpuMillis` is a uint32. */
  cpuMillis: 2 ** 32 - 1,
  /** `Resources.memoryBytes` / `storageBytes` are uint64. */
  bytes: 2n ** 64n - 1n,
  /** `Resources.gpus` is a uint32. */
  gpus: 2 ** 32 - 1,
  /** `OrderParams.jobTimeout` is a uint32; ProtocolParams.maxJobTimeout (30 days by default) applies on chain. */
  deadlineSeconds: 2 ** 32 - 1,
  /** ProtocolParams bounds maxBidWindow to 30 days; minBidWindow/maxBidWindow (10 s..1 day by default) apply on chain. */
  bidWindowSeconds: 30 * 86_400,
  /** ComputeMarket.MAX_PLACEMENT_ATTRIBUTES. */
  attributes: 16,
  /** ProviderRegistry.MAX_ATTRIBUTE_LENGTH, in bytes, for keys and values. */
  attributeLength: 128,
  /** ComputeMarket.MAX_PLACEMENT_AUDITORS (allOf and anyOf together). */
  auditors: 8,
  replicas: { min: 2, max: 9 },
  /** Longest challenge window of an optimistic result (30 days). */
  challengeWindowSeconds: 30 * 86_400,
} as const;

// ---- the parsed manifest ----

export type { ContentRef, InputFormat, InputRef } from "./refs.js";
/** As written: `"10m"`, `"1h30m"`, `"90s"` or whole seconds. `parseDuration` gives seconds. */
export type Duration = string | number;
/** An MLP given by its layer widths, input first: `[64, 32, 10]` is 64 inputs, 32 hidden, 10 outputs. */
export type MlpArchitecture = { layers: number[] };
export type Optimizer =
  | { name: "sgd"; learningRate: number }
  | { name: "momentum"; learningRate: number; momentum: number };
/** Where training starts: a fresh MLP (`architecture`) or an ONNX model (`initialModel`). */
export type TrainingSpec = ({ architecture: MlpArchitecture } | { initialModel: ContentRef }) & {
  optimizer: Optimizer;
  epochs: number;
  batchSize: number;
  /** Seeds initialisation and shuffling: the same manifest trains the same bits everywhere. */
  seed: number;
  /**
   * Minibatch steps (optimistic verification only): the fixed-point program runs exactly this
   * many steps; without it, ceil(epochs x samples / batchSize).
   */
  steps?: number;
  /** The label column: a header name (CSV), a key (JSONL), or a 0-based column index. */
  labelsColumn: string | number;
};
export type EvaluationSpec = { labelsColumn: string | number };
export type Resources = {
  /** Cores (`1`, `0.5`) or millicores (`"500m"`). */
  cpu: number | string;
  /** Bytes or a quantity (`"512Mi"`, `"1Gi"`). */
  memory: number | string;
  gpu?: number;
  /** Scratch disk, bytes or a quantity. */
  storage?: number | string;
};
export type Placement = {
  /** Attributes a provider must have; keys may use `*` wildcards. */
  attributes: Record<string, string>;
  /** Auditors: all of `allOf` and one of `anyOf` must have signed the attributes. */
  signedBy: { allOf: Address[]; anyOf: Address[] };
};
export type Pricing = {
  /** Highest price per second, NOOS as a decimal string (18 decimals). */
  maxPricePerSecond: string;
  /** Escrow per order, NOOS as a decimal string; at least maxPricePerSecond x deadline. */
  deposit: string;
  /** Payment token; the network's NOOS token when left out. Amounts use 18 decimals. */
  token?: Address;
};
export type Verification =
  | { mode: "none" }
  | { mode: "receipt" }
  /** `replicas` providers run the job; the result counts only when their output hashes agree. */
  | { mode: "redundant"; replicas: number }
  /**
   * The provider posts its result with a bond (`bond` NOOS) and a challenge window; anyone may
   * challenge it in the window (a bisection game settled by one operation checked on chain), and
   * the payment waits for the window. Training runs the fixed-point program (Q16.16).
   */
  | { mode: "optimistic"; challengeWindow: Duration; bond: string };

type JobManifestCommon = {
  version: "1";
  /** The job's input; may be left out when `data` names a data asset (its file is the input). */
  input?: InputRef;
  /**
   * A data asset (`did:noos:…`) whose provider decrypts the asset's file (or `input`, one of the
   * asset's encrypted files) inside the job: compute-to-data. The job then runs only on that
   * provider, and only if the job's algorithm hash is on the asset's allow-list.
   */
  data?: string;
  resources: Resources;
  placement: Placement;
  pricing: Pricing;
  verification: Verification;
  /** Time the provider has once the lease starts: the order's jobTimeout. */
  deadline: Duration;
  /** Time providers have to bid. Default `"30s"`. */
  bidWindow: Duration;
};
export type InferenceJobManifest = JobManifestCommon & { kind: "inference"; model: ContentRef };
export type TrainingJobManifest = JobManifestCommon & { kind: "training"; training: TrainingSpec };
export type EvaluationJobManifest = JobManifestCommon & {
  kind: "evaluation";
  model: ContentRef;
  evaluation: EvaluationSpec;
};
/** A validated job manifest, version 1, with defaults filled in and references normalised. */
export type JobManifest = InferenceJobManifest | TrainingJobManifest | EvaluationJobManifest;

// ---- building blocks: every issue message reads `<problem>; expected <allowed values>` ----

/** The zod issue message for a problem; the field path is added when issues are reported. */
export function issueMessage(problem: string, expected: string): string {
  return `${problem}; expected ${expected}`;
}

const ok = <T>(value: T): UnitCheck<T> => ({ ok: true, value });
const bad = <T>(value: unknown, expected: string, note?: string): UnitCheck<T> => ({
  ok: false,
  problem: note ? `${describeValue(value)} (${note})` : describeValue(value),
  expected,
});

type IssueSink = { issues: z.core.$ZodRawIssue[] };

function pushIssues(ctx: IssueSink, input: unknown, issues: readonly RefIssue[]) {
  for (const issue of issues) {
    ctx.issues.push({
      code: "custom",
      path: issue.path,
      message: issueMessage(issue.problem, issue.expected),
      input,
    });
  }
}

/** Any value, checked by `check`; what it returns becomes the parsed value. */
function leaf<T>(check: (value: unknown) => UnitCheck<T>) {
  return z.unknown().transform((value, ctx): T => {
    const result = check(value);
    if (result.ok) return result.value;
    pushIssues(ctx, value, [{ path: [], problem: result.problem, expected: result.expected }]);
    return z.NEVER;
  });
}

function withIssues<T>(read: (value: unknown) => { value?: T; issues: RefIssue[] }) {
  return z.unknown().transform((value, ctx): T => {
    const result = read(value);
    if (result.value !== undefined && result.issues.length === 0) return result.value;
    const issues =
      result.issues.length > 0
        ? result.issues
        : [{ path: [], problem: describeValue(value), expected: "a valid value" }];
    pushIssues(ctx, value, issues);
    return z.NEVER;
  });
}

function integerIn(min: number, max: number, expected = `an integer in ${min}..${max}`) {
  return leaf((v) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max
      ? ok(v)
      : bad<number>(v, expected),
  );
}

function enumOf<const T extends readonly [string, ...string[]]>(
  values: T,
  note?: (input: unknown) => string | undefined,
) {
  const expected = values.join(" | ");
  return z.enum(values, {
    error: (iss) => {
      const guess = typeof iss.input === "string" ? closest(iss.input, values) : undefined;
      const extra = note?.(iss.input) ?? (guess ? `did you mean ${guess}?` : undefined);
      return issueMessage(`${describeValue(iss.input)}${extra ? ` (${extra})` : ""}`, expected);
    },
  });
}

/** Keys shown for a mapping: `mode, replicas?`. */
function describeKeys(shape: z.ZodRawShape, optional: readonly string[]): string {
  return Object.keys(shape)
    .map((k) => (optional.includes(k) ? `${k}?` : k))
    .join(", ");
}

/**
 * A mapping with exactly these keys. Unknown keys are reported one by one (the reporter splits
 * zod's `unrecognized_keys` issue) with the allowed keys.
 */
function mapping<S extends z.ZodRawShape>(shape: S, optional: readonly string[] = []) {
  const keys = Object.keys(shape).join(" | ");
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? issueMessage("unknown field", keys)
        : issueMessage(describeValue(iss.input), `a mapping with ${describeKeys(shape, optional)}`),
  });
}

function durationIn(max: number) {
  return leaf((v) => {
    const r = checkDuration(v);
    if (!r.ok) return r;
    if (r.value < 1) return bad<Duration>(v, unitExpectations.duration, "must be at least 1s");
    if (r.value > max) return bad<Duration>(v, `${unitExpectations.duration}, at most ${max} s`);
    return ok(v as Duration);
  });
}

function noosAmount() {
  return leaf((v) => {
    const r = checkNoos(v);
    if (!r.ok) return r;
    if (r.value === 0n) return bad<string>(v, `${unitExpectations.noos}, above 0`);
    return ok(v as string);
  });
}

function byteSize(min: bigint) {
  return leaf((v) => {
    const r = checkMemory(v);
    if (!r.ok) return r;
    if (r.value < min) return bad<number | string>(v, `${unitExpectations.memory}, above 0`);
    if (r.value > manifestLimits.bytes) {
      return bad<number | string>(v, `${unitExpectations.memory}, below 2^64 bytes`);
    }
    return ok(v as number | string);
  });
}

const addressExpected = "an address (0x followed by 40 hex digits)";
const address = leaf((v) => {
  if (typeof v === "string" && isAddress(v)) return ok(getAddress(v));
  const badChecksum = typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v);
  return bad<Address>(v, addressExpected, badChecksum ? "bad checksum" : undefined);
});
const addressList = z.array(address, {
  error: (iss) =>
    issueMessage(describeValue(iss.input), "a list of addresses (0x followed by 40 hex digits)"),
});

const labelsColumnExpected = "a column name, or a 0-based column index";
const labelsColumn = leaf((v) =>
  (typeof v === "string" && v.trim() !== "") ||
  (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)
    ? ok(v as string | number)
    : bad<string | number>(v, labelsColumnExpected),
);

const attributesExpected = "a mapping of attribute names to values, e.g. { region: eu }";
const utf8Length = (s: string) => new TextEncoder().encode(s).length;
const attributes = withIssues<Record<string, string>>((v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return { issues: [{ path: [], problem: describeValue(v), expected: attributesExpected }] };
  }
  const issues: RefIssue[] = [];
  const out: Record<string, string> = {};
  const entries = Object.entries(v);
  const max = manifestLimits.attributeLength;
  if (entries.length > manifestLimits.attributes) {
    issues.push({
      path: [],
      problem: `got ${entries.length} attributes`,
      expected: `at most ${manifestLimits.attributes} attributes`,
    });
  }
  for (const [key, value] of entries) {
    if (key === "" || utf8Length(key) > max) {
      issues.push({
        path: [key],
        problem: `name ${describeValue(key)}`,
        expected: `a name of 1..${max} bytes`,
      });
      continue;
    }
    const text =
      typeof value === "string"
        ? value
        : typeof value === "number" || typeof value === "boolean"
          ? String(value)
          : undefined;
    if (text === undefined || text === "" || utf8Length(text) > max) {
      issues.push({
        path: [key],
        problem: describeValue(value),
        expected: `a value of 1..${max} bytes`,
      });
      continue;
    }
    out[key] = text;
  }
  return { value: out, issues };
});

const layersExpected =
  "a list of at least 2 layer widths from input to output, e.g. [64, 32, 10] (integers in 1..65536)";
const layers = withIssues<number[]>((v) => {
  if (!Array.isArray(v) || v.length < 2) {
    const problem = Array.isArray(v)
      ? `got ${v.length} width${v.length === 1 ? "" : "s"}`
      : describeValue(v);
    return { issues: [{ path: [], problem, expected: layersExpected }] };
  }
  const issues: RefIssue[] = [];
  v.forEach((width, i) => {
    if (
      !(typeof width === "number" && Number.isSafeInteger(width) && width >= 1 && width <= 65_536)
    ) {
      issues.push({ path: [i], problem: describeValue(width), expected: "an integer in 1..65536" });
    }
  });
  return { value: v as number[], issues };
});

const positiveNumber = leaf((v) =>
  typeof v === "number" && Number.isFinite(v) && v > 0 ? ok(v) : bad<number>(v, "a number above 0"),
);
const momentumValue = leaf((v) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 && v < 1
    ? ok(v)
    : bad<number>(v, "a number in [0, 1), e.g. 0.9"),
);

/** Momentum used when `name: momentum` leaves it out. */
export const DEFAULT_MOMENTUM = 0.9;

const optimizer = mapping(
  {
    name: enumOf(optimizerNames),
    learningRate: positiveNumber,
    momentum: momentumValue.optional(),
  },
  ["momentum"],
).transform((o) =>
  o.name === "momentum"
    ? { name: o.name, learningRate: o.learningRate, momentum: o.momentum ?? DEFAULT_MOMENTUM }
    : { ...o },
);

const training = mapping(
  {
    architecture: mapping({ layers }).optional(),
    initialModel: withIssues(readModelRef).optional(),
    optimizer,
    epochs: integerIn(1, 1_000_000),
    batchSize: integerIn(1, 1_048_576),
    seed: integerIn(0, 2 ** 32 - 1),
    steps: integerIn(1, 1_000_000).optional(),
    labelsColumn,
  },
  ["architecture", "initialModel", "steps"],
);

const verification = mapping(
  {
    mode: enumOf(verificationModes, (input) =>
      (plannedVerificationModes as readonly unknown[]).includes(input)
        ? `${String(input)} verification is not supported yet`
        : undefined,
    ),
    replicas: integerIn(manifestLimits.replicas.min, manifestLimits.replicas.max).optional(),
    challengeWindow: durationIn(manifestLimits.challengeWindowSeconds).optional(),
    bond: noosAmount().optional(),
  },
  ["replicas", "challengeWindow", "bond"],
);

const topLevelKeys = [
  "version",
  "kind",
  "model",
  "input",
  "data",
  "training",
  "evaluation",
  "resources",
  "placement",
  "pricing",
  "verification",
  "deadline",
  "bidWindow",
] as const;

const resourcesSchema = mapping(
  {
    cpu: leaf((v) => {
      const r = checkCpu(v);
      if (!r.ok) return r;
      if (r.value < 1) return bad<number | string>(v, `${unitExpectations.cpu}, above 0`);
      if (r.value > manifestLimits.cpuMillis)
        return bad<number | string>(v, `${unitExpectations.cpu}, below 2^32 millicores`);
      return ok(v as number | string);
    }),
    memory: byteSize(1n),
    gpu: integerIn(0, manifestLimits.gpus).optional(),
    storage: byteSize(0n).optional(),
  },
  ["gpu", "storage"],
);

const placementSchema = mapping(
  {
    attributes: attributes.default(() => ({})),
    signedBy: mapping(
      { allOf: addressList.default(() => []), anyOf: addressList.default(() => []) },
      ["allOf", "anyOf"],
    ).default(() => ({ allOf: [], anyOf: [] })),
  },
  ["attributes", "signedBy"],
).default(() => ({ attributes: {}, signedBy: { allOf: [], anyOf: [] } }));

const versionSchema = leaf((v) =>
  v === "1" || v === 1 ? ok("1" as const) : bad<"1">(v, `"1" (this SDK reads manifest version 1)`),
);

const baseSchema = mapping(
  {
    version: versionSchema,
    kind: enumOf(jobKinds, (input) =>
      input === "service" ? "a service manifest: read it with parseServiceManifest" : undefined,
    ),
    model: withIssues(readModelRef).optional(),
    input: withIssues(readInputRef).optional(),
    data: leaf((v) =>
      typeof v === "string" && /^did:noos:[0-9a-fA-F]{64}$/.test(v)
        ? ok(v.toLowerCase())
        : bad<string>(v, "a data asset DID: did:noos: followed by 64 hex"),
    ).optional(),
    training: training.optional(),
    evaluation: mapping({ labelsColumn }).optional(),
    resources: resourcesSchema,
    placement: placementSchema,
    pricing: mapping(
      { maxPricePerSecond: noosAmount(), deposit: noosAmount(), token: address.optional() },
      ["token"],
    ),
    verification,
    deadline: durationIn(manifestLimits.deadlineSeconds),
    bidWindow: durationIn(manifestLimits.bidWindowSeconds).default("30s"),
  } satisfies Record<(typeof topLevelKeys)[number], z.ZodType>,
  ["model", "input", "data", "training", "evaluation", "placement", "bidWindow"],
);

// ---- rules across fields ----

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The deposit rule of a batch job (the contract's `MarketDepositBelowJobCost`): the escrow must
 * cover the highest price for the whole deadline. Undefined when it holds.
 */
export function depositShortfall(
  pricing: { maxPricePerSecond: string; deposit: string },
  deadline: Duration,
): RefIssue | undefined {
  const price = checkNoos(pricing.maxPricePerSecond);
  const deposit = checkNoos(pricing.deposit);
  const seconds = checkDuration(deadline);
  if (!price.ok || !deposit.ok || !seconds.ok) return undefined;
  const required = price.value * BigInt(seconds.value);
  if (deposit.value >= required) return undefined;
  return {
    path: ["pricing", "deposit"],
    problem: `${describeValue(pricing.deposit)} NOOS`,
    expected:
      `at least "${formatNoos(required)}" NOOS = maxPricePerSecond ${pricing.maxPricePerSecond}` +
      ` NOOS/s x deadline ${seconds.value} s`,
  };
}

/**
 * Rules that tie fields together. Runs on the raw document as well as on the parsed one (zod skips
 * refinements once a field fails), so it checks each rule only where the fields it reads are sound.
 */
export function crossFieldIssues(raw: unknown): RefIssue[] {
  if (!isRecord(raw)) return [];
  const issues: RefIssue[] = [];
  const kind = (jobKinds as readonly unknown[]).includes(raw.kind)
    ? (raw.kind as JobKind)
    : undefined;
  if (raw.input === undefined && raw.data === undefined) {
    issues.push({
      path: ["input"],
      problem: "missing",
      expected: `${inputRefExpected} (or data: did:noos:… for compute-to-data)`,
    });
  }
  if (kind) {
    if (kind === "training" && raw.model !== undefined) {
      issues.push({
        path: ["model"],
        problem: "not used when kind is training",
        expected: "the starting point in training.architecture or training.initialModel",
      });
    }
    if (kind !== "training" && raw.model === undefined) {
      issues.push({
        path: ["model"],
        problem: "missing",
        expected: `${modelRefExpected} (kind ${kind} runs a model)`,
      });
    }
    const blocks = {
      training:
        "a training block { architecture | initialModel, optimizer, epochs, batchSize, seed, labelsColumn }",
      evaluation: "an evaluation block { labelsColumn }",
    } as const;
    for (const block of ["training", "evaluation"] as const) {
      if (kind === block && raw[block] === undefined) {
        issues.push({
          path: [block],
          problem: "missing",
          expected: `${blocks[block]} when kind is ${block}`,
        });
      }
      if (kind !== block && raw[block] !== undefined) {
        issues.push({
          path: [block],
          problem: `not used when kind is ${kind}`,
          expected: `no ${block} block, or kind: ${block}`,
        });
      }
    }
    if (kind !== "inference" && readInputRef(raw.input).value?.format === "json") {
      issues.push({
        path: ["input"],
        problem: "got a single JSON sample",
        expected: `a labelled data set (.csv or .jsonl, or format: csv | jsonl) when kind is ${kind}`,
      });
    }
  }

  const t = raw.training;
  if (isRecord(t)) {
    if (t.architecture === undefined && t.initialModel === undefined) {
      issues.push({
        path: ["training"],
        problem: "missing architecture and initialModel",
        expected:
          "exactly one of architecture: { layers: [...] } | initialModel: <.onnx path or CID>",
      });
    } else if (t.architecture !== undefined && t.initialModel !== undefined) {
      issues.push({
        path: ["training", "initialModel"],
        problem: "got both architecture and initialModel",
        expected: "exactly one of architecture | initialModel",
      });
    }
    const o = t.optimizer;
    if (isRecord(o) && o.name === "sgd" && o.momentum !== undefined) {
      issues.push({
        path: ["training", "optimizer", "momentum"],
        problem: "only used by the momentum optimizer",
        expected: "no momentum with name: sgd, or name: momentum",
      });
    }
  }

  const v = raw.verification;
  if (isRecord(v)) {
    if (v.mode === "redundant" && v.replicas === undefined) {
      const { min, max } = manifestLimits.replicas;
      issues.push({
        path: ["verification", "replicas"],
        problem: "missing",
        expected: `an integer in ${min}..${max} when mode is redundant`,
      });
    }
    if (v.mode !== "redundant" && v.replicas !== undefined) {
      issues.push({
        path: ["verification", "replicas"],
        problem: `only used when mode is redundant (mode is ${String(v.mode)})`,
        expected: "no replicas, or mode: redundant",
      });
    }
    const optimisticFields = {
      challengeWindow: `${unitExpectations.duration}, when mode is optimistic`,
      bond: `${unitExpectations.noos}, when mode is optimistic`,
    } as const;
    for (const field of ["challengeWindow", "bond"] as const) {
      if (v.mode === "optimistic" && v[field] === undefined) {
        issues.push({
          path: ["verification", field],
          problem: "missing",
          expected: optimisticFields[field],
        });
      }
      if (v.mode !== "optimistic" && v[field] !== undefined) {
        issues.push({
          path: ["verification", field],
          problem: `only used when mode is optimistic (mode is ${String(v.mode)})`,
          expected: `no ${field}, or mode: optimistic`,
        });
      }
    }
    if (v.mode === "optimistic" && kind === "training" && isRecord(raw.training)) {
      const t = raw.training;
      const layers = isRecord(t.architecture) ? t.architecture.layers : undefined;
      if (t.initialModel !== undefined) {
        issues.push({
          path: ["training", "initialModel"],
          problem: "not supported with optimistic verification",
          expected:
            "training.architecture: the fixed-point program trains a fresh MLP from its seed",
        });
      } else if (Array.isArray(layers) && layers.length !== 3) {
        issues.push({
          path: ["training", "architecture", "layers"],
          problem: `got ${layers.length} widths`,
          expected:
            "3 widths [inputs, hidden, classes] with optimistic verification (the fixed-point program trains one hidden layer)",
        });
      }
    }
  }
  const tr = raw.training;
  if (isRecord(tr) && tr.steps !== undefined && !(isRecord(v) && v.mode === "optimistic")) {
    issues.push({
      path: ["training", "steps"],
      problem: "only used with optimistic verification",
      expected: "no steps (epochs sets the length), or verification.mode: optimistic",
    });
  }

  const p = raw.placement;
  if (isRecord(p) && isRecord(p.signedBy)) {
    const count = [p.signedBy.allOf, p.signedBy.anyOf].reduce<number>(
      (n, list) => n + (Array.isArray(list) ? list.length : 0),
      0,
    );
    if (count > manifestLimits.auditors) {
      issues.push({
        path: ["placement", "signedBy"],
        problem: `got ${count} auditors`,
        expected: `at most ${manifestLimits.auditors} addresses in allOf and anyOf together`,
      });
    }
  }

  const pricing = raw.pricing;
  if (
    isRecord(pricing) &&
    typeof pricing.maxPricePerSecond === "string" &&
    typeof pricing.deposit === "string" &&
    (typeof raw.deadline === "string" || typeof raw.deadline === "number")
  ) {
    const shortfall = depositShortfall(
      { maxPricePerSecond: pricing.maxPricePerSecond, deposit: pricing.deposit },
      raw.deadline,
    );
    if (shortfall) issues.push(shortfall);
  }
  return issues;
}

/**
 * The job manifest, version 1, as a zod schema. Its output is a JobManifest: references
 * normalised to `{ path }` / `{ cid }` (inputs with their `format`), addresses checksummed,
 * attribute values as strings, defaults filled in (`placement`, `bidWindow: "30s"`, momentum 0.9);
 * quantities stay as written (`"10m"`, `"512Mi"`, `"0.001"`) so the manifest hashes as authored.
 *
 * Use `parseJobManifest` for YAML text: it reports every issue with its line.
 */
export const jobManifestSchema = baseSchema
  .superRefine((manifest, ctx) => {
    for (const issue of crossFieldIssues(manifest)) {
      ctx.addIssue({
        code: "custom",
        path: issue.path,
        message: issueMessage(issue.problem, issue.expected),
      });
    }
  })
  .transform((manifest) => manifest as JobManifest);

/** The fields a version 1 manifest may have, in the order `stringifyJobManifest` writes them. */
export const jobManifestFields: readonly string[] = topLevelKeys;

// ---- service manifests (kind: service): a leased, long-running inference endpoint ----

/** Triton's max_batch_size bound we accept (rows per onnxruntime call). */
export const serviceLimits = { maxBatchSize: 4096, maxQueueDelayMicroseconds: 1_000_000 } as const;

export type ServiceSpec = {
  /** The Open Inference Protocol model name (`/v2/models/<name>/infer`). */
  name: string;
  /** Rows per onnxruntime call (Triton's max_batch_size). Default 64. */
  maxBatchSize: number;
  /** How long a request may wait for others to fill a batch (Triton's knob). Default 0. */
  maxQueueDelayMicroseconds: number;
};
export type ServicePricing = Pricing & {
  /** x402 price per 1,000 samples (batch rows), NOOS; calls are free when left out. */
  perThousandSamples?: string;
};
/** A validated service manifest: a lease (priced per second) of a running model endpoint. */
export type ServiceManifest = {
  version: "1";
  kind: "service";
  model: ContentRef;
  resources: Resources;
  placement: Placement;
  pricing: ServicePricing;
  service: ServiceSpec;
  /** Time providers have to bid. Default `"30s"`. */
  bidWindow: Duration;
};

const serviceNameExpected = "a model name of 1..64 letters, digits, ., _ or -";
const serviceName = leaf((v) =>
  typeof v === "string" && /^[A-Za-z0-9._-]{1,64}$/.test(v)
    ? ok(v)
    : bad<string>(v, serviceNameExpected),
);

export const serviceManifestFields = [
  "version",
  "kind",
  "model",
  "resources",
  "placement",
  "pricing",
  "service",
  "bidWindow",
] as const;

/**
 * The service manifest, version 1, as a zod schema (`parseServiceManifest` reads YAML with lines).
 * The lease pays `pricing.maxPricePerSecond` at most, from `pricing.deposit`, until it is closed
 * or the escrow runs out; `pricing.perThousandSamples` makes each call pay through x402.
 */
export const serviceManifestSchema = mapping(
  {
    version: versionSchema,
    kind: enumOf(["service"] as const, (input) =>
      (jobKinds as readonly unknown[]).includes(input)
        ? `a job manifest: read it with parseJobManifest`
        : undefined,
    ),
    model: withIssues(readModelRef),
    resources: resourcesSchema,
    placement: placementSchema,
    pricing: mapping(
      {
        maxPricePerSecond: noosAmount(),
        deposit: noosAmount(),
        perThousandSamples: noosAmount().optional(),
        token: address.optional(),
      },
      ["perThousandSamples", "token"],
    ),
    service: mapping(
      {
        name: serviceName,
        maxBatchSize: integerIn(1, serviceLimits.maxBatchSize).default(64),
        maxQueueDelayMicroseconds: integerIn(0, serviceLimits.maxQueueDelayMicroseconds).default(0),
      },
      ["maxBatchSize", "maxQueueDelayMicroseconds"],
    ),
    bidWindow: durationIn(manifestLimits.bidWindowSeconds).default("30s"),
  } satisfies Record<(typeof serviceManifestFields)[number], z.ZodType>,
  ["placement", "bidWindow"],
).transform((manifest) => manifest as ServiceManifest);
