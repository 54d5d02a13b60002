// What a subnet author writes: one module whose default export is `defineTask({...})` — the
// synapse, the miner's `forward`, the validator's `challenge` and `reward` (Bittensor's
// protocol.py + miner forward + validator forward + reward.py, in one file).
import { InvalidParameterError } from "@noosphere/sdk";
import type { Logger } from "pino";
import type { Address } from "viem";
import type { Synapse } from "./synapse.js";

export type MinerContext = {
  netuid: number;
  uid: number;
  hotkey: Address;
  /** miner.yaml's `task:` block. */
  config: Record<string, unknown>;
  /** The task module's folder (models, data beside it). */
  dir: string;
  log: Logger;
};

export type ValidatorContext = {
  netuid: number;
  uid: number;
  hotkey: Address;
  /** validator.yaml's `task:` block. */
  config: Record<string, unknown>;
  dir: string;
  log: Logger;
  /** Uniform in [0, 1); seeded per validator so a run can be replayed. */
  random: () => number;
};

export type RewardArgs<Req, Res, Truth> = {
  request: Req;
  truth: Truth;
  /** The miner's parsed answer; undefined when it did not answer or answered invalidly. */
  response: Res | undefined;
  latencyMs: number;
  timeoutMs: number;
};

export type SubnetTask<Req, Res, Truth = unknown> = {
  synapse: Synapse<Req, Res>;
  /** Miner side: load a model etc. once before serving. */
  setup?(ctx: MinerContext): Promise<void>;
  forward(req: Req, ctx: MinerContext): Promise<Res>;
  /** Validator side: a fresh challenge and the private truth to score it with. */
  challenge(ctx: ValidatorContext): Promise<{ request: Req; truth: Truth }>;
  /** Score in [0, 1] for one response (undefined response = no/invalid answer → 0). */
  reward(args: RewardArgs<Req, Res, Truth>): number;
};

/** Checks that the task has what the miner and validator call; returns it unchanged (typed). */
export function defineTask<Req, Res, Truth>(
  t: SubnetTask<Req, Res, Truth>,
): SubnetTask<Req, Res, Truth> {
  for (const field of ["forward", "challenge", "reward"] as const) {
    if (typeof t?.[field] !== "function") {
      throw new InvalidParameterError({
        field: `task.${field}`,
        expected: "a function",
        received: t?.[field],
      });
    }
  }
  if (t.setup !== undefined && typeof t.setup !== "function") {
    throw new InvalidParameterError({
      field: "task.setup",
      expected: "a function or nothing",
      received: t.setup,
    });
  }
  if (typeof t.synapse?.name !== "string") {
    throw new InvalidParameterError({
      field: "task.synapse",
      expected: "a synapse from defineSynapse()",
      received: t.synapse,
    });
  }
  return t;
}
