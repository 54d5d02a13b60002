// The AI coprocessor end to end, as a user runs it: a devnet with two coprocessor node processes,
// the linear regression exported from PyTorch through the zk pipeline, `noos zk register-model`
// publishing its artifacts, and `noos coprocessor request` for `none`, `zk` (a real Groth16
// proof checked on chain before the callback) and `redundant` (two nodes agree; a node changed to
// lie is outvoted and slashed). The example consumer contract gets a zk-proven answer in its
// callback. A node restarted after delivering does not deliver again.
import { type ChildProcess, execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort, readDevnet } from "@noosphere/devnet";
import { createSession, runInference } from "@noosphere/ml";

import {
  COPROCESSOR_ROLE,
  coprocessorCoordinatorAbi,
  createNoosClient,
  createNoosReadClient,
  getStake,
  linregConsumerAbi,
  linregConsumerBytecode,
  type NoosphereAddresses,
  noosphereActions,
  waitForInferenceResult,
} from "@noosphere/sdk";
import { poseidonHashInputs, quantizeValue } from "@noosphere/zk";
import { type Address, type Hex, padHex, parseEther, parseEventLogs, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LocalCoprocessor,
  spawnCoprocessor,
  writeCoprocessorConfig,
} from "./localCoprocessors.js";
import { terminate, waitReady } from "./localDaemons.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
const examples = path.resolve(here, "../../../examples/zk");
const model = path.join(examples, "models/linreg.onnx");
const inputFile = path.join(examples, "data/linreg.input.json");
let dir: string;
let modelId: string;
let bound: number;
let float: number;
const extra: ChildProcess[] = [];

