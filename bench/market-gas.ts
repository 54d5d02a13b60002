// Gas of every step of the market lifecycles (service lease, batch job, provider setup), measured
// on a real anvil with every contract deployed, against a plain NOOS ERC-20 transfer measured in
// the same run. Writes bench/results/market-gas.json and prints a table.
//
//   npx tsx bench/market-gas.ts        (or: npm run bench)
//
// A benchmark, not a test: it fails only if the scenario could not be run as described (a step
// reverted, or did not do what its label says), never on a gas number.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveAnvilBinary, startTestDeployment, type TestDeployment } from "@noosphere/devnet";
import {
  computeMarketBytecode,
  computeMarketLibBytecode,
  noosTokenBytecode,
  PROVIDER_ROLE,
  protocolParamsAbi,
  protocolParamsBytecode,
  providerRegistryBytecode,
  resultCommitment,
  stakingBytecode,
  type WaitResult,
} from "@noosphere/sdk";
import {
  type Address,
  formatEther,
  getAddress,
  type Hash,
  type Hex,
  keccak256,
  parseEther,
  size,
  toHex,
} from "viem";
import { describeMachine, type ToolVersion } from "./lib/machine.js";

const NAME = "market-gas";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const resultsFile = path.join(repoRoot, "bench", "results", `${NAME}.json`);
const require = createRequire(import.meta.url);

// ------------------------------------------------------------------ scenario (recorded as inputs)

/** Dev accounts (see packages/devnet): 0 deployer/treasury, 1-3 tenants, 4-6 providers. */
const ACCOUNTS = {
  treasury: 0,
  tenants: [1, 2, 3],
  providers: [4, 5, 6],
  /** Holds NOOS, used only as the sender of the baseline transfers. */
  baselineSender: 7,
  /** Holds NOOS already: recipient of the warm baseline transfer. */
  baselineHolder: 8,
} as const;

const SCENARIO = {
  providerStake: parseEther("1000"),
  /** Providers approve the market once for all their bid deposits (finite, so each bid decrements it). */
  providerMarketAllowance: parseEther("1000"),
  providerAttributes: { region: "eu", gpu: "h100", tier: "standard" } as Record<string, string>,
  placement: { region: "eu" } as Record<string, string>,
  manifestCid: "bafy-bench-manifest",
  manifestHash: keccak256(toHex("bench manifest v1")),
  bidWindowSeconds: 60,
  bidDeposit: parseEther("0.5"),
  service: {
    maxPricePerSecond: parseEther("0.01"),
    /** First bid (provider 5) and second, winning bid (provider 4). */
    bidPrices: [parseEther("0.008"), parseEther("0.005")],
    deposit: parseEther("100"),
    topUp: parseEther("50"),
    settleAfterSeconds: 3600,
    closeAfterSettleSeconds: 600,
  },
  batch: {
    maxPricePerSecond: parseEther("0.001"),
    bidPrice: parseEther("0.001"),
    deposit: parseEther("5"),
    jobTimeoutSeconds: 600,
    resultAfterSeconds: 42,
    resultCid: "bafy-bench-result",
    resultHash: keccak256(toHex("bench result")),
  },
  baselineAmount: parseEther("1"),
} as const;

/** Recipient of the cold baseline transfer: a fixed address that holds nothing. */
const FRESH_ADDRESS: Address = getAddress(
  keccak256(toHex("noosphere bench fresh address")).slice(0, 42),
);

// ------------------------------------------------------------------ measurement

type Lifecycle = "baseline" | "setup" | "service" | "batch" | "replicas";

type StorageChanges = {
  /** Slots written from zero to non-zero (SSTORE 20,000 gas each). */
  created: number;
  /** Slots written from non-zero to zero (refund). */
  cleared: number;
  /** Slots changed from one non-zero value to another. */
  updated: number;
};

type Metric = {
  step: string;
  lifecycle: Lifecycle;
  gasUsed: number;
  ratioToErc20Transfer: number;
  storage: StorageChanges | null;
  note?: string;
};

type Measured = Omit<Metric, "ratioToErc20Transfer">;

type Client = ReturnType<TestDeployment["client"]>;

type PrestateDiff = {
  pre?: Record<string, { storage?: Record<string, Hex> }>;
  post?: Record<string, { storage?: Record<string, Hex> }>;
};

const isZero = (value: Hex | undefined) => value === undefined || BigInt(value) === 0n;

