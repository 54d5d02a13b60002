// The validator loop (Bittensor's BaseValidatorNeuron + the template's forward):
//   every `query.interval`: sample miners with an endpoint, send them one fresh challenge from
//   the task, score each answer with the task's reward (no valid signed answer = 0), fold the
//   rewards into a moving average per uid and persist it;
//   every `weights.everyBlocks` blocks (never faster than the subnet's rate limit): weights =
//   score^exponent, set directly, or committed (hash on chain, salt kept in the state file)
//   and revealed in the epoch the registry accepts it when commit-reveal is on.
// State (scores, step, unrevealed commits) lives in one file per deployment and hotkey, so a
// restart resumes with its scores and still reveals what it committed (Bittensor's template
// keeps state.npz per wallet; issue nat133 is what losing it costs).
// Unlike the template, only the sampled uids' averages move (it decays every unsampled uid),
// and a uid whose hotkey changed starts again from 0.
import path from "node:path";
import type { Common } from "@noosphere/node/common";
import { sleep } from "@noosphere/node/follower";
import { deploymentKeyOf, openDeploymentState, type StateFile } from "@noosphere/node/state";
import {
  commitWeightsAndWait,
  computeWeightsCommitHash,
  generateWeightsSalt,
  getSubnet,
  type NoosWalletClient,
  parseNoos,
  revealWeightsAndWait,
  type Subnet,
  setWeightsAndWait,
  subnetRegistryAbi,
} from "@noosphere/sdk";
import { type Address, getAddress, type Hex, type LocalAccount } from "viem";
import { getBlockNumber, readContract } from "viem/actions";
import {
  ensureNeuron,
  ensureSubnetStake,
  isRevert,
  type SubnetContracts,
  seededRandom,
} from "./chain.js";
import { durationMs, type ValidatorFile } from "./config.js";
import { createDendrite, type Dendrite, type QueryResult } from "./dendrite.js";
import { createMetagraph, type Metagraph } from "./metagraph.js";
import type { SubnetTask, ValidatorContext } from "./task.js";

export type ScoreEntry = {
  uid: number;
  /** The hotkey the score was earned by. */
  hotkey: Address;
  /** Moving average of rewards, [0, 1]. */
  score: number;
  queries: number;
  /** The last reward and query status. */
  lastReward: number;
  lastStatus: string;
};

export type PendingCommit = {
  uids: number[];
  values: number[];
  salt: Hex;
  versionKey: bigint;
  /** Epoch index at which the registry accepts the reveal (unknown until the commit is mined). */
  revealEpoch?: bigint;
  commitHash?: Hex;
};

export type ValidatorState = {
  /** Rounds run so far. */
  step: number;
  scores: ScoreEntry[];
  commits: PendingCommit[];
  /** Weights set or committed so far, and revealed. */
  weightsSent: number;
  reveals: number;
};

export type ValidatorConfig = {
  client: NoosWalletClient;
  contracts: SubnetContracts;
  // biome-ignore lint/suspicious/noExplicitAny: any author's task
  task: SubnetTask<any, any, any>;
  taskDir: string;
  file: ValidatorFile;
  /** Where relative paths of `file` (stateDir) are resolved: the config file's folder. */
  baseDir: string;
  /** Registry event polling, ms (default: the query interval, at most 1 s). */
  pollingIntervalMs?: number;
};

export type Validator = {
  netuid: number;
  uid: number;
  hotkey: Address;
  metagraph: Metagraph;
  stateFile: string;
  state(): Promise<ValidatorState>;
  /** Resolves once the loop has stopped (after `common.signal` aborted). */
  done: Promise<void>;
};

const initialState = (): ValidatorState => ({
  step: 0,
  scores: [],
  commits: [],
  weightsSent: 0,
  reveals: 0,
});