type Out = Record<string, unknown>;
async function noos(...args: string[]): Promise<{ code: number; out: Out }> {
  try {
    const { stdout } = await run(process.execPath, [noosBin, "--dir", dir, ...args, "--json"], {
      cwd: dir,
      timeout: 300_000,
    });
    return { code: 0, out: JSON.parse(stdout) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number" || !e.stdout) throw err;
    return { code: e.code, out: JSON.parse(e.stdout) };
  }
}
const zk = (...args: string[]) => noos("zk", ...args);
const ok = async (...args: string[]) => {
  const r = await noos(...args);
  if (r.code !== 0) throw new Error(`noos ${args.join(" ")}: ${JSON.stringify(r.out)}`);
  return r.out;
};
const nodes = async () =>
  JSON.parse(await readFile(path.join(dir, "coprocessors.json"), "utf8")) as LocalCoprocessor[];
async function coprocessorStake(account: string): Promise<bigint> {
  const devnet = await readDevnet(dir);
  const client = createNoosReadClient({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId });
  const { staked } = await getStake(client, {
    address: devnet.contracts.staking as Address,
    account: account as Address,
    role: COPROCESSOR_ROLE,
  });
  return staked;
}
/** The example input as fixed-point integers at the settings' input scale. */
async function quantizedInput(): Promise<bigint[]> {
  const settings = JSON.parse(await readFile(path.join(dir, "settings.json"), "utf8")) as {
    run_args: { input_scale: number };
  };
  const sample = JSON.parse(await readFile(inputFile, "utf8")).input_data[0] as number[];
  return sample.map((v) => quantizeValue(v, settings.run_args.input_scale));
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const status = async (url: string) => (await fetch(url)).json() as Promise<Out>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-coproc-"));
  await ok("devnet", "--detach", "--port", String(await getFreePort()), "--coprocessors", "2");
  // The zk pipeline on the PyTorch linear regression (powers of tau come from the shared cache).
  await zk("gen-settings", "-M", model);
  const calibrated = await zk(
    "calibrate-settings",
    "-M",
    model,
    "-D",
    path.join(examples, "data/linreg.calibration.json"),
  );
  bound = (calibrated.out.settings as { calibration: { error_bound: number } }).calibration
    .error_bound;
  await ok("zk", "compile-circuit", "-M", model);
  await ok("zk", "setup");
  await ok("zk", "create-evm-verifier");
  const deployed = await ok("zk", "deploy-evm");
  const registered = await ok(
    "zk",
    "register-model",
    "--addr",
    String(deployed.address),
    "--model",
    model,
  );
  modelId = String(registered.modelId);
  const session = await createSession(model);
  const sample = JSON.parse(await readFile(inputFile, "utf8")).input_data[0] as number[];
  float = (await runInference(session, sample)).output_data[0]?.[0] ?? Number.NaN;
}, 240_000);
afterAll(async () => {
  await Promise.all(extra.map((c) => terminate(c)));
  await noos("devnet", "stop").catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

const request = (verification: string, ...more: string[]) =>
  noos(
    "coprocessor",
    "request",
    "--model",
    modelId,
    "--input",
    inputFile,
    "--verification",
    verification,
    ...more,
  );

describe("noos coprocessor", () => {
  it("test_coprocessor_none_deliversOnnxOutput", async () => {
    const r = await request("none");
    expect(r.code, JSON.stringify(r.out)).toBe(0);
    expect(r.out).toMatchObject({ status: "delivered", verified: false });
    const y = (r.out.output_data as number[][])[0]?.[0] ?? Number.NaN;
    expect(Math.abs(y - float)).toBeLessThanOrEqual(bound);
    expect(String(r.out.txHash)).toMatch(/^0x[0-9a-f]{64}$/);
    process.stderr.write(`none: request->delivery ${r.out.latencyMs} ms\n`);

    // A subscription (Infernet intervals) from the CLI: two intervals, 2 s apart, each delivered by
    // a node (each locks the fee cap from the owner's escrow, which subscribe tops up for both).
    const devnet = await readDevnet(dir);
    const contracts = devnet.contracts as NoosphereAddresses;
    const wallet = createNoosReadClient({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId });
    const sub = await ok(
      "coprocessor",
      "subscribe",
      "--model",
      modelId,
      "--input",
      inputFile,
      "--period",
      "2",
      "--frequency",
      "2",
      "--timeout",
      "60",
    );
    expect(sub).toMatchObject({ period: 2, frequency: 2, verification: "none" });
    const subscriptionId = BigInt(String(sub.subscriptionId));
    for (const interval of [1, 2]) {
      const settled = await waitForInferenceResult(wallet, {
        address: contracts.coprocessor,
        requestId: subscriptionId,
        interval,
        timeoutMs: 30_000,
      });
      expect(settled.status).toBe("delivered");
    }
    const listed = await ok("coprocessor", "subscriptions");
    expect(listed.subscriptions).toMatchObject([
      { requestId: String(subscriptionId), period: 2, frequency: 2 },
    ]);
  }, 120_000);

  it("test_coprocessor_cidInput_nodeFetchesChecksAndDelivers", async () => {
    // --input-cid with no value: the input file goes to the content store and the request carries
    // only its CID and hash; the node fetches it, checks the hash, computes and delivers.
    const r = await request("none", "--input-cid");
    expect(r.code, JSON.stringify(r.out)).toBe(0);
    expect(r.out).toMatchObject({ status: "delivered", verified: false });
    expect(String(r.out.inputCid)).toMatch(/^b[a-z2-7]+$/);
    const y = (r.out.output_data as number[][])[0]?.[0] ?? Number.NaN;
    expect(Math.abs(y - float)).toBeLessThanOrEqual(bound);
    const shown = await ok("coprocessor", "status", String(r.out.requestId));
    expect(shown).toMatchObject({
      input: [],
      inputCid: r.out.inputCid,
      inputHash: r.out.inputHash,
    });
  }, 60_000);

  it("test_coprocessor_zk_provesAndVerifiesOnChain", async () => {
    const r = await request("zk");
    expect(r.code, JSON.stringify(r.out)).toBe(0);
    expect(r.out).toMatchObject({ status: "delivered", verified: true });
    const y = (r.out.output_data as number[][])[0]?.[0] ?? Number.NaN;
    expect(Math.abs(y - float)).toBeLessThanOrEqual(bound);
    process.stderr.write(`zk: request->delivery ${r.out.latencyMs} ms\n`);
    const shown = await ok("coprocessor", "status", String(r.out.requestId));
    expect(shown).toMatchObject({ verification: "zk", intervals: [{ status: "delivered" }] });

    // A contract asks: the example consumer (LinregConsumer) gets the proven output in its callback.
    const devnet = await readDevnet(dir);
    const contracts = devnet.contracts as NoosphereAddresses;
    const wallet = createNoosClient({
      rpcUrl: devnet.rpcUrl,
      chainId: devnet.chainId,
      privateKey: devnet.accounts[1]?.privateKey as Hex,
    }).extend(noosphereActions(contracts));
    const deployHash = await wallet.deployContract({
      abi: linregConsumerAbi,
      bytecode: linregConsumerBytecode,
      args: [contracts.coprocessor],
    });
    const consumer = (await wallet.waitForTransactionReceipt({ hash: deployHash }))
      .contractAddress as Address;
    const feeCap = parseEther("0.1");
    await wallet.approveAndWait({ spender: contracts.coprocessor, amount: feeCap });
    await wallet.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: contracts.coprocessor,
        abi: coprocessorCoordinatorAbi,
        functionName: "deposit",
        args: [consumer, contracts.token, feeCap],
      }),
    });
    const x = await quantizedInput();
    const inputHash = padHex(toHex(poseidonHashInputs(x)), { size: 32 });
    const asked = performance.now();
    const askReceipt = await wallet.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: consumer,
        abi: linregConsumerAbi,
        functionName: "ask",
        args: [BigInt(modelId), x, inputHash, contracts.token, feeCap],
      }),
    });
    const [created] = parseEventLogs({
      abi: coprocessorCoordinatorAbi,
      logs: askReceipt.logs,
      eventName: "RequestCreated",
    });
    const requestId = created?.args.requestId as bigint;
    let answered: readonly bigint[] | undefined;
    for (let i = 0; i < 600 && !answered; i++) {
      const logs = await wallet.getContractEvents({
        address: consumer,
        abi: linregConsumerAbi,
        eventName: "Answered",
        args: { requestId },
        fromBlock: askReceipt.blockNumber,
      });
      answered = logs[0]?.args.output;
      if (!answered) await new Promise((res) => setTimeout(res, 100));
    }
    process.stderr.write(
      `zk via consumer: ask mined -> callback seen ${Math.round(performance.now() - asked)} ms\n`,
    );
    expect(answered?.map(String)).toEqual(r.out.output);
  }, 180_000);

  it("test_coprocessor_redundant_twoNodesAgree_liarSlashed", async () => {
    const agreed = await request("redundant", "--redundancy", "2");
    expect(agreed.code, JSON.stringify(agreed.out)).toBe(0);
    expect(agreed.out).toMatchObject({ status: "delivered" });
    expect(new Set(agreed.out.nodes as string[]).size).toBe(2);

    // A third node changed to lie (output + 1): with k = 3 the two honest nodes outvote it.
    const port = await getFreePort();
    const { home, config } = await writeCoprocessorConfig({
      dir,
      index: 2,
      port,
      extra: { testing: { corruptOutput: true } },
    });
    const { child, log } = await spawnCoprocessor({ dir, home, config });
    extra.push(child);
    await waitReady(
      "Coprocessor node 2",
      { statusUrl: `http://127.0.0.1:${port}/status`, log },
      child,
    );
    const liar = String((await status(`http://127.0.0.1:${port}/status`)).address);
    const stakeBefore = await coprocessorStake(liar);
    const caught = await request("redundant", "--redundancy", "3");
    expect(caught.code).toBe(1);
    expect(caught.out).toMatchObject({ status: "disputed" });
    expect((caught.out.slashed as string[]).map((a) => a.toLowerCase())).toEqual([
      liar.toLowerCase(),
    ]);
    expect(await coprocessorStake(liar)).toBeLessThan(stakeBefore);
  }, 180_000);

  it("test_coprocessor_restart_noDoubleDelivery", async () => {
    const [first] = await nodes();
    if (!first) throw new Error("no coprocessor node");
    const before = await status(first.statusUrl);
    const delivered = Object.values(before.deliveries as Record<string, { state: string }>).filter(
      (d) => d.state === "delivered",
    ).length;
    expect(delivered).toBeGreaterThan(0);
    // Stop it and start it again on the same state: it replays nothing it already delivered.
    process.kill(first.pid, "SIGTERM");
    for (let i = 0; i < 100 && alive(first.pid); i++) await new Promise((r) => setTimeout(r, 100));
    const { child } = await spawnCoprocessor({
      dir,
      home: path.dirname(first.config),
      config: first.config,
    });
    extra.push(child);
    await waitReady("Coprocessor node 0", first, child);
    await new Promise((r) => setTimeout(r, 2000));
    const after = await status(first.statusUrl);
    expect((after.metrics as Record<string, number>).delivered ?? 0).toBe(0);
    expect(after.deliveries).toEqual(before.deliveries);
  }, 120_000);
});
