// Noosphere beyond the devnet: `noos network deploy` puts every contract on a chain run by a second
// EVM implementation — Hardhat's node (EDR, from the npm `hardhat` 2.x package), not anvil — and
// every other command reaches it through `--network <file>` or NOOS_NETWORK: a batch job goes
// through the market (stake, register, order, bid, accept, result, accept) and a real Groth16
// proof of the PyTorch linear regression is verified by its generated verifier on that chain.
// Our contracts compile for evm_version "prague" (contracts/foundry.toml): the node runs with that
// hardfork (ganache stops at shanghai and cannot run MCOPY).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getFreePort } from "@noosphere/devnet";
import {
  createNoosClient,
  type NoosphereAddresses,
  noosphereActions,
  PROVIDER_ROLE,
} from "@noosphere/sdk";
import {
  compileCircuitStep,
  createEvmVerifierStep,
  genSettingsStep,
  genWitnessStep,
  setupStep,
} from "@noosphere/zk";
import { createPublicClient, type Hex, http, keccak256, parseEther, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const noosBin = path.resolve(here, "../bin/noos.js");
const examples = path.resolve(here, "../../../examples/zk");
const hardhatBin = path.join(
  path.dirname(createRequire(import.meta.url).resolve("hardhat/package.json")),
  "internal/cli/bootstrap.js",
);

// Hardhat's default accounts (the same "test … junk" mnemonic as anvil's).
const KEYS = {
  deployer: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  tenant: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  provider: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
} as const satisfies Record<string, Hex>;
const CHAIN_ID = 31_338; // not anvil's 31337: the id must come from the chain

let dir: string;
let rpcUrl: string;
let networkFile: string;
let hardhat: ChildProcess | undefined;

type Result = { code: number; out: Record<string, unknown>; stderr: string };

/** `noos … --json` in `dir`; `env` adds variables (NOOS_NETWORK, NOOS_PRIVATE_KEY). */
async function noos(args: string[], env: Record<string, string> = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [noosBin, ...args, "--json"], {
      cwd: dir,
      timeout: 120_000,
      env: {
        ...process.env,
        NOOS_DIR: path.join(dir, ".noos"), // no devnet there: only the network file can serve
        ...env,
      },
    });
    return { code: 0, out: JSON.parse(stdout), stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number" || !e.stdout) throw err;
    return { code: e.code, out: JSON.parse(e.stdout), stderr: e.stderr ?? "" };
  }
}
const onNetwork = (...args: string[]) => noos(["--network", networkFile, ...args]);

