// The documented JSON form of one epoch (specs/yuma-io.md, yuma-example.json): snake_case keys,
// integers that may exceed 2^53 written as JSON numbers (read back exactly with parseJsonBig) or
// accepted as decimal strings.
import { InvalidParameterError } from "../errors.js";
import type { SparseRow, YumaOutput, YumaParams, YumaState } from "./epoch.js";

// ---------------------------------------------------------------------------- JSON with bigints

/**
 * JSON.parse that keeps integers exact: integer literals outside ±(2^53−1) become bigint, all
 * other numbers stay numbers. Throws SyntaxError with the offset on malformed input.
 */
export function parseJsonBig(text: string): unknown {
  let pos = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`JSON: ${what} at offset ${pos}`);
  };
  const ws = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos] as string)) pos++;
  };
  const value = (): unknown => {
    ws();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[pos] === "}") {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail("expected a string key");
        const key = str();
        ws();
        if (text[pos] !== ":") fail("expected ':'");
        pos++;
        obj[key] = value();
        ws();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      pos++;
      const arr: unknown[] = [];
      ws();
      if (text[pos] === "]") {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith("null", pos)) {
      pos += 4;
      return null;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (!m) return fail("unexpected token");
    pos += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const big = BigInt(m[0]);
      return big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)
        ? big
        : Number(big);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
    if (pos >= text.length) fail("unterminated string");
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const out = value();
  ws();
  if (pos !== text.length) fail("trailing characters");
  return out;
}

/** JSON.stringify that writes bigints as plain JSON numbers (exact decimal text). */
export function stringifyJsonBig(value: unknown, indent = 2): string {
  const marks: string[] = [];
  // A per-call nonce makes the placeholder impossible to meet in the caller's own strings.
  const tag = `bigint-${Math.random().toString(36).slice(2)}-`;
  const text = JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v !== "bigint") return v;
      marks.push(v.toString());
      return `${tag}${marks.length - 1}`;
    },
    indent,
  );
  return text.replace(
    new RegExp(`"${tag}(\\d+)"`, "g"),
    (_m, i: string) => marks[Number(i)] as string,
  );
}

// ---------------------------------------------------------------------------- input

function bad(field: string, expected: string, received: unknown): never {
  throw new InvalidParameterError({ field, expected, received });
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(field, "an object", v);
  return v as Record<string, unknown>;
}

function arr(v: unknown, field: string, length?: number): unknown[] {
  if (!Array.isArray(v))
    bad(field, length === undefined ? "an array" : `an array of ${length} entries`, v);
  if (length !== undefined && v.length !== length)
    bad(field, `an array of n = ${length} entries`, `${v.length} entries`);
  return v;
}

/** An unsigned integer (number, bigint or decimal string) within [0, maxValue]. */
function uint(v: unknown, field: string, maxValue: bigint, what: string): bigint {
  let b: bigint | undefined;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === "string" && /^\d+$/.test(v)) b = BigInt(v);
  if (b === undefined || b < 0n || b > maxValue) bad(field, what, v);
  return b;
}

const U64 = (1n << 64n) - 1n;
const u64 = (v: unknown, f: string) =>
  uint(v, f, U64, "an unsigned 64-bit integer (number or decimal string)");
const u16 = (v: unknown, f: string) => Number(uint(v, f, 65535n, "an integer in [0, 65535]"));

function int16(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < -32768 || v > 32767)
    bad(field, "an integer in [-32768, 32767]", v);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") bad(field, "true or false", v);
  return v;
}

function sparseRows(v: unknown, field: string, n: number): SparseRow[] {
  return arr(v, field, n).map((row, i) =>
    arr(row, `${field}[${i}]`).map((cell, k) => {
      const f = `${field}[${i}][${k}]`;
      const pair = arr(cell, f);
      if (pair.length !== 2) bad(f, "a [uid, u16] pair", cell);
      const uid = Number(uint(pair[0], `${f}[0]`, BigInt(Math.max(n - 1, 0)), `a uid < n = ${n}`));
      return [uid, u16(pair[1], `${f}[1]`)] as [number, number];
    }),
  );
}

const PARAM_KEYS = [
  "tempo",
  "kappa",
  "bonds_penalty",
  "bonds_moving_average",
  "yuma3",
  "liquid_alpha",
  "alpha_low",
  "alpha_high",
  "alpha_sigmoid_steepness",
  "max_allowed_validators",
  "rao_emission",
  "owner_uid",
  "stake_threshold",
] as const;

/**
 * The `{ params, input_state }` document of yuma-io.md → runEpoch arguments. Also accepts the
 * optional `params.activity_cutoff`, `params.commit_reveal`, `input_state.commit_block`
 * (per uid, null = no pending commit) and `input_state.last_mechanism_step_block`.
 * Every error is an InvalidParameterError naming the field.
 */
