// `noos subnet create | register | hyperparams | metagraph | weights | claim` against a real anvil
// with the real SubnetRegistry, in-process on a commander program with only this command (through
// a deployment file, as on any EVM chain): a subnet's whole life from the command line, and the
// errors that name what was wrong.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { ContractRevertError, InvalidParameterError, subnetStakeRole } from "@noosphere/sdk";
import { Command } from "commander";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureStdout } from "../../test-support/captureStdout.js";
import type { GlobalOptions } from "../context.js";
import { loadTask, parseHyperparamAssignments, registerSubnet } from "./subnet.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let net: TestDeployment;
let dir: string;
let networkFile: string;
const OWNER = 1;
const MINER = 2;
const VALIDATOR = 3;

/** Runs `noos --json <args>` in-process as dev account `account`; returns the parsed JSON. */
async function noos(account: number, ...args: string[]): Promise<Record<string, unknown>> {
  const program = new Command("noos").exitOverride();
  registerSubnet(
    program,
    () =>
      ({
        dir,
        network: networkFile,
        privateKey: net.accounts[account]?.privateKey,
        json: true,
      }) as GlobalOptions,
  );
  const out = await captureStdout(() => program.parseAsync(["node", "noos", ...args]));
  return JSON.parse(out) as Record<string, unknown>;
}

async function fails(account: number, ...args: string[]): Promise<unknown> {
  return noos(account, ...args).then(
    () => {
      throw new Error(`noos ${args.join(" ")} succeeded`);
    },
    (err: unknown) => err,
  );
}

async function epoch(netuid: number) {
  const keeper = net.client(9);
  const subnet = await keeper.getSubnet({ netuid });
  const now = await keeper.getBlockNumber();
  if (now + 1n < subnet.nextEpochBlock)
    await net.testClient.mine({ blocks: Number(subnet.nextEpochBlock - now - 1n) });
  await keeper.runSubnetEpochAndWait({ netuid });
}

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-subnet-chain-"));
  networkFile = path.join(dir, "network.json");
  await writeFile(
    networkFile,
    JSON.stringify({
      rpcUrl: net.anvil.rpcUrl,
      chainId: net.anvil.chainId,
      contracts: net.deployment.contracts,
      startBlock: 0,
      deployer: net.accounts[0]?.address,
      deployedAt: new Date().toISOString(),
    }),
  );
}, 60_000);

