// The miner runner (Bittensor's BaseMinerNeuron): hold a uid, run the task's setup, serve its
// synapse on an axon, publish the axon's URL on chain, and keep the metagraph the axon checks
// callers against fresh from registry events. Stops when `common.signal` aborts.
import path from "node:path";
import type { Common } from "@noosphere/node/common";
import { ALPHA_UNIT, type NoosWalletClient, parseNoos, setEndpointAndWait } from "@noosphere/sdk";
import { type Address, getAddress, type LocalAccount } from "viem";
import { type Axon, createAxon, route } from "./axon.js";
import { ensureNeuron, type SubnetContracts } from "./chain.js";
import { durationMs, type MinerFile } from "./config.js";
import { createMetagraph, type Metagraph } from "./metagraph.js";
import type { MinerContext, SubnetTask } from "./task.js";

export type MinerConfig = {
  client: NoosWalletClient;
  contracts: SubnetContracts;
  // biome-ignore lint/suspicious/noExplicitAny: any author's task
  task: SubnetTask<any, any, any>;
  /** The task module's folder (its models and data). */
  taskDir: string;
  file: MinerFile;
  /** Where relative paths of `file` (stateDir) are resolved: the config file's folder. */
  baseDir: string;
  /** Metagraph polling interval, ms (default 1000). */
  pollingIntervalMs?: number;
};

export type Miner = {
  netuid: number;
  uid: number;
  hotkey: Address;
  url: string;
  axon: Axon;
  metagraph: Metagraph;
  /** Resolves once the miner has stopped (after `common.signal` aborted). */
  done: Promise<void>;
};

export async function createMiner(common: Common, config: MinerConfig): Promise<Miner> {
  const { client, contracts, file } = config;
  const log = common.logger.child({ role: "miner", netuid: file.netuid });
  const hotkey = getAddress(client.account.address);
  const uid = await ensureNeuron(client, contracts, {
    netuid: file.netuid,
    register: file.register,
    maxFee: parseNoos(file.maxRegistrationFee, "maxRegistrationFee"),
    log,
  });
  const ctx: MinerContext = {
    netuid: file.netuid,
    uid,
    hotkey,
    config: file.task,
    dir: config.taskDir,
    log: log.child({ uid }),
  };
  await config.task.setup?.(ctx);

  const metagraph = await createMetagraph(client, {
    netuid: file.netuid,
    registry: contracts.subnetRegistry,
  });
  const unwatch = metagraph.watch({
    pollingInterval: config.pollingIntervalMs ?? 1000,
    resyncMs: 10_000,
    onError: (err) => log.warn({ err: String(err) }, "metagraph sync failed"),
  });
  const stateDir = path.resolve(config.baseDir, file.stateDir);
  const axon = await createAxon({
    account: client.account as LocalAccount,
    netuid: file.netuid,
    synapses: [route(config.task.synapse, (req) => config.task.forward(req, ctx))],
    metagraph,
    host: file.axon.host,
    port: file.axon.port,
    policy: {
      timeWindowMs: durationMs(file.policy.timeWindow, "policy.timeWindow"),
      minValidatorStake:
        parseNoos(file.policy.minValidatorStake, "policy.minValidatorStake") / ALPHA_UNIT,
      blacklist: file.policy.blacklist.map((a) => getAddress(a)),
      maxBodyBytes: file.policy.maxBodyBytes,
      ratePerMinute: file.policy.ratePerMinute,
    },
    stateFile: path.join(stateDir, `axon-${file.netuid}-${hotkey.toLowerCase()}.json`),
    log,
  });
  const url = file.axon.externalUrl ?? axon.url;
  if (metagraph.byUid(uid)?.endpoint !== url) {
    await setEndpointAndWait(client, {
      address: contracts.subnetRegistry,
      netuid: file.netuid,
      endpoint: url,
    });
  }
  log.info({ uid, url, synapse: config.task.synapse.name }, "miner serving");

  const done = new Promise<void>((resolve) => {
    const stop = () => {
      unwatch();
      axon.close().then(resolve, resolve);
    };
    if (common.signal.aborted) stop();
    else common.signal.addEventListener("abort", stop, { once: true });
  });
  return { netuid: file.netuid, uid, hotkey, url, axon, metagraph, done };
}
