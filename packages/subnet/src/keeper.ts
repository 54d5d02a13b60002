// The keeper (`noos subnet keeper`): anyone may run a subnet's epoch once `tempo` blocks have
// passed, and anyone may mint an account's credited emission to it. Subtensor runs epochs in
// block production; here a keeper sends `runEpoch` when one is due (continuing one in progress
// in chunks of `maxColumns`) and, every `claimEvery` finished epochs, claims for the subnet's
// hotkeys (or only itself). Stops when `common.signal` aborts.
import type { Common } from "@noosphere/node/common";
import { sleep } from "@noosphere/node/follower";
import {
  claimEmissionAndWait,
  getClaimable,
  getNeurons,
  getSubnet,
  type NoosWalletClient,
  runSubnetEpochAndWait,
} from "@noosphere/sdk";
import { type Address, getAddress } from "viem";
import { getBlockNumber } from "viem/actions";
import { isRevert, type SubnetContracts } from "./chain.js";
import { durationMs, type KeeperFile } from "./config.js";

export type KeeperEvent =
  | {
      kind: "epoch";
      netuid: number;
      epochIndex: bigint;
      emission: bigint;
      transactions: number;
      gasUsed: bigint;
    }
  | { kind: "claim"; account: Address; amount: bigint };

export type KeeperConfig = {
  client: NoosWalletClient;
  contracts: Pick<SubnetContracts, "subnetRegistry">;
  file: KeeperFile;
  onEvent?: (e: KeeperEvent) => void;
};

export type Keeper = {
  /** Epochs this keeper finished, and NOOS wei it claimed. */
  stats(): { epochs: number; claims: number; claimed: bigint };
  /** Claims now for the configured accounts (also what the loop does after epochs). */
  claimNow(netuids?: readonly number[]): Promise<void>;
  done: Promise<void>;
};

export function createKeeper(common: Common, config: KeeperConfig): Keeper {
  const { client, file } = config;
  const address = config.contracts.subnetRegistry;
  const log = common.logger.child({ role: "keeper" });
  const intervalMs = durationMs(file.interval, "interval");
  const stats = { epochs: 0, claims: 0, claimed: 0n };
  const finishedSinceClaim = new Map<number, number>();

  const claimFor = async (account: Address) => {
    if ((await getClaimable(client, { address, account })) === 0n) return;
    try {
      const { amount } = await claimEmissionAndWait(client, { address, account });
      stats.claims += 1;
      stats.claimed += amount;
      config.onEvent?.({ kind: "claim", account, amount });
      log.info({ account, amount: amount.toString() }, "claimed");
    } catch (err) {
      if (!isRevert(err, "SubnetNothingToClaim")) throw err; // someone else was first
    }
  };

  const claimNow = async (netuids: readonly number[] = file.netuids) => {
    if (file.claim === "none") return;
    const accounts = new Set<Address>();
    if (file.claim === "self") accounts.add(getAddress(client.account.address));
    else {
      for (const netuid of netuids) {
        const subnet = await getSubnet(client, { address, netuid });
        accounts.add(getAddress(subnet.owner));
        for (const n of await getNeurons(client, { address, netuid }))
          accounts.add(getAddress(n.hotkey));
      }
    }
    for (const account of accounts) await claimFor(account);
  };

  const tick = async () => {
    const block = await getBlockNumber(client, { cacheTime: 0 });
    for (const netuid of file.netuids) {
      const subnet = await getSubnet(client, { address, netuid });
      if (subnet.dissolved) continue;
      // The transaction lands in the next block.
      if (!subnet.epochInProgress && block + 1n < subnet.nextEpochBlock) continue;
      try {
        const run = await runSubnetEpochAndWait(client, {
          address,
          netuid,
          maxColumns: file.maxColumns,
        });
        stats.epochs += 1;
        const gasUsed = run.receipts.reduce((a, r) => a + r.receipt.gasUsed, 0n);
        config.onEvent?.({
          kind: "epoch",
          netuid,
          epochIndex: run.finished.epochIndex,
          emission: run.started?.emission ?? 0n,
          transactions: run.receipts.length,
          gasUsed,
        });
        log.info(
          { netuid, epoch: run.finished.epochIndex.toString(), gasUsed: gasUsed.toString() },
          "epoch finished",
        );
        const since = (finishedSinceClaim.get(netuid) ?? 0) + 1;
        finishedSinceClaim.set(netuid, since);
        if (since >= file.claimEvery) {
          finishedSinceClaim.set(netuid, 0);
          await claimNow([netuid]);
        }
      } catch (err) {
        // Another keeper was first, or the tempo is not reached yet after all.
        if (isRevert(err, "SubnetTempoNotReached")) continue;
        throw err;
      }
    }
  };

  const loop = async () => {
    while (!common.signal.aborted) {
      const started = Date.now();
      try {
        await tick();
      } catch (err) {
        if (common.signal.aborted) break;
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "keeper tick failed");
      }
      await sleep(Math.max(0, intervalMs - (Date.now() - started)), common.signal);
    }
  };
  // A development chain's clock: anvil mines only on transactions unless told to.
  const mineEveryMs =
    file.mineEvery !== undefined ? durationMs(file.mineEvery, "mineEvery") : undefined;
  const miner = async () => {
    if (mineEveryMs === undefined) return;
    while (!common.signal.aborted) {
      await client
        .request({ method: "evm_mine" } as unknown as Parameters<typeof client.request>[0])
        .catch((err: unknown) => log.warn({ err: String(err) }, "evm_mine failed"));
      await sleep(mineEveryMs, common.signal);
    }
  };
  const done = Promise.all([loop(), miner()]).then(() => {});
  log.info(
    { netuids: file.netuids, claim: file.claim, mineEvery: file.mineEvery },
    "keeper running",
  );
  return { stats: () => ({ ...stats }), claimNow, done };
}