afterAll(async () => {
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("noos subnet (chain commands)", () => {
  it("test_subnetCli_lifecycle_createRegisterCommitRevealMetagraphClaim", {
    timeout: 60_000,
  }, async () => {
    const created = await noos(
      OWNER,
      "subnet",
      "create",
      "--set",
      "tempo=2",
      "commitReveal=true",
      "weightsSetRateLimit=0",
      "immunityPeriod=0",
    );
    const netuid = created.netuid as number;
    expect(netuid).toBe(1);
    expect(created.locked).toBe(parseEther("100").toString());
    const hp = await noos(OWNER, "subnet", "hyperparams", String(netuid));
    expect(hp.hyperparams).toMatchObject({
      tempo: "2",
      commitReveal: true,
      weightsSetRateLimit: "0",
    });

    expect((await noos(MINER, "subnet", "register", String(netuid))).uid).toBe(0);
    expect((await noos(VALIDATOR, "subnet", "register", String(netuid))).uid).toBe(1);
    const again = await fails(MINER, "subnet", "register", String(netuid));
    expect(again).toBeInstanceOf(ContractRevertError);
    expect((again as ContractRevertError).errorName).toBe("SubnetAlreadyRegistered");

    // The validator stakes; the next epoch gives it a permit.
    const v = net.client(VALIDATOR);
    await v.approveAndWait({ spender: net.deployment.contracts.staking, amount: parseEther("50") });
    await v.stakeAndWait({ role: subnetStakeRole(netuid), amount: parseEther("50") });
    await epoch(netuid);

    // Commit-reveal is on: --set commits and keeps the salt; --reveal is refused before its epoch.
    const committed = await noos(VALIDATOR, "subnet", "weights", String(netuid), "--set", "0=1");
    expect(committed.commitHash).toMatch(/^0x[0-9a-f]{64}$/);
    const early = await fails(VALIDATOR, "subnet", "weights", String(netuid), "--reveal");
    expect(String(early)).toMatch(/No saved commit .* is due at epoch/);
    await epoch(netuid);
    await noos(VALIDATOR, "subnet", "weights", String(netuid), "--reveal");
    const weights = await noos(OWNER, "subnet", "weights", String(netuid));
    expect(weights.weights).toEqual([{ uid: 1, weights: [{ uid: 0, value: 65535 }] }]);

    // The next epoch pays the miner by the revealed weights; the metagraph shows it.
    await epoch(netuid);
    const mg = await noos(OWNER, "subnet", "metagraph", String(netuid));
    const [miner, validator] = mg.neurons as Record<string, unknown>[];
    expect(miner).toMatchObject({ uid: 0, incentive: 1, validatorPermit: expect.any(Boolean) });
    expect(validator).toMatchObject({ uid: 1, dividends: 1, validatorTrust: 1, stake: "50" });

    // Anyone claims for the miner; a second claim finds nothing.
    const minerAddress = net.accounts[MINER]?.address as string;
    const claimed = await noos(OWNER, "subnet", "claim", minerAddress);
    expect(BigInt(claimed.amount as string)).toBeGreaterThan(0n);
    expect((await noos(OWNER, "subnet", "claim", minerAddress)).amount).toBe("0");
  });

  it("test_subnetCli_badInput_namesTheField", async () => {
    await expect(parseHyperparamAssignments(["tempo"])).rejects.toThrow(InvalidParameterError);
    const unknown = await parseHyperparamAssignments(["speed=3"]).then(
      () => undefined,
      (err: unknown) => err as InvalidParameterError,
    );
    expect(unknown?.message).toMatch(/--set/);
    expect(unknown?.message).toMatch(/tempo, immunityPeriod/);
    await expect(parseHyperparamAssignments(["tempo=soon"])).rejects.toThrow(/tempo/);
    await expect(parseHyperparamAssignments(["commitReveal=yes"])).rejects.toThrow(/commitReveal/);
    expect(
      await parseHyperparamAssignments(["tempo=5", "yuma3=false", "registrationFee=0.5"]),
    ).toEqual({
      tempo: 5n,
      yuma3: false,
      registrationFee: parseEther("0.5"),
    });
    const badWeights = await fails(VALIDATOR, "subnet", "weights", "1", "--set", "0=x");
    expect(badWeights).toBeInstanceOf(InvalidParameterError);
    expect((badWeights as InvalidParameterError).message).toMatch(/--set/);
    const badNetuid = await fails(OWNER, "subnet", "metagraph", "zero");
    expect((badNetuid as InvalidParameterError).message).toMatch(/netuid/);
  });

  it("test_loadTask_template_answersAndScores", async () => {
    const template = path.resolve(here, "../../../../examples/subnets/template/task.ts");
    const { task, dir: taskDir } = await loadTask(template);
    expect(task.synapse.name).toBe("sum");
    expect(taskDir).toBe(path.dirname(template));
    const log = { info: () => {} } as never;
    const vctx = {
      netuid: 1,
      uid: 0,
      hotkey: "0x0",
      config: { count: 5 },
      dir: taskDir,
      log,
      random: Math.random,
    } as never;
    const { request, truth } = await task.challenge(vctx);
    const right = await task.forward(request, { config: {}, log } as never);
    const wrong = await task.forward(request, { config: { wrong: true }, log } as never);
    const score = (response: unknown, latencyMs: number) =>
      task.reward({ request, truth, response, latencyMs, timeoutMs: 1000 });
    expect(score(right, 0)).toBe(1);
    expect(score(right, 1000)).toBeCloseTo(0.8);
    expect(score(wrong, 0)).toBe(0);
    expect(score(undefined, 0)).toBe(0);
    const bad = await loadTask(path.join(dir, "missing.ts")).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidParameterError);
    expect((bad as InvalidParameterError).message).toMatch(/--task/);
  });
});
