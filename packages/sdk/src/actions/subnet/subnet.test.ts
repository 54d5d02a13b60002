// Subnets through the SDK, against a real anvil with the real contracts (registry + Yuma engine).
import { startTestDeployment, type TestDeployment, withSnapshot } from "@noosphere/devnet";
import { parseEther } from "viem";
import { readContract } from "viem/actions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ContractRevertError, InvalidParameterError } from "../../errors.js";
import { noosTokenAbi, subnetRegistryAbi } from "../../generated/abis.js";
import { maxUpscaleWeights } from "../../yuma/index.js";
import { computeWeightsCommitHash, generateWeightsSalt } from "./commitHash.js";
import { ALPHA_UNIT, subnetStakeRole } from "./types.js";

let net: TestDeployment;
beforeAll(async () => {
  net = await startTestDeployment();
});
afterAll(async () => {
  await net?.stop();
});
withSnapshot(() => net.testClient, { beforeEach, afterEach });

const TEMPO = 5n;

/** Owner (account 1) creates a subnet with a short tempo; accounts 2..5 register as uids 0..3. */
async function setupSubnet(commitReveal: boolean) {
  const { subnetRegistry } = net.deployment.contracts;
  const owner = net.client(1);
  await owner.approveAndWait({ spender: subnetRegistry, amount: parseEther("100") });
  const { netuid } = await owner.createSubnetAndWait();
  await owner.setHyperparamsAndWait({
    netuid,
    hyperparams: { tempo: TEMPO, weightsSetRateLimit: 0n, immunityPeriod: 0n, commitReveal },
  });
  const neurons = [2, 3, 4, 5].map((i) => net.client(i));
  for (const [i, neuron] of neurons.entries()) {
    await neuron.approveAndWait({ spender: subnetRegistry, amount: parseEther("1") });
    const { uid } = await neuron.registerNeuronAndWait({ netuid });
    expect(uid).toBe(i);
  }
  return { owner, netuid, neurons };
}

async function stake(index: number, netuid: number, amount: bigint) {
  const client = net.client(index);
  await client.approveAndWait({ spender: net.deployment.contracts.staking, amount });
  await client.stakeAndWait({ role: subnetStakeRole(netuid), amount });
}

/** Mines up to the next epoch and runs it in chunks of 3 units. */
async function epoch(netuid: number) {
  const keeper = net.client(9);
  const subnet = await keeper.getSubnet({ netuid });
  const now = await keeper.getBlockNumber();
  // The epoch's transaction lands in the next block.
  if (now + 1n < subnet.nextEpochBlock) {
    await net.testClient.mine({ blocks: Number(subnet.nextEpochBlock - now - 1n) });
  }
  return keeper.runSubnetEpochAndWait({ netuid, maxColumns: 3 });
}

