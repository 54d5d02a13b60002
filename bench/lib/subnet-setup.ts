// Chain setup shared by the sections of bench/subnet.ts (D's gas-per-tempo section included):
// a subnet on a test deployment, neurons registered, validators staked and given permits.
import type { TestDeployment } from "@noosphere/devnet";
import { type SubnetHyperparams, subnetStakeRole } from "@noosphere/sdk";
import { parseEther } from "viem";

/** What a bench section gets: one devnet for the whole run (sections make their own subnets). */
export type BenchContext = {
  net: TestDeployment;
  log: (message: string) => void;
};

/** A section of bench/results/subnet.json: `run` returns what is written under its name. */
export type BenchSection = {
  name: string;
  about: string;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
};

/** Mines up to the subnet's next epoch and runs it to the end. */
export async function runEpoch(net: TestDeployment, netuid: number, keeperIndex = 0) {
  const keeper = net.client(keeperIndex);
  const subnet = await keeper.getSubnet({ netuid });
  const now = await keeper.getBlockNumber();
  if (now + 1n < subnet.nextEpochBlock)
    await net.testClient.mine({ blocks: Number(subnet.nextEpochBlock - now - 1n) });
  return keeper.runSubnetEpochAndWait({ netuid });
}

/**
 * Account `owner` creates a subnet; `neurons` (dev account indexes) register in that order
 * (uid = position), concurrently in batches; `stakes` (index -> NOOS wei) are staked; one epoch
 * then hands permits to the staked ones.
 */
export async function setupSubnet(
  net: TestDeployment,
  params: {
    owner: number;
    neurons: readonly number[];
    stakes: ReadonlyMap<number, bigint>;
    hyperparams?: Partial<SubnetHyperparams>;
  },
): Promise<{ netuid: number }> {
  const { subnetRegistry, staking } = net.deployment.contracts;
  const owner = net.client(params.owner);
  await owner.approveAndWait({ spender: subnetRegistry, amount: parseEther("1000") });
  const { netuid } = await owner.createSubnetAndWait();
  await owner.setHyperparamsAndWait({
    netuid,
    hyperparams: { tempo: 2n, weightsSetRateLimit: 0n, immunityPeriod: 0n, ...params.hyperparams },
  });
  // Approvals in parallel (different senders), registrations in order (uid = position).
  await Promise.all(
    params.neurons.map((i) =>
      net.client(i).approveAndWait({ spender: subnetRegistry, amount: parseEther("10") }),
    ),
  );
  for (const i of params.neurons) await net.client(i).registerNeuronAndWait({ netuid });
  for (const [i, amount] of params.stakes) {
    const c = net.client(i);
    await c.approveAndWait({ spender: staking, amount });
    await c.stakeAndWait({ role: subnetStakeRole(netuid), amount });
  }
  await runEpoch(net, netuid);
  return { netuid };
}