export function parseEpochInput(json: unknown): { params: YumaParams; state: YumaState } {
  const doc = obj(json, "input");
  const p = obj(doc.params, "params");
  for (const k of PARAM_KEYS) if (!(k in p)) bad(`params.${k}`, "a value (required)", undefined);
  const s = obj(doc.input_state, "input_state");
  const nBig = uint(s.n, "input_state.n", 65536n, "an integer in [0, 65536]");
  const n = Number(nBig);

  const ownerRaw = p.owner_uid;
  const ownerUid =
    ownerRaw === null
      ? null
      : Number(uint(ownerRaw, "params.owner_uid", BigInt(n - 1), `null or a uid < n = ${n}`));
  const alphaLow = u16(p.alpha_low, "params.alpha_low");
  const alphaHigh = u16(p.alpha_high, "params.alpha_high");
  const params: YumaParams = {
    tempo: u64(p.tempo, "params.tempo"),
    kappa: u16(p.kappa, "params.kappa"),
    bondsPenalty: u16(p.bonds_penalty, "params.bonds_penalty"),
    bondsMovingAverage: u64(p.bonds_moving_average, "params.bonds_moving_average"),
    yuma3: bool(p.yuma3, "params.yuma3"),
    liquidAlpha: bool(p.liquid_alpha, "params.liquid_alpha"),
    alphaLow,
    alphaHigh,
    alphaSigmoidSteepness: int16(p.alpha_sigmoid_steepness, "params.alpha_sigmoid_steepness"),
    maxAllowedValidators: u16(p.max_allowed_validators, "params.max_allowed_validators"),
    raoEmission: u64(p.rao_emission, "params.rao_emission"),
    ownerUid,
    stakeThreshold: u64(p.stake_threshold, "params.stake_threshold"),
  };
  if (p.activity_cutoff !== undefined)
    params.activityCutoff = u64(p.activity_cutoff, "params.activity_cutoff");
  if (p.commit_reveal !== undefined)
    params.commitReveal = bool(p.commit_reveal, "params.commit_reveal");

  const stake = arr(s.stake, "input_state.stake", n).map((v, i) =>
    u64(v, `input_state.stake[${i}]`),
  );
  // I64F64 holds 63 integer bits: a larger total would saturate in subtensor too (never on chain).
  const total = stake.reduce((a, b) => a + b, 0n);
  if (total >= 1n << 63n) bad("input_state.stake", "a total stake below 2^63", total.toString());
  const state: YumaState = {
    n,
    currentBlock: u64(s.current_block, "input_state.current_block"),
    stake,
    weights: sparseRows(s.weights, "input_state.weights", n),
    bonds: sparseRows(s.bonds, "input_state.bonds", n),
    lastUpdate: arr(s.last_update, "input_state.last_update", n).map((v, i) =>
      u64(v, `input_state.last_update[${i}]`),
    ),
    blockAtRegistration: arr(s.block_at_registration, "input_state.block_at_registration", n).map(
      (v, i) => u64(v, `input_state.block_at_registration[${i}]`),
    ),
    validatorPermit: arr(s.validator_permit, "input_state.validator_permit", n).map((v, i) =>
      bool(v, `input_state.validator_permit[${i}]`),
    ),
  };
  if (s.commit_block !== undefined)
    state.commitBlock = arr(s.commit_block, "input_state.commit_block", n).map((v, i) =>
      v === null ? null : u64(v, `input_state.commit_block[${i}]`),
    );
  if (s.last_mechanism_step_block !== undefined)
    state.lastMechanismStepBlock = u64(
      s.last_mechanism_step_block,
      "input_state.last_mechanism_step_block",
    );
  return { params, state };
}

// ---------------------------------------------------------------------------- output

/** The output object of yuma-example.json (`vector.epochs[k].output`): same keys, same order. */
export function epochOutputToJson(out: YumaOutput): Record<string, unknown> {
  return {
    consensus_u16: out.consensusU16,
    incentive_u16: out.incentiveU16,
    dividends_u16: out.dividendsU16,
    validator_trust_u16: out.validatorTrustU16,
    stake_weight_u16: out.stakeWeightU16,
    consensus_bits: out.consensusBits,
    incentive_bits: out.incentiveBits,
    dividends_bits: out.dividendsBits,
    active_stake_bits: out.activeStakeBits,
    server_emission: out.serverEmission,
    validator_emission: out.validatorEmission,
    emission: out.emission,
    new_validator_permit: out.newValidatorPermit,
    active: out.active,
    bonds_u16_stored: out.bondsU16Stored,
  };
}

/** runEpoch arguments → the `{ params, input_state }` document (inverse of parseEpochInput). */
export function epochInputToJson(params: YumaParams, state: YumaState): Record<string, unknown> {
  const p: Record<string, unknown> = {
    tempo: params.tempo,
    kappa: params.kappa,
    bonds_penalty: params.bondsPenalty,
    bonds_moving_average: params.bondsMovingAverage,
    yuma3: params.yuma3,
    liquid_alpha: params.liquidAlpha,
    alpha_low: params.alphaLow,
    alpha_high: params.alphaHigh,
    alpha_sigmoid_steepness: params.alphaSigmoidSteepness,
    max_allowed_validators: params.maxAllowedValidators,
    rao_emission: params.raoEmission,
    owner_uid: params.ownerUid,
    stake_threshold: params.stakeThreshold,
  };
  if (params.activityCutoff !== undefined) p.activity_cutoff = params.activityCutoff;
  if (params.commitReveal !== undefined) p.commit_reveal = params.commitReveal;
  const s: Record<string, unknown> = {
    n: state.n,
    current_block: state.currentBlock,
    stake: state.stake,
    weights: state.weights,
    bonds: state.bonds,
    last_update: state.lastUpdate,
    block_at_registration: state.blockAtRegistration,
    validator_permit: state.validatorPermit,
  };
  if (state.commitBlock !== undefined) s.commit_block = state.commitBlock;
  if (state.lastMechanismStepBlock !== undefined)
    s.last_mechanism_step_block = state.lastMechanismStepBlock;
  return { params: p, input_state: s };
}