describe("subnets", () => {
  it("create, register, stake, weights, chunked epochs, claims: emission is conserved", async () => {
    const { subnetRegistry, token } = net.deployment.contracts;
    const { owner, netuid, neurons } = await setupSubnet(false);
    const [v0, v1, m2, m3] = neurons as [
      (typeof neurons)[0],
      (typeof neurons)[0],
      (typeof neurons)[0],
      (typeof neurons)[0],
    ];
    await m2.setEndpointAndWait({ netuid, endpoint: "http://127.0.0.1:8091" });
    await stake(2, netuid, parseEther("600"));
    await stake(3, netuid, parseEther("400"));

    const first = await epoch(netuid);
    // Finding 11: a small subnet's epoch finishes in the call that starts it, whatever the budget.
    expect(first.receipts.length).toBe(1);
    // A new subnet has no stake weight before its first epoch: it earns from the second on.
    expect(first.started?.emission).toBe(0n);
    expect((await v0.getSubnet({ netuid })).stakeWeight).toBe(parseEther("500") / ALPHA_UNIT);
    expect(first.started?.netuid).toBe(netuid);
    expect(first.finished.epochIndex).toBe(1n);
    const validator = await v0.getNeuron({ netuid, uid: 0 });
    expect(validator.validatorPermit).toBe(true);
    expect(validator.stake).toBe(parseEther("600") / ALPHA_UNIT);

    await v0.setWeightsAndWait({ netuid, uids: [2, 3], values: [3, 1] });
    await v1.setWeightsAndWait({ netuid, uids: [2, 3], values: [3, 1] });
    const [, stored] = await readContract(v0, {
      address: subnetRegistry,
      abi: subnetRegistryAbi,
      functionName: "weightsOf",
      args: [netuid, 0],
    });
    expect([...stored]).toEqual(maxUpscaleWeights([3, 1]));

    const second = await epoch(netuid);
    const rao = second.finished.totalServer + second.finished.totalValidator;
    expect(rao).toBeGreaterThan(0n);
    const all = await m3.getNeurons({ netuid });
    expect(all.map((n) => n.hotkey)).toEqual(neurons.map((c) => c.account.address));
    expect(all[2]?.endpoint).toBe("http://127.0.0.1:8091");
    const e2 = all[2]?.lastEmission ?? 0n;
    const e3 = all[3]?.lastEmission ?? 0n;
    expect(e2).toBeGreaterThan(e3);
    expect(e3).toBeGreaterThan(0n);
    expect(all[2]?.terms.incentive).toBeGreaterThan(all[3]?.terms.incentive ?? 0);
    expect(all[0]?.terms.dividends).toBeGreaterThan(all[1]?.terms.dividends ?? 0);

    // Conservation: everything credited is claimable, and claims mint exactly that.
    const accounts = [owner, ...neurons].map((c) => c.account.address);
    const claimable = await Promise.all(accounts.map((account) => m2.getClaimable({ account })));
    const [credited, claimed] = await readContract(m2, {
      address: subnetRegistry,
      abi: subnetRegistryAbi,
      functionName: "emissionTotals",
    });
    expect(claimed).toBe(0n);
    expect(claimable.reduce((a, b) => a + b, 0n)).toBe(credited);
    const totalSupply = () =>
      readContract(m2, { address: token, abi: noosTokenAbi, functionName: "totalSupply" });
    const supply = await totalSupply();
    const balance = await m2.getTokenBalance({ account: m2.account.address });
    const { amount } = await m2.claimEmissionAndWait();
    expect(amount).toBe(claimable[3]);
    expect(await totalSupply()).toBe(supply + amount);
    expect(await m2.getTokenBalance({ account: m2.account.address })).toBe(balance + amount);
    expect(await m2.getClaimable({ account: m2.account.address })).toBe(0n);

    // Nothing left to claim: the named contract error.
    const error = await m2.claimEmission().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertError);
    expect((error as ContractRevertError).name).toBe("SubnetNothingToClaim");
  });

  it("commit-reveal: the SDK hash matches, reveals wait one epoch", async () => {
    const { subnetRegistry } = net.deployment.contracts;
    const { netuid, neurons } = await setupSubnet(true);
    const validator = neurons[0];
    if (!validator) throw new Error("no validator");
    await stake(2, netuid, parseEther("1000"));
    await epoch(netuid); // the stake earns uid 0 its permit

    const salt = generateWeightsSalt();
    const weights = { netuid, uids: [2, 3], values: [1, 1] };
    const { commitHash, revealEpoch } = await validator.commitWeightsAndWait({ ...weights, salt });
    expect(revealEpoch).toBe(2n);
    expect(commitHash).toBe(
      computeWeightsCommitHash({ hotkey: validator.account.address, ...weights, salt }),
    );
    const commits = await readContract(validator, {
      address: subnetRegistry,
      abi: subnetRegistryAbi,
      functionName: "commitsOf",
      args: [netuid, 0],
    });
    expect(commits[0]?.commitHash).toBe(commitHash);

    const early = await validator.revealWeights({ ...weights, salt }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ContractRevertError);
    expect((early as ContractRevertError).name).toBe("SubnetRevealTooEarly");
    expect((early as ContractRevertError).args).toEqual([netuid, 0, 1n, 2n]);

    await epoch(netuid);
    const { event } = await validator.revealWeightsAndWait({ ...weights, salt });
    expect(event.commitHash).toBe(commitHash);
    await epoch(netuid);
    const miners = await Promise.all([2, 3].map((uid) => validator.getNeuron({ netuid, uid })));
    expect(miners[0]?.lastEmission).toBeGreaterThan(0n);
  });

  it("validates inputs before sending, naming the field", async () => {
    const client = net.client(2);
    await expect(
      client.setWeights({ netuid: 1, uids: [1, 1], values: [1, 2] }),
    ).rejects.toMatchObject({ name: "InvalidParameterError", field: "uids[1]" });
    await expect(client.setWeights({ netuid: 1, uids: [1], values: [70_000] })).rejects.toThrow(
      InvalidParameterError,
    );
    await expect(client.getSubnet({ netuid: 0 })).rejects.toMatchObject({ field: "netuid" });
    await expect(
      client.setEndpoint({ netuid: 1, endpoint: "x".repeat(257) }),
    ).rejects.toMatchObject({ field: "endpoint" });
    // A contract error comes back decoded, with its values.
    const unknown = await client.registerNeuron({ netuid: 42, maxFee: 0n }).catch((e) => e);
    expect(unknown).toBeInstanceOf(ContractRevertError);
    expect((unknown as ContractRevertError).name).toBe("SubnetUnknown");
  });

  it("the lock cost doubles with each subnet; an early dissolution burns the lock", async () => {
    const { subnetRegistry, token } = net.deployment.contracts;
    const owner = net.client(1);
    await owner.approveAndWait({ spender: subnetRegistry, amount: parseEther("300") });
    const read = <F extends "lockCost" | "totalStakeWeight">(functionName: F) =>
      readContract(owner, { address: subnetRegistry, abi: subnetRegistryAbi, functionName });
    expect(await read("lockCost")).toBe(parseEther("100"));
    const first = await owner.createSubnetAndWait();
    expect(first.event.locked).toBe(parseEther("100"));
    expect(await read("lockCost")).toBe(parseEther("200"));
    const second = await owner.createSubnetAndWait();
    // 2 x the last lock, minus its linear decay over the blocks since (57,600-block interval).
    const elapsed = second.receipt.blockNumber - first.receipt.blockNumber;
    const lock = parseEther("200") - (parseEther("100") * elapsed) / 57_600n;
    expect(elapsed).toBeGreaterThan(0n);
    expect(second.event.locked).toBe(lock);

    const supply = () =>
      readContract(owner, { address: token, abi: noosTokenAbi, functionName: "totalSupply" });
    const before = await supply();
    const balance = await owner.getTokenBalance({ account: owner.account.address });
    const { event } = await owner.dissolveSubnetAndWait({ netuid: second.netuid });
    expect(event.returned).toBe(0n);
    expect(event.burned).toBe(lock);
    expect(await supply()).toBe(before - lock);
    expect(await owner.getTokenBalance({ account: owner.account.address })).toBe(balance);
    expect(await read("totalStakeWeight")).toBe(0n);
  });

  it("hyperparameter bounds come back as SubnetParamOutOfRange", async () => {
    const { subnetRegistry } = net.deployment.contracts;
    const owner = net.client(1);
    await owner.approveAndWait({ spender: subnetRegistry, amount: parseEther("100") });
    const { netuid } = await owner.createSubnetAndWait();
    const subnet = await owner.getSubnet({ netuid });
    expect(subnet.hyperparams.tempo).toBe(360n);
    expect(subnet.hyperparams.commitReveal).toBe(true);
    expect(subnet.nextEpochBlock).toBe(subnet.lastEpochBlock + 360n);
    const error = await owner
      .setHyperparams({ netuid, hyperparams: { revealPeriodEpochs: 0n } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertError);
    expect((error as ContractRevertError).name).toBe("SubnetParamOutOfRange");
    expect((error as ContractRevertError).args[2]).toBe(0n);
  });
});
