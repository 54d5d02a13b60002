// Gas of every step of the market lifecycles (service lease, batch job, provider setup), measured
// on a real anvil with every contract deployed, against a plain NOOS ERC-20 transfer measured in
// the same run. Each lifecycle twice: a first-time tenant (no market balance: it pays with an
// EIP-2612 permit, createOrderWithPermit) with a provider winning its first lease, then a
// returning tenant (its market balance pays) with providers that had a lease before. Writes
// bench/results/market-gas.json (with the figures it replaces as `before`) and prints a table.
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
  zeroAddress,
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
  providerAttributes: { region: "eu", gpu: "h100", tier: "standard" } as Record<string, string>,
  placement: { region: "eu" } as Record<string, string>,
  manifestCid: "bafy-bench-manifest",
  manifestHash: keccak256(toHex("bench manifest v1")),
  bidWindowSeconds: 60,
  /** What a returning tenant put in its market balance once, before its returning lifecycles. */
  tenantFunds: parseEther("300"),
  service: {
    maxPricePerSecond: parseEther("0.01"),
    /** First bid and second, lower (winning) bid, by two providers. */
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

/**
 * service / batch: a returning tenant (market balance) and providers that had a lease before (the
 * targets); serviceFirst / batchFirst: a first-time tenant (permit) and a provider's first lease.
 */
type Lifecycle =
  | "baseline"
  | "setup"
  | "service"
  | "serviceFirst"
  | "batch"
  | "batchFirst"
  | "accounts"
  | "replicas";

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
  // staking's first writes), then provider 5 measured as a typical provider, then provider 6. No
  // market approve: bids take no deposit.
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
  }

  const [t1, t2, t3] = ACCOUNTS.tenants.map(client) as [Client, Client, Client];
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
  const serviceOrder = {
    manifestCid: SCENARIO.manifestCid,
    manifestHash: SCENARIO.manifestHash,
    token,
    maxPricePerSecond: SCENARIO.service.maxPricePerSecond,
    deposit: SCENARIO.service.deposit,
    bidWindow: SCENARIO.bidWindowSeconds,
    placement: { attributes: SCENARIO.placement },
  };
  const result = { resultCid: SCENARIO.batch.resultCid, resultHash: SCENARIO.batch.resultHash };
  const balanceOf = (who: Client) => who.getMarketBalance({ account: who.account.address, token });

  // Warm-up (unmeasured), as on a live deployment: tenant 3 runs one batch job with provider 6
  // (the order counter and the protocol's fee slot are non-zero) and opens and cancels an order.
  {
    const { orderId } = await t3.createOrderAndWait({ ...batchOrder, permit: true });
    await p6.createBidAndWait({ orderId, pricePerSecond: SCENARIO.batch.bidPrice });
    await t3.acceptBidAndWait({ orderId });
    await p6.submitResultAndWait({ leaseId: orderId, ...result });
    await t3.acceptResultAndWait({ leaseId: orderId });
    const { orderId: canceled } = await t3.createOrderAndWait({
      ...batchOrder,
      jobTimeout: 0,
      maxPricePerSecond: 1n,
      deposit: parseEther("1"),
    });
    await t3.cancelOrderAndWait({ orderId: canceled });
    await t3.withdrawBalanceAndWait({ token });
    check((await balanceOf(t3)) === 0n, "tenant 3 withdrew its whole balance");
  }

  // ---- (b) batch job: bid = max price, the provider submits, the tenant accepts.
  const createStep = `createOrder (jobTimeout ${SCENARIO.batch.jobTimeoutSeconds} s, ${Object.keys(SCENARIO.placement).length} placement attribute`;
  async function batchJob(lifecycle: "batch" | "batchFirst", tenant: Client, provider: Client) {
    const first = lifecycle === "batchFirst";
    const { orderId } = first
      ? await measure(
          lifecycle,
          `${createStep}, createOrderWithPermit)`,
          () => tenant.createOrderAndWait({ ...batchOrder, permit: true }),
          "first-time tenant: no market balance, an EIP-2612 permit (token nonce 0 -> 1), no approve transaction",
        )
      : await measure(
          lifecycle,
          `${createStep}, from the market balance)`,
          () => tenant.createOrderAndWait({ ...batchOrder, permit: false }),
          "returning tenant: the deposit comes from its market balance, no token transfer",
        );
    const bid = await measure(
      lifecycle,
      "createBid",
      () => provider.createBidAndWait({ orderId, pricePerSecond: SCENARIO.batch.bidPrice }),
      "no deposit: the provider's free stake is checked",
    );
    check(bid.event.outbid === zeroAddress, "the first bid outbid nobody");
    const lease = await measure(
      lifecycle,
      "acceptBid",
      () => tenant.acceptBidAndWait({ orderId }),
      first
        ? "the provider's first lease: the market locks minProviderStake in Staking"
        : "the provider had a lease: its stake lock is kept, no Staking write",
    );
    check(lease.event.provider === provider.account.address, "the bidder got the lease");
    await advance(SCENARIO.batch.resultAfterSeconds);
    await measure(lifecycle, "submitResult (by the provider)", () =>
      provider.submitResultAndWait({ leaseId: orderId, ...result }),
    );
    const accepted = await measure(
      lifecycle,
      "acceptResult (by tenant)",
      () => tenant.acceptResultAndWait({ leaseId: orderId }),
      first
        ? "pays the job price to the provider's balance (its first credit: a new slot), refunds the tenant's (a new slot)"
        : "credits the provider's and the tenant's existing balance slots",
    );
    check(accepted.event.reason === 3, "acceptResult completed the lease (ResultAccepted)");
    return orderId;
  }
  await batchJob("batchFirst", t1, p4);
  const funded = await measure(
    "accounts",
    `fund (${formatEther(SCENARIO.tenantFunds)} NOOS, EIP-2612 permit; once, not in total)`,
    () => t1.fundAccountAndWait({ token, amount: SCENARIO.tenantFunds }),
    "the returning tenant tops its market balance up once (fundWithPermit, no approve)",
  );
  check(funded.event.amount === SCENARIO.tenantFunds, "fund credited the amount");
  const batchBalance = await balanceOf(t1);
  await batchJob("batch", t1, p4);
  check(
    (await balanceOf(t1)) === batchBalance - SCENARIO.batch.bidPrice * 600n,
    "the returning tenant's job was paid from its balance (job price out, the rest back)",
  );

  // ---- (a) service lease: two bids (the second lower), the auction closed after the window by
  // the losing provider, settled after an hour, the provider withdraws, the tenant tops up and
  // closes, the fees are swept.
  const [firstPrice, secondPrice] = SCENARIO.service.bidPrices;
  async function serviceLease(
    lifecycle: "service" | "serviceFirst",
    tenant: Client,
    loser: Client,
    winner: Client,
  ) {
    const first = lifecycle === "serviceFirst";
    const placementNote = `${Object.keys(SCENARIO.placement).length} placement attribute`;
    const { orderId: leaseId } = first
      ? await measure(
          lifecycle,
          `createOrder (${placementNote}, createOrderWithPermit)`,
          () => tenant.createOrderAndWait({ ...serviceOrder, permit: true }),
          "first-time tenant: no market balance, an EIP-2612 permit (token nonce 0 -> 1)",
        )
      : await measure(
          lifecycle,
          `createOrder (${placementNote}, from the market balance)`,
          () => tenant.createOrderAndWait({ ...serviceOrder, permit: false }),
          "returning tenant: the deposit comes from its market balance",
        );
    await measure(lifecycle, "createBid (first bid)", () =>
      loser.createBidAndWait({ orderId: leaseId, pricePerSecond: firstPrice }),
    );
    const outbid = await measure(
      lifecycle,
      "createBid (second, lower bid, another provider)",
      () => winner.createBidAndWait({ orderId: leaseId, pricePerSecond: secondPrice }),
      "replaces the best bid (the running reverse auction keeps one)",
    );
    check(outbid.event.outbid === loser.account.address, "the second bid outbid the first");
    await advance(SCENARIO.bidWindowSeconds + 1);
    const auction = await measure(
      lifecycle,
      "closeAuction (by the outbid provider, after the bid window)",
      () => loser.closeAuctionAndWait({ orderId: leaseId }),
      first
        ? "the winner's first lease: the market locks minProviderStake in Staking"
        : "the winner had a lease: no Staking write",
    );
    check(auction.event.provider === winner.account.address, "the lowest bid won the auction");
    await advance(SCENARIO.service.settleAfterSeconds);
    const settled = await measure(
      lifecycle,
      `settle (after ${SCENARIO.service.settleAfterSeconds / 3600} h)`,
      () => tenant.settleLeaseAndWait({ leaseId }),
      first
        ? "the provider's first pay: its balance slot 0 -> non-zero"
        : "credits the provider's existing balance slot",
    );
    check((settled.event?.accrued ?? 0n) > 0n, "settle accrued a payment");
    const withdrawn = await measure(lifecycle, "withdraw (provider's balance)", () =>
      winner.withdrawBalanceAndWait({ token }),
    );
    check(withdrawn.event.amount > 0n, "the provider withdrew its pay");
    if (first)
      await measure(
        lifecycle,
        "deposit (escrow top-up, depositWithPermit)",
        () =>
          tenant.depositEscrowAndWait({
            orderId: leaseId,
            amount: SCENARIO.service.topUp,
            permit: true,
          }),
        "settles the lease first; the tenant's second permit (nonce 1 -> 2)",
      );
    else
      await measure(
        lifecycle,
        "deposit (escrow top-up, from the market balance)",
        () =>
          tenant.depositEscrowAndWait({
            orderId: leaseId,
            amount: SCENARIO.service.topUp,
            permit: false,
          }),
        "settles the lease first",
      );
    await advance(SCENARIO.service.closeAfterSettleSeconds);
    const closed = await measure(
      lifecycle,
      "closeLease (by tenant)",
      () => tenant.closeLeaseAndWait({ leaseId }),
      first
        ? "settles, credits the escrow left to the tenant's balance (its first: a new slot)"
        : "settles, credits the escrow left to the tenant's balance",
    );
    check(closed.event.refund > 0n, "closeLease refunded escrow to the tenant's balance");
    const swept = await measure(lifecycle, "sweepFees", () =>
      client(ACCOUNTS.treasury).sweepFeesAndWait({ token }),
    );
    check(swept.event.amount > 0n, "sweepFees sent fees to the treasury");
  }
  // First time: tenant 2 (never used the market); provider 6 bids first (it has had a lease),
  // provider 5 wins its first lease. Returning: tenant 2 again (its refund is its balance), the
  // same providers.
  await serviceLease("serviceFirst", t2, p6, p5);
  // The returning tenant's balance (its refund, plus funds once) pays the whole next lease.
  await t2.fundAccountAndWait({ token, amount: SCENARIO.tenantFunds });
  check(
    (await balanceOf(t2)) >= SCENARIO.service.deposit + SCENARIO.service.topUp,
    "the returning tenant's balance covers its lease",
  );
  await serviceLease("service", t2, p6, p5);

  // For comparison: the tenant accepts the best bid inside the window (returning tenant 1).
  const { orderId: directOrder } = await t1.createOrderAndWait({ ...serviceOrder, permit: false });
  await p6.createBidAndWait({ orderId: directOrder, pricePerSecond: firstPrice });
  await p5.createBidAndWait({ orderId: directOrder, pricePerSecond: secondPrice });
  await measure(
    "service",
    "acceptBid (by the tenant inside the bid window; comparison, not in total)",
    () => t1.acceptBidAndWait({ orderId: directOrder }),
    "separate order: the tenant takes the best bid without waiting for the window",
  );

  // ---- accounts and stake (not in any total)
  await measure(
    "accounts",
    "withdraw (tenant's whole balance; not in total)",
    () => t2.withdrawBalanceAndWait({ token }),
    "a tenant leaving the market takes its refunds out",
  );

  // ---- batch alternatives (not in total)
  // Approve path: tenant 3 (balance 0) approves, then createOrder takes the allowance.
  await measure(
    "batch",
    "approve (market, order deposit; approve path, alternative, not in total)",
    () => t3.approveAndWait({ spender: market, amount: SCENARIO.batch.deposit }),
  );
  const { orderId: relayedJob } = await measure(
    "batch",
    `${createStep}, approve path; alternative, not in total)`,
    () => t3.createOrderAndWait({ ...batchOrder, permit: false }),
    "separate order: the tenant has no balance; the allowance set by the approve above is taken",
  );
  await p4.createBidAndWait({ orderId: relayedJob, pricePerSecond: SCENARIO.batch.bidPrice });
  await t3.acceptBidAndWait({ orderId: relayedJob });
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
  const { orderId: missedJob } = await t1.createOrderAndWait({ ...batchOrder, permit: false });
  await p5.createBidAndWait({ orderId: missedJob, pricePerSecond: SCENARIO.batch.bidPrice });
  await t1.acceptBidAndWait({ orderId: missedJob });
  await advance(SCENARIO.batch.jobTimeoutSeconds + 1);
  const expired = await measure(
    "batch",
    "expireLease (missed deadline, stake slashed; alternative, not in total)",
    () => t1.expireLeaseAndWait({ leaseId: missedJob }),
    "separate order: refunds the tenant's balance, slashes the provider's stake, pays the reporter",
  );
  const slash = expired.events.find((e) => e.eventName === "ProviderSlashed")?.args as
    | { stake: bigint }
    | undefined;
  check(slash !== undefined && slash.stake > 0n, "expireLease slashed the provider's stake");

  // Provider gives a job up half-way: elapsed/jobTimeout of the slashable stake.
  const { orderId: giveUpJob } = await t1.createOrderAndWait({ ...batchOrder, permit: false });
  await p4.createBidAndWait({ orderId: giveUpJob, pricePerSecond: SCENARIO.batch.bidPrice });
  await t1.acceptBidAndWait({ orderId: giveUpJob });
  await advance(SCENARIO.batch.jobTimeoutSeconds / 2);
  const gaveUp = await measure(
    "batch",
    "closeLease (provider gives up half-way; alternative, not in total)",
    () => p4.closeLeaseAndWait({ leaseId: giveUpJob }),
    "separate order: elapsed/jobTimeout of the slashable stake slashed, the tenant refunded",
  );
  check(eventCount(gaveUp, "ProviderSlashed") === 1, "giving up half-way cost the provider");

  // ---- (c) replica group: two concurrent replicas on distinct providers, results committed
  // before either is revealed (returning tenant 1, from its balance).
  const group = await measure(
    "replicas",
    "createOrderGroup (2 replicas, from the market balance)",
    () => t1.createOrderGroupAndWait({ ...batchOrder, replicas: 2 }),
  );
  const replicaProviders = [p4, p6] as const;
  for (const [i, provider] of replicaProviders.entries()) {
    const orderId = group.orderIds[i] as bigint;
    await measure("replicas", `createBid (replica ${i + 1})`, () =>
      provider.createBidAndWait({ orderId, pricePerSecond: SCENARIO.batch.bidPrice }),
    );
    await measure("replicas", `acceptBid (replica ${i + 1})`, () =>
      t1.acceptBidAndWait({ orderId }),
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

  // A provider leaving: its leases are over, it releases the lease stake the market kept locked.
  const release = await measure(
    "accounts",
    "releaseStake (provider leaving, before unstaking; not in total)",
    () => p5.releaseStakeAndWait(),
    "unlocks in Staking what no open lease needs",
  );
  check(release.amount > 0n, "releaseStake unlocked the provider's idle lease stake");

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
      tenantPayment:
        "first-time tenants (no market balance) pay with EIP-2612 permits (createOrderWithPermit, depositWithPermit): no approve transaction; returning tenants pay from their market balance (refunds, plus funds added once with fund); the approve path is measured as an alternative (allowance exactly the deposit, consumed to zero)",
      tenantFunds: ether(SCENARIO.tenantFunds),
      bidWindowSeconds: SCENARIO.bidWindowSeconds,
      bidDeposit: "none (the lean market checks the provider's free stake instead)",
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
        "warm-up before measuring: tenant 3 ran one batch job with provider 6 and canceled an order, so the order counter and the protocol's fee slot are non-zero",
        "NOOS is ERC20Votes; no account has delegated, so transfers write no checkpoints",
        "first-time lifecycles (batchFirst, serviceFirst): the tenant's first permit (token nonce 0 -> 1), no market balance; the winning provider's first lease (the market locks minProviderStake in Staking) and first pay (its balance slot created)",
        "returning lifecycles (batch, service; the targets): the tenant pays from its market balance; the providers had a lease before (stake lock kept, balance slots non-zero)",
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

/** Marks the `before` block taken from the ComputeMarket with bid lists and bid deposits. */
const BEFORE_NOTE =
  "ComputeMarket before the lean rewrite (bid list, bid deposits, push payouts): the results file's figures at that commit, same scenario steps where they exist";

/**
 * The figures to compare with: the `before` block of the results file already there when it is
 * the pre-lean ComputeMarket's (kept from run to run); otherwise that file's own figures (the run
 * before the lean market). MARKET_GAS_RESET_BEFORE=1 starts a new comparison from the file's
 * figures.
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
  if (previous.before?.note === BEFORE_NOTE && process.env.MARKET_GAS_RESET_BEFORE !== "1")
    return previous.before;
  const commit = previous.inputs?.contracts?.gitCommit ?? null;
  if (commit !== null && commit === current.inputs.contracts.gitCommit) return undefined;
  return {
    date: previous.date,
    gitCommit: commit,
    note:
      process.env.MARKET_GAS_RESET_BEFORE === "1"
        ? "the results file's figures before this run"
        : BEFORE_NOTE,
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

/** The pre-lean bench's name of a step (same action, where it had one). */
const OLD_STEP: Record<string, string> = {
  "createOrder (1 placement attribute, createOrderWithPermit)":
    "createOrder (1 placement attribute, EIP-2612 permit)",
  "createOrder (1 placement attribute, from the market balance)":
    "createOrder (1 placement attribute, EIP-2612 permit)",
  "createBid (second, lower bid, another provider)": "createBid (second bid, another provider)",
  "closeAuction (by the outbid provider, after the bid window)":
    "closeAuction (2 bids, 1 deposit credited)",
  "withdraw (provider's balance)": "withdraw (provider earnings)",
  "deposit (escrow top-up, depositWithPermit)": "deposit (escrow top-up, EIP-2612 permit)",
  "deposit (escrow top-up, from the market balance)": "deposit (escrow top-up, EIP-2612 permit)",
  "acceptBid (by the tenant inside the bid window; comparison, not in total)":
    "acceptBid (2 bids, 1 deposit credited; comparison, not in total)",
  "createOrder (jobTimeout 600 s, 1 placement attribute, createOrderWithPermit)":
    "createOrder (jobTimeout 600 s, 1 placement attribute, EIP-2612 permit)",
  "createOrder (jobTimeout 600 s, 1 placement attribute, from the market balance)":
    "createOrder (jobTimeout 600 s, 1 placement attribute, EIP-2612 permit)",
  acceptBid: "acceptBid (1 bid)",
  "createOrderGroup (2 replicas, from the market balance)": "createOrderGroup (2 replicas)",
};

/** The pre-lean figure of the same step, if it had one (first-time and returning share it). */
function gasBefore(before: Before | undefined, m: Metric): number | undefined {
  const lifecycle = m.lifecycle.replace(/First$/, "");
  const step = OLD_STEP[m.step] ?? m.step;
  return before?.steps.find((b) => b.lifecycle === lifecycle && b.step === step)?.gasUsed;
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
    const serviceFirst = inTotal("serviceFirst");
    const batchFirst = inTotal("batchFirst");
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
        /** Returning tenant (market balance), providers that had a lease: the targets. */
        serviceLifecycleGas: sum(service),
        batchLifecycleGas: sum(batch),
        /** First-time tenant (permit), the winning provider's first lease. */
        serviceFirstTimeLifecycleGas: sum(serviceFirst),
        batchFirstTimeLifecycleGas: sum(batchFirst),
        replicaGroupLifecycleGas: sum(replicas),
        providerSetupGas: sum(setup),
        targets: { batchLifecycleGas: 400_000, serviceLifecycleGas: 700_000 },
        serviceLifecycleRatio: round3(sum(service) / warm),
        batchLifecycleRatio: round3(sum(batch) / warm),
        serviceSteps: service.map((m) => m.step),
        batchSteps: batch.map((m) => m.step),
        serviceFirstTimeSteps: serviceFirst.map((m) => m.step),
        batchFirstTimeSteps: batchFirst.map((m) => m.step),
        replicaGroupSteps: replicas.map((m) => m.step),
      },
    };
    const before = beforeOf(report);
    const withBefore = {
      ...report,
      metrics: report.metrics.map((m) => {
        const was = gasBefore(before, m);
        return was === undefined ? m : { ...m, gasBefore: was };
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
      `first-time tenant:       service ${report.totals.serviceFirstTimeLifecycleGas.toLocaleString("en-US")}, ` +
        `batch ${report.totals.batchFirstTimeLifecycleGas.toLocaleString("en-US")} gas`,
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
