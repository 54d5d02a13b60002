// The chain's view of one subnet (Bittensor's metagraph), read from the SubnetRegistry with the
// SDK's getSubnet/getNeurons and refreshed when the registry emits an event for the subnet
// (registrations, endpoints, weights, epochs, hyperparameters) or Staking one for the subnet's
// stake role (stake, unstake, slash), plus a slow periodic resync as a safety net. Proportions are floats in [0, 1] (u16 / 65535),
// as in Bittensor's metagraph; stake and emission are alpha units (1 unit = 1e9 NOOS wei).
// `trust` and `rank` are not kept: Bittensor dropped both in Dec 2025 and our Yuma stores neither.
import {
  getNeurons,
  getSubnet,
  InvalidParameterError,
  type NoosReadClient,
  type Subnet,
  type SubnetHyperparams,
  stakingAbi,
  subnetRegistryAbi,
  subnetStakeRole,
} from "@noosphere/sdk";
import { type Address, getAddress, isAddress } from "viem";
import { getBlockNumber, readContract, watchContractEvent } from "viem/actions";

export type NeuronView = {
  uid: number;
  hotkey: Address;
  /** Stake in the subnet's role, alpha units. */
  stake: bigint;
  /** Stake weight used by the last epoch, [0, 1]. */
  stakeWeight: number;
  consensus: number;
  incentive: number;
  dividends: number;
  validatorTrust: number;
  /** Emission of the last epoch, alpha units. */
  emission: bigint;
  endpoint: string;
  validatorPermit: boolean;
  /** Block of the last weights or commit (0 if none since registration). */
  lastUpdate: bigint;
  registeredAt: bigint;
  active: boolean;
  immune: boolean;
};

export type Metagraph = {
  readonly netuid: number;
  readonly registry: Address;
  readonly neurons: NeuronView[];
  readonly subnet: Subnet;
  readonly hyperparams: SubnetHyperparams;
  /** Block the last sync read. */
  readonly block: bigint;
  /** Re-reads the subnet and every uid (concurrent calls share one read). */
  sync(): Promise<void>;
  /**
   * Resyncs on each registry event of this subnet, each Staking event of its stake role, and
   * every `resyncMs`. Returns the function that stops watching.
   */
  watch(opts?: WatchOptions): () => void;
  byHotkey(hotkey: Address): NeuronView | undefined;
  byUid(uid: number): NeuronView | undefined;
};

export type WatchOptions = {
  /** Periodic resync, ms (default 12 000, one Bittensor block). 0 = events only. */
  resyncMs?: number;
  /** Event polling interval, ms (default: the client's). */
  pollingInterval?: number;
  onSync?: (m: Metagraph) => void;
  onError?: (err: unknown) => void;
};

export type CreateMetagraphOptions = {
  netuid: number;
  /** SubnetRegistry address. */
  registry: Address;
};

const prop = (u16: number) => u16 / 65535;

/** Reads the subnet once and returns a metagraph that `sync()`s and `watch()`es it. */
export async function createMetagraph(
  client: NoosReadClient,
  opts: CreateMetagraphOptions,
): Promise<Metagraph> {
  if (!isAddress(opts.registry ?? "", { strict: false })) {
    throw new InvalidParameterError({
      field: "registry",
      expected: "the SubnetRegistry address",
      received: opts.registry,
    });
  }
  const registry = getAddress(opts.registry);
  const { netuid } = opts;
  let state: {
    neurons: NeuronView[];
    subnet: Subnet;
    block: bigint;
    byHotkey: Map<string, NeuronView>;
  };
  let inFlight: Promise<void> | undefined;
  let again = false;

  const read = async () => {
    const block = await getBlockNumber(client, { cacheTime: 0 });
    const [subnet, raw] = await Promise.all([
      getSubnet(client, { address: registry, netuid }),
      getNeurons(client, { address: registry, netuid }),
    ]);
    const neurons = raw.map(
      (n): NeuronView => ({
        uid: n.uid,
        hotkey: getAddress(n.hotkey),
        stake: n.stake,
        stakeWeight: prop(n.terms.stakeWeight),
        consensus: prop(n.terms.consensus),
        incentive: prop(n.terms.incentive),
        dividends: prop(n.terms.dividends),
        validatorTrust: prop(n.terms.validatorTrust),
        emission: n.terms.emission,
        endpoint: n.endpoint,
        validatorPermit: n.validatorPermit,
        lastUpdate: n.lastUpdate,
        registeredAt: n.registeredAt,
        active: n.terms.active,
        immune: n.immune,
      }),
    );
    state = {
      neurons,
      subnet,
      block,
      byHotkey: new Map(neurons.map((n) => [n.hotkey.toLowerCase(), n])),
    };
  };

  // One read at a time; a sync asked for during a read runs once more after it (it may have
  // been triggered by an event the running read did not see yet).
  const sync = (): Promise<void> => {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      try {
        do {
          again = false;
          await read();
        } while (again);
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  await sync();

  const metagraph: Metagraph = {
    netuid,
    registry,
    get neurons() {
      return state.neurons;
    },
    get subnet() {
      return state.subnet;
    },
    get hyperparams() {
      return state.subnet.hyperparams;
    },
    get block() {
      return state.block;
    },
    sync,
    byHotkey: (hotkey) => state.byHotkey.get(hotkey.toLowerCase()),
    byUid: (uid) => state.neurons[uid],
    watch(w = {}) {
      const resync = () =>
        sync().then(
          () => w.onSync?.(metagraph),
          (err) => w.onError?.(err),
        );
      const polling = w.pollingInterval !== undefined ? { pollingInterval: w.pollingInterval } : {};
      const unwatch: (() => void)[] = [];
      let stopped = false;
      unwatch.push(
        watchContractEvent(client, {
          address: registry,
          abi: subnetRegistryAbi,
          ...polling,
          onLogs: (logs) => {
            const ours = logs.some((l) => {
              const args = (l as { args?: { netuid?: number } }).args;
              // Events without a netuid (config, admin) may change what every subnet sees.
              return args?.netuid === undefined || args.netuid === netuid;
            });
            if (ours) void resync();
          },
          onError: (err) => w.onError?.(err),
        }),
      );
      const role = subnetStakeRole(netuid).toLowerCase();
      readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: "staking" })
        .then((staking) => {
          if (stopped) return;
          unwatch.push(
            watchContractEvent(client, {
              address: staking,
              abi: stakingAbi,
              ...polling,
              onLogs: (logs) => {
                const ours = logs.some(
                  (l) => (l as { args?: { role?: string } }).args?.role?.toLowerCase() === role,
                );
                if (ours) void resync();
              },
              onError: (err) => w.onError?.(err),
            }),
          );
        })
        .catch((err) => w.onError?.(err));
      const resyncMs = w.resyncMs ?? 12_000;
      const timer = resyncMs > 0 ? setInterval(() => void resync(), resyncMs) : undefined;
      timer?.unref();
      return () => {
        stopped = true;
        for (const u of unwatch) u();
        if (timer) clearInterval(timer);
      };
    },
  };
  return metagraph;
}
