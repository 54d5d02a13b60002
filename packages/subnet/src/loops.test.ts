// The validator loop end to end on a real anvil with the real SubnetRegistry: the validator is a
// `noos subnet validator start` child process; the miners are real axons on real sockets (one
// answers right, one too slow, one wrong, one is down). A miner that is down, slow or wrong
// scores 0; weights go on chain; a validator killed between its commit and its reveal comes
// back with its scores and still reveals.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getFreePort, startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import { type Common, createCommon } from "@noosphere/node/common";
import { subnetRegistryAbi } from "@noosphere/sdk";
import { getAddress, parseEther } from "viem";
import { readContract } from "viem/actions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseKeeperFile, parseMinerFile, parseValidatorFile } from "./config.js";
import { createKeeper, type KeeperEvent } from "./keeper.js";
import { createMiner } from "./miner.js";
import task from "./testdata/double.task.js";
import type { ValidatorState } from "./validator.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../../cli/bin/noos.js");
const taskFile = path.join(here, "testdata/double.task.ts");

let net: TestDeployment;
let dir: string;
let netuid: number;
let networkFile: string;
const commons: Common[] = [];
// Dev accounts: 1 owner, 2 validator (a child process), 3 good, 4 slow, 5 garbage, 6 down, 9 keeper.
const VALIDATOR = 2;
const MINERS = { good: 3, slow: 4, garbage: 5 } as const;
const DOWN = 6;
const uidOf = async (account: number) => {
  const [, uid] = await readContract(net.publicClient, {
    address: net.deployment.contracts.subnetRegistry,
    abi: subnetRegistryAbi,
    functionName: "uidOf",
    args: [netuid, net.accounts[account]?.address as `0x${string}`],
  });
  return uid;
};

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 40_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function epoch() {
  await net.testClient.mine({ blocks: 3 });
  await net.client(9).runSubnetEpochAndWait({ netuid });
}