async function rpc(method: string): Promise<unknown> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
  });
  return ((await res.json()) as { result: unknown }).result;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "noos-network-"));
  networkFile = path.join(dir, "hardhat.network.json");
  const port = await getFreePort();
  rpcUrl = `http://127.0.0.1:${port}`;
  // Hardhat 2 needs a config file (its folder becomes an empty Hardhat project) and refuses to run
  // unless it resolves from the working directory: the repository, where it is a devDependency.
  const config = path.join(dir, "hardhat.config.cjs");
  await writeFile(
    config,
    `module.exports = { networks: { hardhat: { chainId: ${CHAIN_ID}, hardfork: "prague" } } };\n`,
  );
  hardhat = spawn(
    process.execPath,
    [hardhatBin, "--config", config, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: here,
      stdio: "ignore",
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (hardhat.exitCode !== null) throw new Error(`hardhat node exited (${hardhat.exitCode})`);
    if (Date.now() > deadline) throw new Error("hardhat node did not answer within 60 s");
    try {
      if ((await rpc("eth_chainId")) === toHex(CHAIN_ID)) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);
afterAll(async () => {
  if (hardhat && hardhat.exitCode === null) {
    const exited = new Promise((r) => hardhat?.once("exit", r));
    hardhat.kill("SIGTERM");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

describe("noos network (Hardhat's node)", () => {
  it("test_networkDeploy_writesDeploymentFileForHardhatNode", async () => {
    expect(String(await rpc("web3_clientVersion"))).toMatch(/^HardhatNetwork\//);
    const deployed = await noos([
      "network",
      "deploy",
      "--rpc-url",
      rpcUrl,
      "--private-key",
      KEYS.deployer,
      "--out",
      networkFile,
    ]);
    expect(deployed.code).toBe(0);
    const file = JSON.parse(await readFile(networkFile, "utf8")) as {
      rpcUrl: string;
      chainId: number;
      startBlock: number;
      deployer: string;
      contracts: NoosphereAddresses;
    };
    expect(deployed.out).toMatchObject({ ...file, file: networkFile });
    // The devnet.json shape the rest of the CLI reads, with the chain's own id.
    expect(file).toMatchObject({
      rpcUrl,
      chainId: CHAIN_ID,
      deployer: privateKeyToAccount(KEYS.deployer).address,
    });
    expect(Object.keys(file.contracts).sort()).toEqual([
      "coprocessor",
      "dataNftFactory",
      "dispenser",
      "fixedRateExchange",
      "market",
      "modelRegistry",
      "optimisticVerifier",
      "params",
      "paymentChannels",
      "proofRegistry",
      "registry",
      "staking",
      "stepReferee",
      "subnetRegistry",
      "token",
    ]);
    const client = createPublicClient({ transport: http(rpcUrl) });
    for (const address of Object.values(file.contracts)) {
      expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
    }
    expect(file.startBlock).toBeLessThan(Number(await client.getBlockNumber()));
    const shown = await onNetwork("network", "show");
    expect(shown.out).toMatchObject({ chainId: CHAIN_ID, contracts: file.contracts, live: true });

    // An existing file is not overwritten by accident.
    const again = await noos([
      "network",
      "deploy",
      "--rpc-url",
      rpcUrl,
      "--private-key",
      KEYS.deployer,
      "--out",
      networkFile,
    ]);
    expect(again.code).toBe(1);
    expect(JSON.stringify(again.out)).toContain("--force");
  }, 120_000);

  it("test_networkDeploy_withoutPrivateKeyNamesTheFlag", async () => {
    const missing = await noos(["network", "deploy", "--rpc-url", rpcUrl, "--out", "x.json"]);
    expect(missing.code).toBe(1);
    expect(JSON.stringify(missing.out)).toContain("--private-key");
  });

  it("test_networkFlag_withoutPrivateKeyNamesTheFlag", async () => {
    // No dev accounts on a network from a file: a signing command names --private-key.
    const unsigned = await onNetwork("token", "transfer", KEYS.tenant.slice(0, 42), "1");
    expect(unsigned.code).toBe(1);
    expect(JSON.stringify(unsigned.out)).toContain("--private-key");
    const badFile = await noos(["--network", path.join(dir, "none.json"), "market", "orders"]);
    expect(badFile.code).toBe(1);
    expect(JSON.stringify(badFile.out)).toContain("--network");
  });

  it("test_networkFlag_runsBatchJobThroughMarketOnHardhat", async () => {
    const tenantAddress = privateKeyToAccount(KEYS.tenant).address;
    const providerAddress = privateKeyToAccount(KEYS.provider).address;
    // The deployer (treasury) funds both with NOOS through the CLI, once per way of naming the file.
    const sent = await onNetwork(
      "token",
      "transfer",
      tenantAddress,
      "100",
      "--private-key",
      KEYS.deployer,
    );
    expect(sent.code).toBe(0);
    const viaEnv = await noos(["token", "transfer", providerAddress, "2000"], {
      NOOS_NETWORK: networkFile,
      NOOS_PRIVATE_KEY: KEYS.deployer,
    });
    expect(viaEnv.code).toBe(0);
    const balance = await onNetwork("token", "balance", providerAddress);
    expect(balance.out.balance).toBe(parseEther("2000").toString());

    // The provider stakes through the CLI, then registers and bids through the SDK.
    const staked = await onNetwork("stake", "add", "1000", "--private-key", KEYS.provider);
    expect(staked.code).toBe(0);
    const file = JSON.parse(await readFile(networkFile, "utf8")) as {
      chainId: number;
      contracts: NoosphereAddresses;
    };
    const { token, market } = file.contracts;
    const client = (privateKey: Hex) =>
      createNoosClient({ rpcUrl, chainId: file.chainId, privateKey, pollingInterval: 50 }).extend(
        noosphereActions(file.contracts),
      );
    const tenant = client(KEYS.tenant);
    const provider = client(KEYS.provider);
    expect(
      (await provider.getStake({ account: providerAddress, role: PROVIDER_ROLE })).staked,
    ).toBe(parseEther("1000"));
    await provider.registerProviderAndWait({
      hostUri: "http://127.0.0.1:9",
      attributes: [{ key: "region", value: "eu" }],
    });

    const price = parseEther("0.001");
    const deposit = parseEther("5");
    await tenant.approveAndWait({ spender: market, amount: deposit });
    const { orderId } = await tenant.createOrderAndWait({
      manifestCid: "bafy-network-test",
      manifestHash: keccak256(toHex("network test manifest")),
      token,
      maxPricePerSecond: price,
      deposit,
      jobTimeout: 600,
    });
    await provider.createBidAndWait({ orderId, pricePerSecond: price });
    await tenant.acceptBidAndWait({ orderId });

    const resultHash = keccak256(toHex("output"));
    const receipt = await provider.signReceipt({
      leaseId: orderId,
      resultHash,
      resultCid: "bafy-out",
    });
    await tenant.submitResultAndWait({
      leaseId: orderId,
      resultCid: "bafy-out",
      resultHash,
      receipt,
    });
    await tenant.acceptResultAndWait({ leaseId: orderId });

    const lease = await onNetwork("market", "lease", String(orderId));
    expect(lease.code).toBe(0);
    expect(JSON.stringify(lease.out)).toContain("Completed");
    expect(lease.out.paid).toBe((price * 600n).toString()); // the job price, from PaymentReleased
    // The bid history from BidCreated events: one bid, which won; the order names it best.
    const bids = (await onNetwork("market", "bids", String(orderId))) as unknown as {
      code: number;
      out: { provider: string; pricePerSecond: string; state: string; outbid: string }[];
    };
    expect(bids.code).toBe(0);
    expect(bids.out).toMatchObject([
      { provider: providerAddress, pricePerSecond: price.toString(), state: "Won" },
    ]);
    const order = await onNetwork("market", "order", String(orderId));
    expect(order.out).toMatchObject({ bestBidder: providerAddress, stateName: "Closed" });
    // A batch job is priced per job (price x jobTimeout); the rest of the escrow is in the
    // tenant's market balance, and `noos market withdraw` pays it out to the wallet.
    const wallet = async () =>
      BigInt(String((await onNetwork("token", "balance", tenantAddress)).out.balance));
    expect(await wallet()).toBe(parseEther("100") - deposit);
    const inMarket = await onNetwork("market", "balance", tenantAddress);
    expect(inMarket.code).toBe(0);
    expect(inMarket.out.balance).toBe((deposit - price * 600n).toString());
    const withdrawn = await onNetwork("market", "withdraw", "--private-key", KEYS.tenant);
    expect(withdrawn.code, JSON.stringify(withdrawn.out)).toBe(0);
    expect(withdrawn.out.amount).toBe((deposit - price * 600n).toString());
    expect(await wallet()).toBe(parseEther("100") - price * 600n);
    expect((await onNetwork("market", "balance", tenantAddress)).out.balance).toBe("0");
    // The provider's pay (net of the take rate) is its market balance; its lease stake stays
    // locked after the lease until it releases it (`noos stake remove` does that first).
    const paid = await onNetwork("market", "balance", providerAddress);
    const jobPrice = price * 600n;
    const fee = (jobPrice * BigInt(String(lease.out.takeRateBps))) / 10_000n;
    expect(paid.out.balance).toBe((jobPrice - fee).toString());
    expect(BigInt(String(paid.out.stakeLocked))).toBeGreaterThan(0n);
    const unstaked = await onNetwork("stake", "remove", "1000", "--private-key", KEYS.provider);
    expect(unstaked.code, JSON.stringify(unstaked.out)).toBe(0);
    expect(unstaked.out.stakeReleased).toBe(paid.out.stakeLocked);
    expect((await onNetwork("market", "balance", providerAddress)).out.stakeLocked).toBe("0");
  }, 120_000);

  it("test_marketBalance_fundWithdrawAndErrorsOnHardhat", async () => {
    const tenantAddress = privateKeyToAccount(KEYS.tenant).address;
    const asTenant = (...args: string[]) => onNetwork(...args, "--private-key", KEYS.tenant);
    // After the batch job the tenant withdrew everything: nothing to withdraw is a named error.
    const empty = await asTenant("market", "withdraw");
    expect(empty.code).toBe(1);
    expect(JSON.stringify(empty.out)).toContain("MarketNothingToWithdraw");
    // fund signs a permit (no approve transaction); the balance is the account's.
    const funded = await asTenant("market", "fund", "2.5");
    expect(funded.code, JSON.stringify(funded.out)).toBe(0);
    expect(funded.out).toMatchObject({
      account: tenantAddress,
      funded: parseEther("2.5").toString(),
      balance: parseEther("2.5").toString(),
    });
    const shown = await onNetwork("market", "balance", tenantAddress);
    expect(shown.out).toMatchObject({ balance: parseEther("2.5").toString(), openLeases: "0" });
    const out = await asTenant("market", "withdraw");
    expect(out.out.amount).toBe(parseEther("2.5").toString());
    // Bad input names the field; a provider with nothing locked releases nothing (no transaction).
    expect(JSON.stringify((await asTenant("market", "fund", "0")).out)).toContain("amount");
    const badToken = await asTenant("market", "fund", "1", "--token", "0x12");
    expect(badToken.code).toBe(1);
    expect(JSON.stringify(badToken.out)).toContain("--token");
    const badAccount = await onNetwork("market", "balance", "not-an-address");
    expect(badAccount.code).toBe(1);
    expect(JSON.stringify(badAccount.out)).toContain("address");
    const unknown = await onNetwork("market", "bids", "999");
    expect(unknown.code).toBe(1);
    expect(JSON.stringify(unknown.out)).toContain("MarketUnknownOrder");
    const nothing = await onNetwork("market", "release-stake", "--private-key", KEYS.provider);
    expect(nothing.code, JSON.stringify(nothing.out)).toBe(0);
    expect(nothing.out).toMatchObject({ released: "0", locked: "0", tx: null });
  }, 120_000);

  it("test_networkFlag_verifiesGroth16ProofOnHardhat", async () => {
    // The artifacts are made in process (the same steps `noos zk` runs, in dir), the proof by the
    // CLI; deploying and verifying go through `--network`.
    const at = (file: string) => path.join(dir, file);
    const model = path.join(examples, "models/linreg.onnx");
    await genSettingsStep({ modelPath: model, settingsPath: at("settings.json"), options: {} });
    await compileCircuitStep({
      modelPath: model,
      settingsPath: at("settings.json"),
      compiledPath: at("model.compiled"),
    });
    await setupStep({
      compiledPath: at("model.compiled"),
      pkPath: at("pk.key"),
      vkPath: at("vk.key"),
    });
    await genWitnessStep({
      compiledPath: at("model.compiled"),
      dataPath: path.join(examples, "data/linreg.input.json"),
      outputPath: at("witness.json"),
    });
    const proved = await noos(["zk", "prove"]);
    expect(proved.code, JSON.stringify(proved.out)).toBe(0);
    await createEvmVerifierStep({ vkPath: at("vk.key"), solCodePath: at("evm_deploy.sol") });
    const deployed = await onNetwork("zk", "deploy-evm", "--private-key", KEYS.deployer);
    expect(deployed.code).toBe(0);
    const address = String(deployed.out.address);
    expect(
      (await createPublicClient({ transport: http(rpcUrl) }).getCode({ address: address as Hex }))
        ?.length,
    ).toBeGreaterThan(2);
    const verified = await onNetwork("zk", "verify-evm", "--addr", address);
    expect(verified.out.verified).toBe(true);
    // A tampered proof is refused by the same verifier on the same chain.
    const proof = JSON.parse(await readFile(path.join(dir, "proof.json"), "utf8"));
    proof.proof.pi_a[0] = (BigInt(proof.proof.pi_a[0]) + 1n).toString();
    await writeFile(path.join(dir, "bad-proof.json"), JSON.stringify(proof));
    const refused = await onNetwork(
      "zk",
      "verify-evm",
      "--addr",
      address,
      "--proof-path",
      "bad-proof.json",
    );
    expect(refused.code).toBe(1);
    expect(refused.out.verified).toBe(false);
  }, 180_000);
});