/** Scores -> u16 weights: score^exponent, max-scaled to 65535, zeros dropped. */
export function scoresToWeights(
  scores: readonly { uid: number; score: number }[],
  exponent: number,
): { uids: number[]; values: number[] } {
  const powered = scores
    .filter((s) => Number.isFinite(s.score) && s.score > 0)
    .map((s) => ({ uid: s.uid, w: s.score ** exponent }));
  const max = Math.max(0, ...powered.map((p) => p.w));
  if (max <= 0) return { uids: [], values: [] };
  const kept = powered
    .map((p) => ({ uid: p.uid, value: Math.round((p.w / max) * 65535) }))
    .filter((p) => p.value > 0)
    .sort((a, b) => a.uid - b.uid);
  return { uids: kept.map((k) => k.uid), values: kept.map((k) => k.value) };
}

export async function createValidator(common: Common, config: ValidatorConfig): Promise<Validator> {
  const { client, contracts, file, task } = config;
  const netuid = file.netuid;
  const log = common.logger.child({ role: file.copyWeights ? "copier" : "validator", netuid });
  const hotkey = getAddress(client.account.address);
  const uid = await ensureNeuron(client, contracts, {
    netuid,
    register: file.register,
    maxFee: parseNoos(file.maxRegistrationFee, "maxRegistrationFee"),
    log,
  });
  const stake = parseNoos(file.stake, "stake");
  if (stake > 0n) await ensureSubnetStake(client, contracts, { netuid, amount: stake, log });

  const stateDir = path.resolve(config.baseDir, file.stateDir);
  const stateFile = path.join(stateDir, `validator-${netuid}-${hotkey.toLowerCase()}.json`);
  const state: StateFile<ValidatorState> = await openDeploymentState({
    file: stateFile,
    deployment: await deploymentKeyOf(client, contracts.subnetRegistry),
    initial: initialState,
    onReset: (message) => log.warn(message),
  });
  const resumed = await state.read();
  if (resumed.step > 0)
    log.info(
      { step: resumed.step, scored: resumed.scores.length, commits: resumed.commits.length },
      "resumed from the state file",
    );

  const intervalMs = durationMs(file.query.interval, "query.interval");
  const timeoutMs = durationMs(file.query.timeout, "query.timeout");
  const metagraph = await createMetagraph(client, { netuid, registry: contracts.subnetRegistry });
  const unwatch = metagraph.watch({
    pollingInterval: config.pollingIntervalMs ?? Math.min(intervalMs, 1000),
    resyncMs: 5_000,
    onError: (err) => log.warn({ err: String(err) }, "metagraph sync failed"),
  });
  const dendrite: Dendrite = createDendrite({
    account: client.account as LocalAccount,
    netuid,
    timeoutMs,
    nonceFile: path.join(stateDir, `dendrite-${netuid}-${hotkey.toLowerCase()}.json`),
  });
  const seed = Number.parseInt(hotkey.slice(2, 10), 16);

  /** One round of queries; returns the rewards by uid. */
  const queryRound = async (step: number): Promise<Map<number, QueryResult<unknown>>> => {
    const candidates = metagraph.neurons.filter((n) => n.uid !== uid && n.endpoint !== "");
    const random = seededRandom(seed ^ step);
    const sampled =
      file.query.sampleSize > 0 && candidates.length > file.query.sampleSize
        ? [...candidates]
            .map((n) => ({ n, k: random() }))
            .sort((a, b) => a.k - b.k)
            .slice(0, file.query.sampleSize)
            .map((x) => x.n)
        : candidates;
    if (sampled.length === 0) return new Map();
    const ctx: ValidatorContext = {
      netuid,
      uid,
      hotkey,
      config: file.task,
      dir: config.taskDir,
      log,
      random,
    };
    const { request, truth } = await task.challenge(ctx);
    const results = await dendrite.query(
      sampled.map((n) => ({ uid: n.uid, hotkey: n.hotkey, endpoint: n.endpoint })),
      task.synapse,
      request,
      { timeoutMs },
    );
    const rewards = new Map<number, QueryResult<unknown>>();
    await state.update((s) => {
      for (const r of results) {
        let reward = 0;
        if (r.status === "ok") {
          try {
            const raw = task.reward({
              request,
              truth,
              response: r.response,
              latencyMs: r.latencyMs,
              timeoutMs,
            });
            reward = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
          } catch (err) {
            log.warn({ uid: r.uid, err: String(err) }, "reward threw: scored 0");
          }
        }
        const hk = getAddress(r.hotkey);
        let entry = s.scores.find((e) => e.uid === r.uid);
        if (!entry || entry.hotkey !== hk) {
          s.scores = s.scores.filter((e) => e.uid !== r.uid);
          entry = { uid: r.uid, hotkey: hk, score: 0, queries: 0, lastReward: 0, lastStatus: "" };
          s.scores.push(entry);
        }
        entry.score = file.scores.alpha * reward + (1 - file.scores.alpha) * entry.score;
        entry.queries += 1;
        entry.lastReward = reward;
        entry.lastStatus = r.status;
        rewards.set(r.uid, r);
      }
      s.scores.sort((a, b) => a.uid - b.uid);
      s.step = step;
      return s;
    });
    return rewards;
  };

  /** The copier's "scores": the stake-weighted mean of the weights others revealed. */
  const copiedScores = async (): Promise<{ uid: number; score: number }[]> => {
    const sums = new Map<number, number>();
    for (const v of metagraph.neurons) {
      if (v.uid === uid || !v.validatorPermit || v.stake === 0n) continue;
      const [uids, values] = await readContract(client, {
        address: contracts.subnetRegistry,
        abi: subnetRegistryAbi,
        functionName: "weightsOf",
        args: [netuid, v.uid],
      });
      const total = values.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      uids.forEach((u, i) => {
        sums.set(u, (sums.get(u) ?? 0) + (Number(v.stake) * (values[i] as number)) / total);
      });
    }
    const max = Math.max(0, ...sums.values());
    return [...sums.entries()]
      .filter(([u]) => u !== uid)
      .map(([u, s]) => ({ uid: u, score: max > 0 ? s / max : 0 }));
  };

  const versionKey = (subnet: Subnet) =>
    BigInt(Math.max(file.weights.versionKey, Number(subnet.hyperparams.weightsVersionKey)));

  /** Sets or commits weights when due. */
  const maybeSetWeights = async (block: bigint, subnet: Subnet) => {
    const me = metagraph.byUid(uid);
    if (!me?.validatorPermit || subnet.epochInProgress) return;
    const every = BigInt(
      Math.max(file.weights.everyBlocks, Number(subnet.hyperparams.weightsSetRateLimit)),
    );
    const lastUpdate = await readContract(client, {
      address: contracts.subnetRegistry,
      abi: subnetRegistryAbi,
      functionName: "lastUpdate",
      args: [netuid, uid],
    });
    // The transaction lands in the next block.
    if (lastUpdate !== 0n && block + 1n < lastUpdate + every) return;
    const current = await state.read();
    const scores = file.copyWeights
      ? await copiedScores()
      : current.scores.filter((s) => metagraph.byUid(s.uid)?.hotkey === s.hotkey);
    const { uids, values } = scoresToWeights(scores, file.weights.exponent);
    const min = Math.min(subnet.hyperparams.minAllowedWeights, subnet.n);
    if (uids.length === 0 || uids.length < min) return; // nothing (enough) learned yet
    const key = versionKey(subnet);
    if (!subnet.hyperparams.commitReveal) {
      const { hash } = await setWeightsAndWait(client, {
        address: contracts.subnetRegistry,
        netuid,
        uids,
        values,
        versionKey: key,
      });
      await state.update((s) => ({ ...s, weightsSent: s.weightsSent + 1 }));
      log.info({ uids, values, tx: hash }, "weights set");
      return;
    }
    if (current.commits.length >= 10) return; // the registry keeps at most 10 unrevealed
    // The salt is on disk before the commit is sent: a crash in between can still reveal.
    const pending: PendingCommit = { uids, values, salt: generateWeightsSalt(), versionKey: key };
    await state.update((s) => ({ ...s, commits: [...s.commits, pending] }));
    try {
      const committed = await commitWeightsAndWait(client, {
        address: contracts.subnetRegistry,
        netuid,
        uids,
        values,
        salt: pending.salt,
        versionKey: key,
      });
      await state.update((s) => ({
        ...s,
        weightsSent: s.weightsSent + 1,
        commits: s.commits.map((c) =>
          c.salt === pending.salt
            ? { ...c, revealEpoch: committed.revealEpoch, commitHash: committed.commitHash }
            : c,
        ),
      }));
      log.info({ uids, values, revealEpoch: committed.revealEpoch }, "weights committed");
    } catch (err) {
      await state.update((s) => ({
        ...s,
        commits: s.commits.filter((c) => c.salt !== pending.salt),
      }));
      throw err;
    }
  };

  /** Reveals every commit whose epoch has come; drops the ones that expired. */
  const maybeReveal = async (subnet: Subnet) => {
    if (subnet.epochInProgress) return;
    const { commits } = await state.read();
    for (const c of commits) {
      if (c.revealEpoch === undefined) {
        // Sent before a crash, outcome unknown: the registry's commit list says.
        const onChain = await readContract(client, {
          address: contracts.subnetRegistry,
          abi: subnetRegistryAbi,
          functionName: "commitsOf",
          args: [netuid, uid],
        });
        const hash = computeWeightsCommitHash({ hotkey, netuid, ...c });
        const found = onChain.find((o) => o.commitHash === hash);
        await state.update((s) => ({
          ...s,
          commits: found
            ? s.commits.map((x) =>
                x.salt === c.salt
                  ? {
                      ...x,
                      commitHash: hash,
                      revealEpoch: found.commitEpoch + subnet.hyperparams.revealPeriodEpochs,
                    }
                  : x,
              )
            : s.commits.filter((x) => x.salt !== c.salt),
        }));
        continue;
      }
      if (subnet.epochIndex < c.revealEpoch) continue;
      if (subnet.epochIndex > c.revealEpoch) {
        log.warn({ revealEpoch: c.revealEpoch, epoch: subnet.epochIndex }, "commit expired");
        await state.update((s) => ({ ...s, commits: s.commits.filter((x) => x.salt !== c.salt) }));
        continue;
      }
      try {
        await revealWeightsAndWait(client, {
          address: contracts.subnetRegistry,
          netuid,
          uids: c.uids,
          values: c.values,
          salt: c.salt,
          versionKey: c.versionKey,
        });
        log.info({ epoch: subnet.epochIndex, uids: c.uids }, "weights revealed");
        await state.update((s) => ({
          ...s,
          reveals: s.reveals + 1,
          commits: s.commits.filter((x) => x.salt !== c.salt),
        }));
      } catch (err) {
        if (isRevert(err, "SubnetCommitNotFound") || isRevert(err, "SubnetCommitExpired")) {
          log.warn({ err: String(err) }, "commit cannot be revealed: dropped");
          await state.update((s) => ({
            ...s,
            commits: s.commits.filter((x) => x.salt !== c.salt),
          }));
        } else throw err;
      }
    }
  };

  let waitingLogged = false;
  const loop = async () => {
    let step = resumed.step;
    while (!common.signal.aborted) {
      const started = Date.now();
      try {
        const me = metagraph.byUid(uid);
        if (!me?.validatorPermit) {
          if (!waitingLogged) log.info({ uid }, "waiting for a validator permit (next epoch)");
          waitingLogged = true;
          await metagraph.sync();
        } else {
          waitingLogged = false;
          // Reveals first: the registry takes them only during one epoch. The subnet is read
          // fresh each round (the metagraph may lag the epoch by a poll).
          const [subnet, block] = await Promise.all([
            getSubnet(client, { address: contracts.subnetRegistry, netuid }),
            getBlockNumber(client, { cacheTime: 0 }),
          ]);
          await maybeReveal(subnet);
          if (!file.copyWeights) await queryRound(++step);
          await maybeSetWeights(block, subnet);
        }
      } catch (err) {
        if (common.signal.aborted) break;
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "round failed");
        await metagraph.sync().catch(() => {});
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - started)), common.signal);
    }
    unwatch();
  };
  const done = loop();
  log.info({ uid, stateFile, copy: file.copyWeights }, "validator running");
  return {
    netuid,
    uid,
    hotkey,
    metagraph,
    stateFile,
    state: () => state.read(),
    done,
  };
}