let validator: ChildProcess | undefined;
let validatorLog = "";
async function startValidator() {
  validatorLog = path.join(dir, "validator.log");
  const out = await open(validatorLog, "a");
  const child = spawn(
    process.execPath,
    [
      noosBin,
      "--network",
      networkFile,
      "subnet",
      "validator",
      "start",
      "--task",
      taskFile,
      "--config",
      path.join(dir, "validator.yaml"),
    ],
    {
      stdio: ["ignore", out.fd, out.fd],
      env: {
        ...process.env,
        NOOS_PRIVATE_KEY: net.accounts[VALIDATOR]?.privateKey,
        NOOS_LOG_LEVEL: "info",
      },
    },
  );
  await out.close();
  validator = child;
}
async function stopValidator() {
  const child = validator;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
const stateFile = () =>
  path.join(
    dir,
    `validator-${netuid}-${String(net.accounts[VALIDATOR]?.address).toLowerCase()}.json`,
  );
const readState = async (): Promise<ValidatorState> =>
  (
    JSON.parse(await readFile(stateFile(), "utf8"), (_k, v) =>
      v && typeof v === "object" && "$bigint" in v ? BigInt(v.$bigint) : v,
    ) as { state: ValidatorState }
  ).state;

beforeAll(async () => {
  net = await startTestDeployment();
  dir = await mkdtemp(path.join(tmpdir(), "noos-loops-"));
  const { subnetRegistry } = net.deployment.contracts;
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
  const owner = net.client(1);
  await owner.approveAndWait({ spender: subnetRegistry, amount: parseEther("100") });
  ({ netuid } = await owner.createSubnetAndWait());
  await owner.setHyperparamsAndWait({
    netuid,
    hyperparams: { tempo: 2n, weightsSetRateLimit: 0n, immunityPeriod: 0n, commitReveal: false },
  });
  // Three live miners in this process (real axons), one registered miner that is down.
  for (const [mode, account] of Object.entries(MINERS)) {
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    commons.push(common);
    await createMiner(common, {
      client: net.client(account),
      contracts: net.deployment.contracts,
      task,
      taskDir: here,
      file: parseMinerFile(`netuid: ${netuid}\nstateDir: .\ntask: { mode: ${mode} }\n`),
      baseDir: dir,
      pollingIntervalMs: 100,
    });
  }
  const down = net.client(DOWN);
  await down.approveAndWait({ spender: subnetRegistry, amount: parseEther("1") });
  await down.registerNeuronAndWait({ netuid });
  await down.setEndpointAndWait({ netuid, endpoint: `http://127.0.0.1:${await getFreePort()}` });

  const config = `netuid: ${netuid}
stake: "100"
stateDir: .
query: { interval: 300ms, timeout: 1s }
scores: { alpha: 0.5 }
weights: { everyBlocks: 1 }
`;
  parseValidatorFile(config); // fails here, not in the child, if the test's config is wrong
  await writeFile(path.join(dir, "validator.yaml"), config);
  await startValidator();
  // Registered and staked by its own process; the next epoch gives it a permit.
  await until(
    "the validator's stake",
    async () => {
      const uid = await uidOf(VALIDATOR);
      const n = await net.client(9).getNeuron({ netuid, uid });
      return (
        getAddress(n.hotkey) === getAddress(net.accounts[VALIDATOR]?.address as string) &&
        n.stake > 0n
      );
    },
    60_000,
  );
  await epoch();
}, 120_000);

afterAll(async () => {
  await stopValidator();
  for (const c of commons) c.shutdown();
  await net?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("validator loop (a noos subnet validator process)", () => {
  it("test_validatorLoop_minerDownSlowOrGarbage_scoresZero", { timeout: 60_000 }, async () => {
    const state = await until("4 scored rounds", async () => {
      const s = await readState();
      return s.step >= 4 ? s : undefined;
    });
    const byUid = new Map(state.scores.map((e) => [e.uid, e]));
    const good = byUid.get(await uidOf(MINERS.good));
    expect(good?.score).toBeGreaterThan(0.9);
    expect(good?.lastStatus).toBe("ok");
    for (const [account, status] of [
      [MINERS.slow, "timeout"],
      [MINERS.garbage, "ok"],
      [DOWN, "error"],
    ] as const) {
      const e = byUid.get(await uidOf(account));
      expect(e?.score, `miner ${account}`).toBe(0);
      expect(e?.lastStatus, `miner ${account}`).toBe(status);
    }
    // Weights on chain (commit-reveal off): only the good miner carries weight.
    const [uids, values] = await until("weights on chain", async () => {
      const w = await readContract(net.publicClient, {
        address: net.deployment.contracts.subnetRegistry,
        abi: subnetRegistryAbi,
        functionName: "weightsOf",
        args: [netuid, await uidOf(VALIDATOR)],
      });
      return w[0].length > 0 ? w : undefined;
    });
    expect([...uids]).toEqual([await uidOf(MINERS.good)]);
    expect([...values]).toEqual([65535]);
  });

  it("test_validatorLoop_restartBetweenCommitAndReveal_keepsScoresAndReveals", {
    timeout: 90_000,
  }, async () => {
    await net.client(1).setHyperparamsAndWait({ netuid, hyperparams: { commitReveal: true } });
    // Wait for a commit whose reveal epoch is known, then kill the validator before it reveals.
    const committed = await until("a commit", async () => {
      const s = await readState();
      return s.commits.find((c) => c.revealEpoch !== undefined) ? s : undefined;
    });
    await stopValidator();
    const before = await readState();
    const goodUid = await uidOf(MINERS.good);
    const goodBefore = before.scores.find((e) => e.uid === goodUid);
    expect(goodBefore?.queries).toBeGreaterThan(0);
    expect(before.commits.length).toBeGreaterThanOrEqual(committed.commits.length);
    const revealsBefore = before.reveals;

    await epoch(); // the commit's reveal epoch begins while the validator is down
    await startValidator();
    const after = await until("a reveal after the restart", async () => {
      const s = await readState();
      return s.reveals > revealsBefore && s.step > before.step ? s : undefined;
    });
    expect(await readFile(validatorLog, "utf8")).toContain("resumed from the state file");
    const goodAfter = after.scores.find((e) => e.uid === goodUid);
    // The moving average went on from where it was: more queries than before, not a fresh count.
    expect(goodAfter?.queries).toBeGreaterThan(goodBefore?.queries ?? 0);
    expect(goodAfter?.score).toBeGreaterThanOrEqual(goodBefore?.score ?? 1);
    // The revealed weights are the committed ones.
    const [uids] = await readContract(net.publicClient, {
      address: net.deployment.contracts.subnetRegistry,
      abi: subnetRegistryAbi,
      functionName: "weightsOf",
      args: [netuid, await uidOf(VALIDATOR)],
    });
    expect([...uids]).toEqual([goodUid]);
  });

  it("test_keeper_dueEpochs_runsThemAndClaimsForEveryHotkey", { timeout: 60_000 }, async () => {
    const registry = net.deployment.contracts.subnetRegistry;
    const before = (await net.client(9).getSubnet({ netuid })).epochIndex;
    const goodMiner = getAddress(net.accounts[MINERS.good]?.address as string);
    const events: KeeperEvent[] = [];
    const common = createCommon({ handleSignals: false, logLevel: "silent" });
    // The keeper is the only clock here: without its blocks no epoch would come due.
    const keeper = createKeeper(common, {
      client: net.client(8),
      contracts: { subnetRegistry: registry },
      file: parseKeeperFile(
        `netuids: [${netuid}]\ninterval: 100ms\nmineEvery: 100ms\nclaimEvery: 1\n`,
      ),
      onEvent: (e) => events.push(e),
    });
    try {
      await until("two epochs and a claim for the good miner", async () =>
        events.filter((e) => e.kind === "epoch").length >= 2 &&
        events.some((e) => e.kind === "claim" && e.account === goodMiner)
          ? true
          : undefined,
      );
    } finally {
      common.shutdown();
      await keeper.done;
    }
    const after = (await net.client(9).getSubnet({ netuid })).epochIndex;
    expect(after - before).toBeGreaterThanOrEqual(2n);
    const epochs = events.filter((e) => e.kind === "epoch");
    expect(epochs.every((e) => e.kind === "epoch" && e.gasUsed > 0n)).toBe(true);
    // Claimed to the miner's own account, and nothing is left to claim right after.
    expect(keeper.stats().claimed).toBeGreaterThan(0n);
    expect(await net.client(9).getClaimable({ account: goodMiner })).toBe(0n);
  });
});