/**
 * Storage slots the transaction changed, from anvil's prestateTracer in diff mode (geth
 * semantics: zero values are left out, a slot only in `pre` was set to zero). Null if the node
 * does not support it: the gas numbers do not depend on it.
 */
async function storageChanges(net: TestDeployment, hash: Hash): Promise<StorageChanges | null> {
  try {
    const diff = (await net.publicClient.request({
      method: "debug_traceTransaction",
      params: [hash, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }],
    } as never)) as PrestateDiff;
    const changes: StorageChanges = { created: 0, cleared: 0, updated: 0 };
    const accounts = new Set([...Object.keys(diff.pre ?? {}), ...Object.keys(diff.post ?? {})]);
    for (const account of accounts) {
      const before = diff.pre?.[account]?.storage ?? {};
      const after = diff.post?.[account]?.storage ?? {};
      for (const slot of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const was = before[slot];
        const now = after[slot];
        if (isZero(was) && !isZero(now)) changes.created++;
        else if (!isZero(was) && isZero(now)) changes.cleared++;
        else if (was !== now) changes.updated++;
      }
    }
    return changes;
  } catch {
    return null;
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Scenario check failed: ${message}`);
}

function eventCount(result: WaitResult, name: string): number {
  return result.events.filter((e) => e.eventName === name).length;
}

async function run(net: TestDeployment) {
  const measured: Measured[] = [];
  const { token, market, staking, params } = net.deployment.contracts;
  const client = (index: number): Client => net.client(index);
  const address = (index: number): Address => client(index).account.address;

  async function measure<T extends WaitResult>(
    lifecycle: Lifecycle,
    step: string,
    action: () => Promise<T>,
    note?: string,
  ): Promise<T> {
    const result = await action();
    measured.push({
      step,
      lifecycle,
      gasUsed: Number(result.receipt.gasUsed),
      storage: await storageChanges(net, result.hash),
      ...(note === undefined ? {} : { note }),
    });
    return result;
  }

  /** Moves chain time forward and mines, so the next call (run on the latest block) sees it. */
  async function advance(seconds: number) {
    await net.testClient.increaseTime({ seconds });
    await net.testClient.mine({ blocks: 1 });
  }

  // ---- baseline: plain NOOS transfers, same chain, same run
  const sender = client(ACCOUNTS.baselineSender);
  check(
    (await sender.getTokenBalance({ account: FRESH_ADDRESS })) === 0n,
    "the fresh address holds no NOOS",
  );
  check(
    (await sender.getTokenBalance({ account: address(ACCOUNTS.baselineHolder) })) > 0n,
    "the warm recipient holds NOOS",
  );
  const cold = await measure(
    "baseline",
    "ERC-20 transfer to a fresh address",
    () => sender.transferAndWait({ to: FRESH_ADDRESS, amount: SCENARIO.baselineAmount }),
    "recipient balance 0 -> non-zero",
  );
  const warm = await measure(
    "baseline",
    "ERC-20 transfer to a holder",
    () =>
      sender.transferAndWait({
        to: address(ACCOUNTS.baselineHolder),
        amount: SCENARIO.baselineAmount,
      }),
    "recipient balance non-zero -> non-zero (the ratio's denominator)",
  );

  // ---- (c) provider setup: provider 4 first (unmeasured: it pays for the registry's and
  // staking's first writes), then provider 5 measured as a typical provider, then provider 6.
  const [p4, p5, p6] = ACCOUNTS.providers.map(client) as [Client, Client, Client];
  const attributes = Object.entries(SCENARIO.providerAttributes).map(([key, value]) => ({
    key,
    value,
  }));
  for (const [index, provider] of [
    [4, p4],
    [5, p5],
    [6, p6],
  ] as const) {
    const timed = index === 5;
    const step = <T extends WaitResult>(name: string, action: () => Promise<T>) =>
      timed ? measure("setup", name, action) : action();
    await step("approve (staking)", () =>
      provider.approveAndWait({ spender: staking, amount: SCENARIO.providerStake }),
    );
    await step("stake", () =>
      provider.stakeAndWait({ role: PROVIDER_ROLE, amount: SCENARIO.providerStake }),
    );
    await step(`registerProvider (${attributes.length} attributes)`, () =>
      provider.registerProviderAndWait({ hostUri: `http://127.0.0.1:${9000 + index}`, attributes }),
    );
    await step("approve (market, for bid deposits)", () =>
      provider.approveAndWait({ spender: market, amount: SCENARIO.providerMarketAllowance }),
    );
  }

  // Warm-up (unmeasured): one order opened and canceled, so the market's order counter is
  // non-zero as on a live deployment and the first measured order does not pay for it.
  const [t1, t2, t3] = ACCOUNTS.tenants.map(client) as [Client, Client, Client];
  await t3.approveAndWait({ spender: market, amount: parseEther("1") });
  const { orderId: warmUpOrder } = await t3.createOrderAndWait({
    manifestCid: SCENARIO.manifestCid,
    manifestHash: SCENARIO.manifestHash,
    token,
    maxPricePerSecond: 1n,
    deposit: parseEther("1"),
    bidWindow: SCENARIO.bidWindowSeconds,
  });
  await t3.cancelOrderAndWait({ orderId: warmUpOrder });

  const serviceOrder = {
    manifestCid: SCENARIO.manifestCid,
    manifestHash: SCENARIO.manifestHash,
    token,
    maxPricePerSecond: SCENARIO.service.maxPricePerSecond,
    deposit: SCENARIO.service.deposit,
    bidWindow: SCENARIO.bidWindowSeconds,
    placement: { attributes: SCENARIO.placement },
  };
  const [firstPrice, secondPrice] = SCENARIO.service.bidPrices;

  // ---- (a) service lease: tenant 1; providers 5 (first bid) and 4 (second, lower bid). The
  // tenant pays with EIP-2612 permits (no approve transaction).
  const { orderId: leaseId } = await measure(
    "service",
    `createOrder (${Object.keys(SCENARIO.placement).length} placement attribute, EIP-2612 permit)`,
    () => t1.createOrderAndWait({ ...serviceOrder, permit: true }),
    "the tenant's first permit: its token nonce 0 -> 1",
  );
  await measure("service", "createBid (first bid)", () =>
    p5.createBidAndWait({
      orderId: leaseId,
      pricePerSecond: firstPrice,
      deposit: SCENARIO.bidDeposit,
    }),
  );
  await measure("service", "createBid (second bid, another provider)", () =>
    p4.createBidAndWait({
      orderId: leaseId,
      pricePerSecond: secondPrice,
      deposit: SCENARIO.bidDeposit,
    }),
  );
  await advance(SCENARIO.bidWindowSeconds + 1);
  const auction = await measure(
    "service",
    "closeAuction (2 bids, 1 deposit credited)",
    () => p5.closeAuctionAndWait({ orderId: leaseId }),
    "called by the losing provider after the bid window",
  );
  check(auction.event.provider === p4.account.address, "the lowest bid won the auction");
  check(eventCount(auction, "BidClosed") === 1, "closeAuction closed exactly one losing bid");

  await advance(SCENARIO.service.settleAfterSeconds);
  const settled = await measure(
    "service",
    `settle (after ${SCENARIO.service.settleAfterSeconds / 3600} h)`,
    () => t1.settleLeaseAndWait({ leaseId }),
    "first payment of the lease: provider earnings and protocol fees 0 -> non-zero",
  );
  check((settled.event?.accrued ?? 0n) > 0n, "settle accrued a payment");
  const withdrawn = await measure("service", "withdraw (provider earnings)", () =>
    p4.withdrawEarningsAndWait({ token }),
  );
  check(withdrawn.event.amount > 0n, "the provider withdrew earnings");
  await measure(
    "service",
    "deposit (escrow top-up, EIP-2612 permit)",
    () =>
      t1.depositEscrowAndWait({ orderId: leaseId, amount: SCENARIO.service.topUp, permit: true }),
    "settles the lease first; the tenant's second permit (nonce 1 -> 2)",
  );
  await advance(SCENARIO.service.closeAfterSettleSeconds);
  const closed = await measure(
    "service",
    "closeLease (by tenant)",
    () => t1.closeLeaseAndWait({ leaseId }),
    "settles, refunds the escrow left, credits the winning bid's deposit",
  );
  check(closed.event.refund > 0n, "closeLease refunded escrow to the tenant");
  const swept = await measure("service", "sweepFees", () =>
    client(ACCOUNTS.treasury).sweepFeesAndWait({ token }),
  );
  check(swept.event.amount > 0n, "sweepFees sent fees to the treasury");

  // For comparison: the tenant picks a bid before the window ends (tenant 2, providers 5 and 6).
  const { orderId: directOrder } = await t2.createOrderAndWait({ ...serviceOrder, permit: true });
  await p5.createBidAndWait({
    orderId: directOrder,
    pricePerSecond: firstPrice,
    deposit: SCENARIO.bidDeposit,
  });
  await p6.createBidAndWait({
    orderId: directOrder,
    pricePerSecond: secondPrice,
    deposit: SCENARIO.bidDeposit,
  });
  const accepted = await measure(
    "service",
    "acceptBid (2 bids, 1 deposit credited; comparison, not in total)",
    () => t2.acceptBidAndWait({ orderId: directOrder, bidIndex: 1n }),
    "separate order: the tenant accepts the lower bid inside the bid window",
  );
  check(eventCount(accepted, "BidClosed") === 1, "acceptBid closed exactly one losing bid");

  // ---- (b) batch jobs
  const batchOrder = {
    manifestCid: SCENARIO.manifestCid,
    manifestHash: SCENARIO.manifestHash,
    token,
    maxPricePerSecond: SCENARIO.batch.maxPricePerSecond,
    deposit: SCENARIO.batch.deposit,
    bidWindow: SCENARIO.bidWindowSeconds,
    placement: { attributes: SCENARIO.placement },
    jobTimeout: SCENARIO.batch.jobTimeoutSeconds,
  };
  const result = { resultCid: SCENARIO.batch.resultCid, resultHash: SCENARIO.batch.resultHash };
  const createStep = `createOrder (jobTimeout ${SCENARIO.batch.jobTimeoutSeconds} s, ${Object.keys(SCENARIO.placement).length} placement attribute`;
  /**
   * Opens a batch order with one bid by `provider` and accepts it; measured when `timed`. The
   * tenant pays with a permit, or (`approve`) with an approve transaction first: then only those
   * two steps are measured, as the alternative.
   */
  async function openBatchJob(
    tenant: Client,
    provider: Client,
    timed: boolean,
    pay: "permit" | "approve" = "permit",
  ) {
    const step = <T extends WaitResult>(name: string, action: () => Promise<T>, note?: string) =>
      timed ? measure("batch", name, action, note) : action();
    let orderId: bigint;
    if (pay === "approve") {
      await measure(
        "batch",
        "approve (market, order deposit; approve path, alternative, not in total)",
        () => tenant.approveAndWait({ spender: market, amount: SCENARIO.batch.deposit }),
      );
      ({ orderId } = await measure(
        "batch",
        `${createStep}, approve path; alternative, not in total)`,
        () => tenant.createOrderAndWait(batchOrder),
        "separate order: the allowance set by the approve above is taken",
      ));
    } else {
      ({ orderId } = await step(
        `${createStep}, EIP-2612 permit)`,
        () => tenant.createOrderAndWait({ ...batchOrder, permit: true }),
        "no approve transaction; a returning tenant (its token nonce 1 -> 2)",
      ));
    }
    await step("createBid", () =>
      provider.createBidAndWait({
        orderId,
        pricePerSecond: SCENARIO.batch.bidPrice,
        deposit: SCENARIO.bidDeposit,
      }),
    );
    await step("acceptBid (1 bid)", () => tenant.acceptBidAndWait({ orderId, bidIndex: 0n }));
    return orderId;
  }

  // Happy path: tenant 2, provider 6 submits its own result, tenant accepts it.
  const job = await openBatchJob(t2, p6, true);
  await advance(SCENARIO.batch.resultAfterSeconds);
  await measure("batch", "submitResult (by the provider)", () =>
    p6.submitResultAndWait({ leaseId: job, ...result }),
  );
  const acceptedResult = await measure(
    "batch",
    "acceptResult (by tenant)",
    () => t2.acceptResultAndWait({ leaseId: job }),
    "releases the job price, refunds the escrow left, credits the bid deposit",
  );
  check(acceptedResult.event.reason === 3, "acceptResult completed the lease (ResultAccepted)");

  // Relayed: tenant 3 submits provider 4's signed EIP-712 receipt; tenant 3 pays with an approve
  // transaction (the approve path, measured as the alternative to the permit).
  const relayedJob = await openBatchJob(t3, p4, false, "approve");
  await advance(SCENARIO.batch.resultAfterSeconds);
  const receipt = await p4.signReceipt({ leaseId: relayedJob, ...result });
  const relayed = await measure(
    "batch",
    "submitResult (relayed EIP-712 receipt; alternative, not in total)",
    () => t3.submitResultAndWait({ leaseId: relayedJob, ...result, receipt }),
    "separate order: the tenant relays the provider's signature (ecrecover)",
  );
  check(relayed.event.provider === p4.account.address, "the relayed result is the provider's");

  // Missed deadline: tenant 1, provider 5 never submits; the tenant reports it.
  const missedJob = await openBatchJob(t1, p5, false);
  await advance(SCENARIO.batch.jobTimeoutSeconds + 1);
  const expired = await measure(
    "batch",
    "expireLease (missed deadline, stake slashed; alternative, not in total)",
    () => t1.expireLeaseAndWait({ leaseId: missedJob }),
    "separate order: refunds the tenant, bid deposit to fees, slashes stake, pays the reporter",
  );
  const slash = expired.events.find((e) => e.eventName === "ProviderSlashed")?.args as
    | { stake: bigint }
    | undefined;
  check(slash !== undefined && slash.stake > 0n, "expireLease slashed the provider's stake");

  // Canceled bid (issue 9, finding 3): the slot is freed, 5% of the deposit goes to the escrow.
  await t3.approveAndWait({ spender: market, amount: SCENARIO.batch.deposit });
  const { orderId: giveUpJob } = await t3.createOrderAndWait(batchOrder);
  await p4.createBidAndWait({
    orderId: giveUpJob,
    pricePerSecond: SCENARIO.batch.bidPrice,
    deposit: SCENARIO.bidDeposit,
  });
  await measure(
    "batch",
    "cancelBid (slot freed, deposit credited less a 5% forfeit; alternative, not in total)",
    () => p4.cancelBidAndWait({ orderId: giveUpJob, bidIndex: 0n }),
    "separate order: the forfeit joins the tenant's escrow; the bidder cannot bid again on it",
  );
  // Provider gives a job up half-way (finding 4): pro-rata forfeit of deposit and locked stake.
  await p5.createBidAndWait({
    orderId: giveUpJob,
    pricePerSecond: SCENARIO.batch.bidPrice,
    deposit: SCENARIO.bidDeposit,
  });
  await t3.acceptBidAndWait({ orderId: giveUpJob, bidIndex: 1n });
  await advance(SCENARIO.batch.jobTimeoutSeconds / 2);
  const gaveUp = await measure(
    "batch",
    "closeLease (provider gives up half-way; alternative, not in total)",
    () => p5.closeLeaseAndWait({ leaseId: giveUpJob }),
    "separate order: elapsed/jobTimeout of the bid deposit to the tenant and of the locked stake slashed",
  );
  check(eventCount(gaveUp, "ProviderSlashed") === 1, "giving up half-way cost the provider");

  // ---- (c) replica group (finding 2): two concurrent replicas on distinct providers, results
  // committed before either is revealed.
  await t1.approveAndWait({ spender: market, amount: SCENARIO.batch.deposit * 2n });
  const group = await measure("replicas", "createOrderGroup (2 replicas)", () =>
    t1.createOrderGroupAndWait({ ...batchOrder, replicas: 2 }),
  );
  const replicaProviders = [p4, p6] as const;
  for (const [i, provider] of replicaProviders.entries()) {
    const orderId = group.orderIds[i] as bigint;
    await measure("replicas", `createBid (replica ${i + 1})`, () =>
      provider.createBidAndWait({
        orderId,
        pricePerSecond: SCENARIO.batch.bidPrice,
        deposit: SCENARIO.bidDeposit,
      }),
    );
    await measure("replicas", `acceptBid (replica ${i + 1})`, () =>
      t1.acceptBidAndWait({ orderId, bidIndex: 0n }),
    );
  }
  await advance(SCENARIO.batch.resultAfterSeconds);
  const salts = [keccak256(toHex("bench salt 1")), keccak256(toHex("bench salt 2"))] as const;
  for (const [i, provider] of replicaProviders.entries()) {
    const leaseId = group.orderIds[i] as bigint;
    const commitment = resultCommitment({
      leaseId,
      ...result,
      salt: salts[i] as Hex,
      provider: provider.account.address,
    });
    await measure(
      "replicas",
      i === 0 ? "commitResult (replica 1)" : "commitResult (replica 2, the last: opens the reveal)",
      () => provider.commitResultAndWait({ leaseId, commitment }),
    );
  }
  for (const [i, provider] of replicaProviders.entries()) {
    const leaseId = group.orderIds[i] as bigint;
    await measure("replicas", `revealResult (replica ${i + 1})`, () =>
      provider.revealResultAndWait({ leaseId, ...result, salt: salts[i] as Hex }),
    );
    await measure("replicas", `acceptResult (replica ${i + 1})`, () =>
      t1.acceptResultAndWait({ leaseId }),
    );
  }

  // ---- protocol parameters in force, read from the chain
  const read = (functionName: string) =>
    net.publicClient.readContract({
      address: params,
      abi: protocolParamsAbi,
      functionName,
    } as never) as Promise<bigint | number>;
  const protocolParams = Object.fromEntries(
    await Promise.all(
      [
        "takeRateBps",
        "minBidWindow",
        "disputeWindow",
        "minProviderStake",
        "missedDeadlineSlashBps",
        "reporterRewardBps",
      ].map(async (name) => {
        const value = await read(name);
        return [name, typeof value === "bigint" ? value.toString() : value] as const;
      }),
    ),
  );

  const codeSizes = Object.fromEntries(
    await Promise.all(
      Object.entries(net.deployment.contracts).map(async ([name, at]) => {
        const code = await net.publicClient.getCode({ address: at });
        return [name, code ? size(code) : 0] as const;
      }),
    ),
  );

  return {
    measured,
    baseline: { cold: Number(cold.receipt.gasUsed), warm: Number(warm.receipt.gasUsed) },
    protocolParams,
    codeSizes,
  };
}

// ------------------------------------------------------------------ inputs and output

/** `key = value` lines of [profile.default] in contracts/foundry.toml. */
function foundryProfile(): Record<string, string> {
  const text = readFileSync(path.join(repoRoot, "contracts", "foundry.toml"), "utf8");
  const profile: Record<string, string> = {};
  let inDefault = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line.startsWith("[")) {
      inDefault = line === "[profile.default]";
      continue;
    }
    const match = /^([A-Za-z_]+)\s*=\s*(.+)$/.exec(line);
    if (inDefault && match?.[1] && match[2]) profile[match[1]] = match[2].replace(/^"|"$/g, "");
  }
  return profile;
}

function packageVersion(name: string): string | null {
  try {
    const file = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Whole stdout of a git command (trailing newline removed), or null if git is missing or fails. */
function git(...args: string[]): string | null {
  try {
    return execFileSync("git", ["-C", repoRoot, ...args], {
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "ignore"],
    }).trimEnd();
  } catch {
    return null;
  }
}

function tools(): ToolVersion[] {
  const anvil = resolveAnvilBinary();
  const list: ToolVersion[] = [
    { name: "anvil", command: [anvil.command, ...anvil.args, "--version"] },
  ];
  const arch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[process.arch];
  try {
    const forge = require.resolve(`@foundry-rs/forge-${process.platform}-${arch}/bin/forge`);
    list.push({ name: "forge", command: [forge, "--version"] });
  } catch {}
  return list;
}

function inputs(runData: Awaited<ReturnType<typeof run>>) {
  const profile = foundryProfile();
  const ether = (wei: bigint) => `${formatEther(wei)} NOOS`;
  const perSecond = (wei: bigint) => `${formatEther(wei)} NOOS/s`;
  const creationCode = {
    NoosToken: noosTokenBytecode,
    ProtocolParams: protocolParamsBytecode,
    Staking: stakingBytecode,
    ProviderRegistry: providerRegistryBytecode,
    ComputeMarketLib: computeMarketLibBytecode,
    ComputeMarket: computeMarketBytecode,
  };
  const changed = (pathspec: string) =>
    git("status", "--porcelain", "--", pathspec)
      ?.split("\n")
      .map((l) => l.slice(3))
      .filter(Boolean) ?? null;
  return {
    contracts: {
      version: packageVersion("@noosphere/contracts"),
      bytecodeFrom: "packages/sdk/src/generated/abis.ts (what the devnet deploys)",
      gitCommit: git("rev-parse", "HEAD"),
      /** Uncommitted changes to the deployed bytecode (abis.ts) and to the sources it came from. */
      uncommitted: {
        generatedAbis: changed("packages/sdk/src/generated"),
        contractSources: changed("contracts/src"),
      },
      creationCodeKeccak: Object.fromEntries(
        Object.entries(creationCode).map(([name, code]) => [name, keccak256(code)]),
      ),
      runtimeCodeBytes: runData.codeSizes,
    },
    compiler: {
      solc: packageVersion("solc"),
      solcFrom: profile.solc ?? null,
      evmVersion: profile.evm_version ?? null,
      optimizer: profile.optimizer === "true",
      optimizerRuns: profile.optimizer_runs === undefined ? null : Number(profile.optimizer_runs),
    },
    protocolParams: runData.protocolParams,
    scenario: {
      accounts: "0 deployer/treasury, 1-3 tenants, 4-6 providers, 7-8 baseline transfers",
      providerStake: ether(SCENARIO.providerStake),
      providerAttributes: SCENARIO.providerAttributes,
      placementAttributes: SCENARIO.placement,
      providerMarketAllowance: ether(SCENARIO.providerMarketAllowance),
      tenantPayment:
        "EIP-2612 permits for exactly each deposit (createOrderWithPermit, depositWithPermit): no approve transaction; the approve path is measured as an alternative (allowance exactly the deposit, consumed to zero)",
      bidWindowSeconds: SCENARIO.bidWindowSeconds,
      bidDeposit: ether(SCENARIO.bidDeposit),
      service: {
        numberOfBids: SCENARIO.service.bidPrices.length,
        maxPrice: perSecond(SCENARIO.service.maxPricePerSecond),
        bidPrices: SCENARIO.service.bidPrices.map(perSecond),
        deposit: ether(SCENARIO.service.deposit),
        topUp: ether(SCENARIO.service.topUp),
        settleAfterSeconds: SCENARIO.service.settleAfterSeconds,
        closeAfterSettleSeconds: SCENARIO.service.closeAfterSettleSeconds,
      },
      batch: {
        numberOfBids: 1,
        maxPrice: perSecond(SCENARIO.batch.maxPricePerSecond),
        bidPrice: perSecond(SCENARIO.batch.bidPrice),
        deposit: ether(SCENARIO.batch.deposit),
        jobTimeoutSeconds: SCENARIO.batch.jobTimeoutSeconds,
        resultAfterSeconds: SCENARIO.batch.resultAfterSeconds,
      },
      baselineTransfer: ether(SCENARIO.baselineAmount),
      conditions: [
        "gasUsed is the whole transaction's (21,000 intrinsic + calldata + execution, after refunds)",
        "gas is deterministic for a given bytecode and chain state: one run, no repetitions",
        "setup steps are provider 5's: provider 4 registered first, so global counters are already non-zero",
        "one order was opened and canceled before measuring, so the order counter is non-zero",
        "NOOS is ERC20Votes; no account has delegated, so transfers write no checkpoints",
        "a tenant's first permit writes its token nonce 0 -> 1 (service createOrder); the batch tenant has permitted once before (its service comparison order), as a returning tenant",
      ],
    },
  };
}

function formatTable(metrics: Metric[], baseline: { cold: number; warm: number }): string {
  const header = ["lifecycle", "step", "gasUsed", "x transfer", "slots +/-/~"];
  const rows = metrics.map((m) => [
    m.lifecycle,
    m.step,
    m.gasUsed.toLocaleString("en-US"),
    m.ratioToErc20Transfer.toFixed(2),
    m.storage ? `${m.storage.created}/${m.storage.cleared}/${m.storage.updated}` : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = new Set([2, 3]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `ratio = gasUsed / ERC-20 transfer to a holder (${baseline.warm.toLocaleString("en-US")} gas); ` +
      `to a fresh address: ${baseline.cold.toLocaleString("en-US")} gas.`,
    "slots: storage slots created (0 -> x) / cleared (x -> 0) / updated (x -> y), all contracts.",
  ].join("\n");
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

type Before = {
  date: string;
  gitCommit: string | null;
  note: string;
  totals: {
    serviceLifecycleGas: number;
    batchLifecycleGas: number;
    replicaGroupLifecycleGas: number;
    providerSetupGas: number;
  };
  runtimeCodeBytesMarket: number | null;
  steps: { lifecycle: string; step: string; gasUsed: number }[];
};

/**
 * The figures to compare with: the `before` block of the results file already there (kept from run
 * to run), or, when it has none, that file's own figures (the run before this one). Set
 * MARKET_GAS_RESET_BEFORE=1 to start a new comparison from the file's figures.
 */
function beforeOf(current: {
  inputs: { contracts: { gitCommit: string | null } };
}): Before | undefined {
  let previous: {
    date: string;
    before?: Before;
    inputs?: { contracts?: { gitCommit?: string | null; runtimeCodeBytes?: { market?: number } } };
    totals: Before["totals"];
    metrics: { lifecycle: string; step: string; gasUsed: number }[];
  };
  try {
    previous = JSON.parse(readFileSync(resultsFile, "utf8"));
  } catch {
    return undefined;
  }
  if (previous.before && process.env.MARKET_GAS_RESET_BEFORE !== "1") return previous.before;
  const commit = previous.inputs?.contracts?.gitCommit ?? null;
  if (commit !== null && commit === current.inputs.contracts.gitCommit) return undefined;
  return {
    date: previous.date,
    gitCommit: commit,
    note: "the results file's figures before this change (same scenario, same machine type)",
    totals: {
      serviceLifecycleGas: previous.totals.serviceLifecycleGas,
      batchLifecycleGas: previous.totals.batchLifecycleGas,
      replicaGroupLifecycleGas: previous.totals.replicaGroupLifecycleGas,
      providerSetupGas: previous.totals.providerSetupGas,
    },
    runtimeCodeBytesMarket: previous.inputs?.contracts?.runtimeCodeBytes?.market ?? null,
    steps: previous.metrics.map((m) => ({
      lifecycle: m.lifecycle,
      step: m.step,
      gasUsed: m.gasUsed,
    })),
  };
}

async function main() {
  let net: TestDeployment | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= net ? net.stop() : Promise.resolve();
    return stopping;
  };
  // Ctrl-C or a kill: stop anvil before exiting (process.exit also runs devnet's exit hook).
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(code));
    });
  }

  try {
    net = await startTestDeployment();
    const runData = await run(net);
    const { cold, warm } = runData.baseline;
    const metrics: Metric[] = runData.measured.map((m) => ({
      step: m.step,
      lifecycle: m.lifecycle,
      gasUsed: m.gasUsed,
      ratioToErc20Transfer: round3(m.gasUsed / warm),
      storage: m.storage,
      ...(m.note === undefined ? {} : { note: m.note }),
    }));
    const inTotal = (lifecycle: Lifecycle) =>
      metrics.filter((m) => m.lifecycle === lifecycle && !m.step.includes("not in total"));
    const sum = (list: Metric[]) => list.reduce((total, m) => total + m.gasUsed, 0);
    const service = inTotal("service");
    const batch = inTotal("batch");
    const replicas = inTotal("replicas");
    const setup = inTotal("setup");
    const report = {
      name: NAME,
      date: new Date().toISOString(),
      machine: describeMachine(tools()),
      inputs: inputs(runData),
      baseline: { erc20TransferColdGas: cold, erc20TransferWarmGas: warm },
      metrics: metrics.filter((m) => m.lifecycle !== "baseline"),
      totals: {
        serviceLifecycleGas: sum(service),
        batchLifecycleGas: sum(batch),
        replicaGroupLifecycleGas: sum(replicas),
        providerSetupGas: sum(setup),
        serviceLifecycleRatio: round3(sum(service) / warm),
        batchLifecycleRatio: round3(sum(batch) / warm),
        serviceSteps: service.map((m) => m.step),
        batchSteps: batch.map((m) => m.step),
        replicaGroupSteps: replicas.map((m) => m.step),
      },
    };
    const before = beforeOf(report);
    const withBefore = {
      ...report,
      metrics: report.metrics.map((m) => {
        const was = before?.steps.find((b) => b.lifecycle === m.lifecycle && b.step === m.step);
        return was ? { ...m, gasBefore: was.gasUsed } : m;
      }),
      ...(before ? { before: before } : {}),
    };
    await mkdir(path.dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(withBefore, null, 2)}\n`);
    if (before) {
      console.log(
        `before (${before.gitCommit?.slice(0, 7) ?? "?"}): service ${before.totals.serviceLifecycleGas.toLocaleString("en-US")}, ` +
          `batch ${before.totals.batchLifecycleGas.toLocaleString("en-US")} gas`,
      );
    }

    console.log(formatTable(metrics, runData.baseline));
    console.log("");
    console.log(
      `service lifecycle total: ${report.totals.serviceLifecycleGas.toLocaleString("en-US")} gas ` +
        `(${report.totals.serviceLifecycleRatio} transfers)`,
    );
    console.log(
      `batch lifecycle total:   ${report.totals.batchLifecycleGas.toLocaleString("en-US")} gas ` +
        `(${report.totals.batchLifecycleRatio} transfers)`,
    );
    console.log(
      `provider setup total:    ${report.totals.providerSetupGas.toLocaleString("en-US")} gas`,
    );
    console.log(`\nwrote ${path.relative(process.cwd(), resultsFile)}`);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  } finally {
    await stop();
  }
}

await main();
